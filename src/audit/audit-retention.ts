import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import { CLOCK, type Clock } from '../auth/clock';
import { FLOWGATE_CONFIG, type FlowgateConfig } from '../config/configuration';
import { JobLeases } from '../database/job-leases';
import { WriteQueue } from '../database/write-queue';
import { AuditBatch, AuditEvent } from './audit-event.entity';

const DAY_MS = 24 * 60 * 60 * 1000;
/**
 * Rows deleted per transaction. Every write waits behind the queue, so a large backlog is
 * removed in short transactions that consent writes can slip between.
 */
export const PRUNE_CHUNK = 5000;
/** The first prune waits this long, so it never competes with boot or the first requests. */
const FIRST_PRUNE_DELAY_MS = 10_000;
const PRUNE_INTERVAL_MS = 60 * 60 * 1000;
/** The job lease: one instance prunes per interval (a little less, so timers drifting apart still run hourly). */
export const RETENTION_JOB = 'audit-retention';
const LEASE_MS = PRUNE_INTERVAL_MS - 60_000;

export interface PruneResult {
  events: number;
  batches: number;
}

/**
 * Deletes audit reports older than AUDIT_RETENTION_DAYS, shortly after boot and then every
 * hour: records by their last occurrence, then the batches left without records (and
 * their dropped counts) by when they arrived. With several instances on one database, the
 * one that claims the `audit-retention` job lease prunes; the others skip that hour.
 */
@Injectable()
export class AuditRetention implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('Audit');
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private closed = false;

  constructor(
    @Inject(FLOWGATE_CONFIG) private readonly config: FlowgateConfig,
    private readonly writeQueue: WriteQueue,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly leases: JobLeases,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.auditRetentionDays > 0) this.schedule(FIRST_PRUNE_DELAY_MS);
  }

  /** Stops the schedule and lets a running prune end at its next chunk, before the database closes. */
  async onModuleDestroy(): Promise<void> {
    this.closed = true;
    if (this.timer !== null) clearTimeout(this.timer);
    await this.running;
  }

  /** Deletes what is older than the retention period now; with retention 0, nothing. */
  async prune(): Promise<PruneResult> {
    const days = this.config.auditRetentionDays;
    if (days === 0) return { events: 0, batches: 0 };
    const cutoff = this.clock.now().getTime() - days * DAY_MS;
    const events = await this.deleteInChunks(
      AuditEvent,
      'id IN (SELECT id FROM audit_event WHERE "lastAt" < :cutoff LIMIT :limit)',
      cutoff,
    );
    const batches = await this.deleteInChunks(
      AuditBatch,
      `id IN (SELECT b.id FROM audit_batch b WHERE b."receivedAt" < :cutoff
                AND NOT EXISTS (SELECT 1 FROM audit_event e WHERE e."batchId" = b.id) LIMIT :limit)`,
      cutoff,
    );
    return { events, batches };
  }

  /** One transaction per chunk of `where`'s rows, until a chunk comes back short. */
  private async deleteInChunks(
    entity: typeof AuditEvent | typeof AuditBatch,
    where: string,
    cutoff: number,
  ): Promise<number> {
    let total = 0;
    while (!this.closed) {
      const deleted = await this.writeQueue.transaction(async (m) => {
        const result = await m
          .createQueryBuilder()
          .delete()
          .from(entity)
          .where(where, { cutoff, limit: PRUNE_CHUNK })
          .execute();
        return result.affected ?? 0;
      });
      total += deleted;
      if (deleted < PRUNE_CHUNK) break;
    }
    return total;
  }

  /** One prune after `delayMs`, then hourly; a failure is logged and retried at the next one. */
  private schedule(delayMs: number): void {
    this.timer = setTimeout(() => {
      this.running = this.pruneIfLeader()
        .catch((error: unknown) => this.logger.warn(`Claiming the audit retention job failed: ${String(error)}`))
        .then(() => undefined)
        .finally(() => {
        this.running = null;
        if (!this.closed) this.schedule(PRUNE_INTERVAL_MS);
      });
    }, delayMs);
    this.timer.unref();
  }

  /** The scheduled run: prunes only when this process claims the job lease. Returns whether it ran. */
  async pruneIfLeader(): Promise<boolean> {
    if (!(await this.leases.claim(RETENTION_JOB, LEASE_MS, this.clock.now().getTime()))) return false;
    await this.pruneAndLog();
    return true;
  }

  private async pruneAndLog(): Promise<void> {
    try {
      const { events, batches } = await this.prune();
      if (events + batches > 0) {
        this.logger.log(
          `Deleted audit data older than ${this.config.auditRetentionDays} days: ${events} events, ${batches} batches`,
        );
      }
    } catch (error) {
      this.logger.warn(
        `Deleting old audit data failed, trying again in an hour: ${(error as Error).message}`,
      );
    }
  }
}
