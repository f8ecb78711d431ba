import type { DataSourceOptions } from 'typeorm';
import type { DatabaseKind } from '../config/configuration';
import { AuditBatch, AuditEvent } from '../audit/audit-event.entity';
import { AdminKey } from '../auth/admin-key.entity';
import { ServiceToken } from '../auth/service-token.entity';
import { ConsentCheckpoint } from '../consent/consent-checkpoint.entity';
import { MapChange } from '../data-map/map-change.entity';
import { ConsentEvent } from '../consent/consent-event.entity';
import { ConsentNotice } from '../consent/consent-notice.entity';
import { ConsentState, ConsentSubject } from '../consent/consent-state.entity';
import { IdempotencyRecord } from '../consent/idempotency-record.entity';
import { DataMapState } from '../data-map/data-map-state.entity';
import { ChangeLogEntry } from '../policy/change-log-entry.entity';
import { Field } from '../data-map/field.entity';
import { Flow, FlowField } from '../data-map/flow.entity';
import { Purpose } from '../data-map/purpose.entity';
import { Subprocessor } from '../data-map/subprocessor.entity';
import { JobLease } from './job-lease.entity';
import { ChangeNotice } from '../transparency/change-notice.entity';
import { WebhookDelivery, WebhookSubscription } from '../transparency/webhook.entity';
import { migrations } from './migrations';
import { quietSqlite3 } from './sqlite-driver';
import { postgresMigrations } from './migrations/postgres';

/** Every entity, in one list: the app, the CLI and the tests use the same. */
export const ENTITIES = [Field, Purpose, Subprocessor, Flow, FlowField, DataMapState, ServiceToken,
  ConsentEvent, ConsentNotice, ConsentState, ConsentSubject, IdempotencyRecord, ChangeLogEntry,
  AuditBatch, AuditEvent, ConsentCheckpoint, JobLease, AdminKey, MapChange, ChangeNotice, WebhookSubscription, WebhookDelivery];

/** The pragmas Flowgate relies on, set on open and verified at boot (`verifySqlitePragmas`). */
export const SQLITE_PRAGMAS = {
  journal_mode: 'wal',
  synchronous: 2, // FULL: an acknowledged write survives power loss
  foreign_keys: 1,
} as const;

export interface DatabaseSettings {
  database: DatabaseKind;
  databasePath: string;
  databaseUrl: string | null;
  databasePoolSize: number;
  sqliteBusyTimeoutMs: number;
}

/**
 * Data source options shared by the Nest app, `ormconfig.ts` (TypeORM CLI) and tests: the
 * same entities on either database, each with its own migrations (`synchronize` is off).
 */
export function dataSourceOptions(settings: DatabaseSettings): DataSourceOptions {
  if (settings.database === 'postgres') {
    return {
      type: 'postgres',
      url: settings.databaseUrl ?? undefined,
      entities: ENTITIES,
      migrations: postgresMigrations,
      migrationsRun: false,
      synchronize: false,
      applicationName: 'flowgate',
      extra: { max: settings.databasePoolSize },
      logging: ['error', 'warn'],
    };
  }
  return {
    type: 'sqlite',
    driver: quietSqlite3,
    database: settings.databasePath,
    entities: ENTITIES,
    migrations,
    migrationsRun: false,
    synchronize: false,
    enableWAL: true,
    busyTimeout: settings.sqliteBusyTimeoutMs,
    logging: ['error', 'warn'],
  };
}
