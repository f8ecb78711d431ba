import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { CLOCK, type Clock } from '../auth/clock';
import { DataMapService } from '../data-map/data-map.service';
import { impactOf, type BlockedCalls, type ConsentCounts, type ImpactReport } from './impact';

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * The impact of importing a manifest (a dry run): stored consents and the last `days` of
 * the guards' audit reports, counted in SQL, read under the current and the next map.
 */
@Injectable()
export class ImpactService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly dataMap: DataMapService,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async impact(input: unknown, options: { days: number; prune?: boolean }): Promise<ImpactReport & { diff: unknown; warnings: unknown }> {
    const { before, next, diff, warnings } = await this.dataMap.previewImport(input, { prune: options.prune });
    const since = this.clock.now().getTime() - options.days * DAY_MS;
    const [consents, blocked] = await Promise.all([this.consentCounts(), this.blockedSince(since)]);
    return { ...impactOf(before.manifest, next, diff, consents, blocked, options.days), diff, warnings };
  }

  async consentCounts(): Promise<ConsentCounts> {
    const q = (sql: string, params: unknown[] = []) => this.dataSource.query(sql, params) as Promise<Array<Record<string, unknown>>>;
    const [[users], rows] = await Promise.all([
      q('SELECT COUNT(*) AS "known", COALESCE(SUM(CASE WHEN "gpc" THEN 1 ELSE 0 END), 0) AS "gpc" FROM "consent_subject"'),
      q(
        `SELECT s."flowKey" AS "flowKey", s."choice" AS "choice", COUNT(*) AS "n",
                COALESCE(SUM(CASE WHEN c."gpc" THEN 1 ELSE 0 END), 0) AS "gpc"
           FROM "consent_state" s JOIN "consent_subject" c ON c."userId" = s."userId"
          GROUP BY s."flowKey", s."choice"`,
      ),
    ]);
    const byFlow = new Map<string, { granted: number; denied: number; gpcWithChoice: number }>();
    for (const r of rows) {
      const key = String(r.flowKey);
      const entry = byFlow.get(key) ?? { granted: 0, denied: 0, gpcWithChoice: 0 };
      if (r.choice === 'granted') entry.granted += Number(r.n);
      else entry.denied += Number(r.n);
      entry.gpcWithChoice += Number(r.gpc);
      byFlow.set(key, entry);
    }
    return { knownUsers: Number(users.known), gpcUsers: Number(users.gpc), byFlow };
  }

  async blockedSince(since: number): Promise<BlockedCalls[]> {
    const param = this.dataSource.options.type === 'postgres' ? '$1' : '?';
    const rows = (await this.dataSource.query(
      `SELECT "subprocessor", "purpose", "field", "reason", SUM("count") AS "n" FROM "audit_event"
        WHERE "lastAt" >= ${param} AND "kind" IN ('blocked', 'monitored')
        GROUP BY "subprocessor", "purpose", "field", "reason"`,
      [since],
    )) as Array<{ subprocessor: string; purpose: string | null; field: string; reason: string; n: number }>;
    return rows.map((r) => ({ subprocessor: r.subprocessor, purpose: r.purpose, field: r.field, reason: r.reason, count: Number(r.n) }));
  }
}
