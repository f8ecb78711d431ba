import { Injectable, Optional } from '@nestjs/common';
import { performance } from 'node:perf_hooks';
import { MetricsService } from '../observability/metrics.service';
import { DataSource, type EntityManager } from 'typeorm';

/**
 * TypeORM runs all sqlite work on one connection, so two transactions must never
 * interleave: every write goes through this queue, one transaction at a time.
 */
@Injectable()
export class WriteQueue {
  private tail: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly dataSource: DataSource,
    @Optional() private readonly metrics?: MetricsService,
  ) {}

  /** Runs `work` in its own transaction after every earlier write has finished. */
  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    const queued = performance.now();
    const run = this.tail.then(() => {
      this.metrics?.writeQueued((performance.now() - queued) / 1000);
      return this.dataSource.transaction(work);
    });
    this.tail = run.catch(() => undefined);
    return run;
  }
}
