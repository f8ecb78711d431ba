import type { DataSourceOptions } from 'typeorm';
import { AuditBatch, AuditEvent } from '../audit/audit-event.entity';
import { ServiceToken } from '../auth/service-token.entity';
import { ConsentEvent } from '../consent/consent-event.entity';
import { ConsentNotice } from '../consent/consent-notice.entity';
import { ConsentState, ConsentSubject } from '../consent/consent-state.entity';
import { IdempotencyRecord } from '../consent/idempotency-record.entity';
import { DataMapState } from '../data-map/data-map-state.entity';
import { ChangeLogEntry } from '../decisions/change-log-entry.entity';
import { Field } from '../data-map/field.entity';
import { Flow, FlowField } from '../data-map/flow.entity';
import { Purpose } from '../data-map/purpose.entity';
import { Subprocessor } from '../data-map/subprocessor.entity';
import { ChangeNotice } from '../transparency/change-notice.entity';
import { WebhookDelivery, WebhookSubscription } from '../transparency/webhook.entity';
import { migrations } from './migrations';

/** Every entity, in one list: the app, the CLI and the tests use the same. */
export const ENTITIES = [Field, Purpose, Subprocessor, Flow, FlowField, DataMapState, ServiceToken,
  ConsentEvent, ConsentNotice, ConsentState, ConsentSubject, IdempotencyRecord, ChangeLogEntry,
  AuditBatch, AuditEvent, ChangeNotice, WebhookSubscription, WebhookDelivery];

/** The pragmas Flowgate relies on, set on open and verified at boot (`verifySqlitePragmas`). */
export const SQLITE_PRAGMAS = {
  journal_mode: 'wal',
  synchronous: 2, // FULL: an acknowledged write survives power loss
  foreign_keys: 1,
} as const;

export interface DatabaseSettings {
  databasePath: string;
  busyTimeoutMs: number;
}

/** Data source options shared by the Nest app, `ormconfig.ts` (TypeORM CLI) and tests. */
export function dataSourceOptions(settings: DatabaseSettings): DataSourceOptions {
  return {
    type: 'sqlite',
    database: settings.databasePath,
    entities: ENTITIES,
    migrations,
    migrationsRun: false,
    synchronize: false,
    enableWAL: true,
    busyTimeout: settings.busyTimeoutMs,
    logging: ['error', 'warn'],
  };
}
