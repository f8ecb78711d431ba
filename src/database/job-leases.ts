import { Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { JobLease } from './job-lease.entity';
import { WriteQueue } from './write-queue';

/**
 * Runs a periodic job once across every process on the database. `claim` takes the job's
 * lease in a write transaction (PostgreSQL: under the writes advisory lock; SQLite: with
 * the file's write lock), so of N instances whose timers fire together exactly one gets it,
 * and nobody else does until it expires.
 */
@Injectable()
export class JobLeases {
  /** This process, as the `holder` column shows it. */
  readonly holder = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`.slice(0, 100);

  constructor(private readonly writeQueue: WriteQueue) {}

  /** True when this process now holds `name` for `forMs` (free, expired, or already ours). */
  claim(name: string, forMs: number, now = Date.now()): Promise<boolean> {
    return this.writeQueue.transaction(async (m) => {
      const lease = await m.findOneBy(JobLease, { name });
      if (lease !== null && lease.holder !== this.holder && lease.leaseUntil > now) return false;
      await m.save(JobLease, { name, holder: this.holder, leaseUntil: now + forMs });
      return true;
    });
  }

  /** Gives `name` back early (only if this process holds it). */
  async release(name: string): Promise<void> {
    await this.writeQueue.transaction((m) => m.delete(JobLease, { name, holder: this.holder }));
  }
}
