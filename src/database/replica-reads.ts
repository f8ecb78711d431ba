import { Inject, Injectable, Logger, Optional, type OnModuleDestroy } from '@nestjs/common';
import { DataSource, type DataSourceOptions, type EntityManager } from 'typeorm';
import { FLOWGATE_CONFIG, type FlowgateConfig } from '../config/configuration';
import { MetricsService } from '../observability/metrics.service';
import { ChangeLogService, parseLsn } from '../policy/change-log.service';
import { dataSourceOptions } from './data-source-options';
import { WriteQueue } from './write-queue';

/** Where a read that may use a replica went: a replica, or the primary because none had replayed far enough, or none answered. */
export type ReplicaReadOutcome = 'replica' | 'lagging' | 'down';

/** A replica as `GET /api/health` shows it. */
export interface ReplicaStatus {
  /** host:port/database (never the password). */
  readonly name: string;
  /** ok: a standby that answers; down: unreachable, failing, or not a standby (promoted, or a primary). */
  readonly state: 'ok' | 'down';
  /** `pg_last_wal_replay_lsn()` (null: not known). */
  readonly replayLsn: string | null;
  /** Bytes of WAL it has still to replay to reach the newest change this instance has applied (0: caught up). */
  readonly lagBytes: number | null;
  /** Since the last transaction it replayed was committed on the primary (grows while nothing is written too). */
  readonly replayDelayMs: number | null;
  readonly error: string | null;
}

/** A replay position is trusted this long before it is asked again (a re-created standby may have gone back). */
const TRUST_MS = 1000;
/** A replica found behind is not asked again within this (reads meanwhile go to the primary). */
const BEHIND_RECHECK_MS = 20;
/** A replica that failed is left alone this long. */
const RETRY_MS = 1000;
const CONNECT_TIMEOUT_MS = 1000;
const STATEMENT_TIMEOUT_MS = 5000;
/** Connections per replica (reads are short and batched). */
const POOL = 4;

class Replica {
  private dataSource: DataSource | null = null;
  private opening: Promise<DataSource> | null = null;
  private probing: Promise<void> | null = null;
  private replay: { lsn: bigint; text: string; at: number; delayMs: number | null } | null = null;
  private downUntil = 0;
  error: string | null = null;

  constructor(
    readonly name: string,
    private readonly options: DataSourceOptions,
    private readonly logger: Logger,
  ) {}

  get down(): boolean {
    return Date.now() < this.downUntil;
  }

  /** Whether a snapshot taken on it now holds every commit up to `lsn`. */
  async caughtUpTo(lsn: bigint): Promise<'ok' | 'behind' | 'down'> {
    if (this.down) return 'down';
    const known = this.replay;
    const fresh = known !== null && Date.now() - known.at < TRUST_MS;
    if (fresh && known.lsn >= lsn) return 'ok';
    if (!(fresh && this.probing === null && Date.now() - known.at < BEHIND_RECHECK_MS)) await this.probe();
    if (this.down) return 'down';
    return this.replay !== null && this.replay.lsn >= lsn ? 'ok' : 'behind';
  }

  /** Asks the replica how far it has replayed (one query for every caller waiting). */
  probe(): Promise<void> {
    this.probing ??= this.ask().finally(() => {
      this.probing = null;
    });
    return this.probing;
  }

  /** `work` in a REPEATABLE READ transaction on the replica: its snapshot is taken after the probe that allowed it. */
  async read<T>(work: (m: EntityManager) => Promise<T>): Promise<T> {
    try {
      return await (await this.open()).transaction('REPEATABLE READ', work);
    } catch (error) {
      this.failed(error);
      throw error;
    }
  }

  status(known: bigint): ReplicaStatus {
    const replay = this.replay;
    const down = this.down || replay === null;
    return {
      name: this.name,
      state: down ? 'down' : 'ok',
      replayLsn: replay?.text ?? null,
      lagBytes: replay === null ? null : Number(known > replay.lsn ? known - replay.lsn : 0n),
      replayDelayMs: replay?.delayMs ?? null,
      error: down ? (this.error ?? 'not reached yet') : null,
    };
  }

  async close(): Promise<void> {
    const dataSource = this.dataSource ?? (await this.opening?.catch(() => null));
    this.dataSource = null;
    if (dataSource?.isInitialized) await dataSource.destroy().catch(() => undefined);
  }

  private async ask(): Promise<void> {
    try {
      const dataSource = await this.open();
      const rows: Array<{ lsn: string | null; standby: boolean; delay: number | string | null }> = await dataSource.query(
        `SELECT pg_last_wal_replay_lsn()::text AS lsn, pg_is_in_recovery() AS standby,
                (EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()) * 1000)::float8 AS delay`,
      );
      const [row] = rows;
      if (!row.standby || row.lsn === null) throw new Error('not a streaming standby (pg_is_in_recovery() is false): never read from a promoted or primary server');
      this.replay = { lsn: parseLsn(row.lsn), text: row.lsn, at: Date.now(), delayMs: row.delay === null ? null : Math.max(0, Math.round(Number(row.delay))) };
      if (this.error !== null) this.logger.log(`Read replica ${this.name} answers again`);
      this.error = null;
    } catch (error) {
      this.failed(error);
    }
  }

  private failed(error: unknown): void {
    const message = (error as Error).message ?? String(error);
    if (this.error !== message) this.logger.warn(`Read replica ${this.name} not used for ${RETRY_MS} ms: ${message}`);
    this.error = message;
    this.replay = null;
    this.downUntil = Date.now() + RETRY_MS;
  }

  /** Connects on first use, and again after a failed connect (the instance starts with a replica down). */
  private open(): Promise<DataSource> {
    if (this.dataSource !== null) return Promise.resolve(this.dataSource);
    this.opening ??= new DataSource(this.options)
      .initialize()
      .then((ds) => {
        this.dataSource = ds;
        return ds;
      })
      .finally(() => {
        this.opening = null;
      });
    return this.opening;
  }
}

/**
 * Reads that may be answered by a PostgreSQL streaming replica (`DATABASE_REPLICA_URL`):
 * the consent cache's fills for users not cached, which decisions wait for. A replica is
 * used only when it has replayed past `ChangeLogService.replicaLsn()`, the commit of every
 * change-log entry this instance has applied (its own writes included): otherwise a cache
 * dropped for a change could be filled again with the state before it. Asked
 * `pg_last_wal_replay_lsn()` before the read's snapshot (and trusted for up to a second);
 * lagging, down or failing replicas leave the read to the primary, counted in
 * `flowgate_replica_reads_total{outcome}`. Token and admin-key lookups, the change log and
 * everything in a write transaction never come here. Without replicas (and on SQLite):
 * `WriteQueue.read`.
 */
@Injectable()
export class ReplicaReads implements OnModuleDestroy {
  private readonly logger = new Logger('ReplicaReads');
  private readonly replicas: Replica[];
  private next = 0;

  constructor(
    @Inject(FLOWGATE_CONFIG) config: FlowgateConfig,
    private readonly writeQueue: WriteQueue,
    private readonly changeLog: ChangeLogService,
    @Optional() private readonly metrics?: MetricsService,
  ) {
    const urls = writeQueue.kind === 'postgres' ? (config.databaseReplicaUrls ?? []) : [];
    this.replicas = urls.map((url) => {
      const base = dataSourceOptions({ ...config, databaseUrl: url, databasePoolSize: POOL });
      const options = {
        ...base,
        migrations: [],
        applicationName: 'flowgate-replica',
        logging: false,
        extra: { max: POOL, connectionTimeoutMillis: CONNECT_TIMEOUT_MS, statement_timeout: STATEMENT_TIMEOUT_MS },
      } as DataSourceOptions;
      return new Replica(replicaName(url), options, this.logger);
    });
  }

  get configured(): boolean {
    return this.replicas.length > 0;
  }

  /** A consistent read (one snapshot) from a caught-up replica, or else the primary (`WriteQueue.read`). */
  async read<T>(work: (m: EntityManager) => Promise<T>): Promise<T> {
    if (this.replicas.length === 0) return this.writeQueue.read(work);
    let need: bigint;
    try {
      need = await this.changeLog.replicaLsn();
    } catch {
      return this.primary('lagging', work); // the primary did not say where it is: only it is safe
    }
    let behind = false;
    for (let i = 0; i < this.replicas.length; i++) {
      const index = (this.next + i) % this.replicas.length;
      const replica = this.replicas[index];
      const state = await replica.caughtUpTo(need);
      if (state === 'behind') behind = true;
      if (state !== 'ok') continue;
      try {
        const result = await replica.read(work);
        this.next = (index + 1) % this.replicas.length;
        this.metrics?.replicaRead('replica');
        return result;
      } catch {
        // failed() marked it down and logged it: the next replica, or the primary
      }
    }
    return this.primary(behind ? 'lagging' : 'down', work);
  }

  /** Every replica, asked afresh (`GET /api/health`). */
  async status(): Promise<ReplicaStatus[]> {
    await Promise.all(this.replicas.map((r) => r.probe()));
    const known = this.changeLog.knownLsn();
    return this.replicas.map((r) => r.status(known));
  }

  async onModuleDestroy(): Promise<void> {
    await Promise.all(this.replicas.map((r) => r.close()));
  }

  private primary<T>(outcome: ReplicaReadOutcome, work: (m: EntityManager) => Promise<T>): Promise<T> {
    this.metrics?.replicaRead(outcome);
    return this.writeQueue.read(work);
  }
}

/** host:port/database of a postgres:// URL, without user or password. */
export function replicaName(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || '5432'}${u.pathname || '/'}`;
  } catch {
    return 'replica';
  }
}
