import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { systemClock } from '../auth/clock';
import { loadConfig } from '../config/configuration';
import type { JobLeases } from '../database/job-leases';
import type { WriteQueue } from '../database/write-queue';
import { AuditRetention } from './audit-retention';

const MINUTE = 60 * 1000;
const HOUR = 60 * MINUTE;

/** The schedule only: what a prune deletes is tested against a real database in test/e2e. */
describe(AuditRetention.name, () => {
  const leader = { claim: async () => true } as unknown as JobLeases;
  const retention = (days: string, leases = leader) =>
    new AuditRetention(loadConfig({ AUDIT_RETENTION_DAYS: days }), {} as WriteQueue, systemClock, leases);

  beforeEach(() => {
    jest.useFakeTimers();
  });
  afterEach(() => {
    jest.useRealTimers();
    jest.restoreAllMocks();
  });

  it('prunes within a minute of boot, then hourly, logging deletions and surviving a failure', async () => {
    const log = jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const r = retention('30');
    const prune = jest
      .spyOn(r, 'prune')
      .mockResolvedValueOnce({ events: 3, batches: 1 })
      .mockRejectedValueOnce(new Error('SQLITE_BUSY: database is locked'))
      .mockResolvedValue({ events: 0, batches: 0 });

    r.onApplicationBootstrap();
    expect(prune).not.toHaveBeenCalled();

    await jest.advanceTimersByTimeAsync(MINUTE);
    expect(prune).toHaveBeenCalledTimes(1);
    expect(log).toHaveBeenCalledWith('Deleted audit data older than 30 days: 3 events, 1 batches');

    await jest.advanceTimersByTimeAsync(HOUR);
    expect(prune).toHaveBeenCalledTimes(2);
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('SQLITE_BUSY: database is locked'));

    await jest.advanceTimersByTimeAsync(HOUR);
    expect(prune).toHaveBeenCalledTimes(3);
    expect(log).toHaveBeenCalledTimes(1);

    await r.onModuleDestroy();
    await jest.advanceTimersByTimeAsync(3 * HOUR);
    expect(prune).toHaveBeenCalledTimes(3);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('skips the hour another instance holds the job lease for', async () => {
    const claims: string[] = [];
    let free = false;
    const leases = {
      claim: async (name: string) => {
        claims.push(name);
        free = !free;
        return !free; // taken by someone else, then ours, then taken, …
      },
    } as unknown as JobLeases;
    const r = retention('30', leases);
    const prune = jest.spyOn(r, 'prune').mockResolvedValue({ events: 0, batches: 0 });
    r.onApplicationBootstrap();
    await jest.advanceTimersByTimeAsync(MINUTE);
    expect(prune).not.toHaveBeenCalled();
    await jest.advanceTimersByTimeAsync(HOUR);
    expect(prune).toHaveBeenCalledTimes(1);
    await jest.advanceTimersByTimeAsync(HOUR);
    expect(prune).toHaveBeenCalledTimes(1);
    expect(claims).toEqual(['audit-retention', 'audit-retention', 'audit-retention']);
    await r.onModuleDestroy();
  });

  it('schedules nothing when AUDIT_RETENTION_DAYS is 0', async () => {
    const r = retention('0');
    const prune = jest.spyOn(r, 'prune');
    r.onApplicationBootstrap();
    await jest.advanceTimersByTimeAsync(3 * HOUR);
    expect(prune).not.toHaveBeenCalled();
    expect(jest.getTimerCount()).toBe(0);
  });
});
