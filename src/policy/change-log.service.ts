import { Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Subject, type Observable } from 'rxjs';
import type { DataSource } from 'typeorm';
import { WriteQueue } from '../database/write-queue';
import { ChangeLogEntry } from './change-log-entry.entity';

/** A change as the feed announces it; `id` is the event id clients resume from. */
export type ChangeEvent =
  | { id: number; kind: 'policy'; version: number }
  | { id: number; kind: 'consent'; userId: string; version: number };

/**
 * The durable change log behind `GET /api/v1/changes`. Writers append an entry inside the
 * transaction that makes the change, then call `committed()` (or `notify()`); `live` emits
 * committed entries exactly once each, in id order: a rolled back change is never
 * announced and none is skipped.
 */
@Injectable()
export class ChangeLogService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('ChangeLog');
  private readonly subject = new Subject<ChangeEvent>();
  /** Committed changes, in id order, as they happen in this process. */
  readonly live: Observable<ChangeEvent> = this.subject.asObservable();
  private lastPublished = 0;
  private pumping: Promise<void> | null = null;
  private pending = false;
  private closed = false;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly writeQueue: WriteQueue,
  ) {}

  async onModuleInit(): Promise<void> {
    const rows: Array<{ id: number | null }> = await this.dataSource.query('SELECT MAX(id) AS id FROM change_log');
    this.lastPublished = rows[0]?.id ?? 0;
  }

  /** Lets a running publish finish before the database closes; publishes nothing after. */
  async onModuleDestroy(): Promise<void> {
    this.closed = true;
    await this.pumping;
    this.subject.complete();
  }

  /** Announces a policy version unless it is already the latest one announced. */
  async announcePolicy(version: number): Promise<void> {
    const appended = await this.writeQueue.transaction(async (m) => {
      const last = await m.findOne(ChangeLogEntry, { where: { kind: 'policy' }, order: { id: 'DESC' } });
      if (last?.version === version) return null;
      const result = await m.insert(ChangeLogEntry, { kind: 'policy', version });
      return Number(result.identifiers[0].id);
    });
    if (appended !== null) this.committed([{ id: appended, kind: 'policy', version }]);
  }

  /** Committed entries after `afterId`, oldest first (read behind queued writes). */
  since(afterId: number, limit = 1000): Promise<ChangeEvent[]> {
    return this.writeQueue.transaction(async (m) => {
      const rows = await m
        .createQueryBuilder(ChangeLogEntry, 'c')
        .where('c.id > :afterId', { afterId })
        .orderBy('c.id', 'ASC')
        .limit(limit)
        .getMany();
      return rows.map(toEvent);
    });
  }

  /** The latest committed entry's id (0: none). */
  latestId(): Promise<number> {
    return this.writeQueue.transaction(async (m) => {
      const rows: Array<{ id: number | null }> = await m.query('SELECT MAX(id) AS id FROM change_log');
      return rows[0]?.id ?? 0;
    });
  }

  /**
   * Call right after a transaction that appended `events` (in id order) commits. They are
   * published at once when they follow the last published entry; after a gap (another
   * writer's entries not seen yet) the log is read back instead, so order holds.
   */
  committed(events: readonly ChangeEvent[]): void {
    if (this.closed) return;
    const fresh = events.filter((e) => e.id > this.lastPublished);
    if (fresh.length === 0) return;
    if (this.pumping === null && fresh.every((e, i) => e.id === this.lastPublished + 1 + i)) {
      for (const event of fresh) {
        this.lastPublished = event.id;
        this.subject.next(event);
      }
      return;
    }
    this.notify();
  }

  /** Publishes everything committed since the last published entry, in order. */
  notify(): void {
    if (this.closed) return;
    if (this.pumping !== null) {
      this.pending = true;
      return;
    }
    this.pumping = this.pump().finally(() => {
      this.pumping = null;
    });
  }

  private async pump(): Promise<void> {
    do {
      this.pending = false;
      try {
        for (;;) {
          const batch = await this.since(this.lastPublished);
          for (const event of batch) {
            this.lastPublished = event.id;
            this.subject.next(event);
          }
          if (batch.length < 1000) break;
        }
      } catch (error) {
        this.logger.error(`Publishing changes failed: ${(error as Error).message}`);
      }
    } while (this.pending && !this.closed);
  }
}

function toEvent(row: ChangeLogEntry): ChangeEvent {
  return row.kind === 'policy'
    ? { id: row.id, kind: 'policy', version: row.version }
    : { id: row.id, kind: 'consent', userId: row.userId ?? '', version: row.version };
}
