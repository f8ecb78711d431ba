import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { CLOCK, type Clock } from '../auth/clock';
import { DataMapService } from '../data-map/data-map.service';
import { CONSENT_CATEGORIES, compilePolicy, fieldsOfCall, flowKeyOf, type ConsentCategory } from '@flowgate/core';
import type { Manifest } from '../data-map/manifest/manifest.types';
import { sentFields } from '../data-map/manifest/manifest.types';
import type { StoredFlow, StoredMap } from '../data-map/data-map.store';
import { toPolicyMap } from '../policy/policy-map';
import { callChanges, type ReportedCalls } from './call-impact';
import type { ImpactReport } from '@flowgate/core';
import { impactOf, type BlockedCalls, type ConsentCounts } from './impact';

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
    const now = this.clock.now().getTime();
    const since = now - options.days * DAY_MS;
    const [consents, { blocked, calls }] = await Promise.all([this.consentCounts(), this.reportsSince(since)]);
    const changes = callChanges(compilePolicy(toPolicyMap(before)), compilePolicy(toPolicyMap(nextStoredMap(before, next))), calls, now);
    return { ...impactOf(before.manifest, next, diff, consents, blocked, options.days, changes), diff, warnings };
  }

  /**
   * The guards' reports of the window in one scan of the (kind, lastAt) index: blocked and
   * monitored ones summed by what was blocked, `call` ones by what decides a call.
   */
  async reportsSince(since: number): Promise<{ blocked: BlockedCalls[]; calls: ReportedCalls[] }> {
    const param = this.dataSource.options.type === 'postgres' ? '$1' : '?';
    const rows = (await this.dataSource.query(
      `SELECT "kind", "subprocessor", "purpose", "field", "reason", SUM("count") AS "n" FROM "audit_event"
        WHERE "lastAt" >= ${param} AND "kind" IN ('blocked', 'monitored', 'call')
        GROUP BY "kind", "subprocessor", "purpose", "field", "reason"`,
      [since],
    )) as Array<{ kind: string; subprocessor: string; purpose: string | null; field: string; reason: string; n: number }>;
    const categories = new Set<string>(CONSENT_CATEGORIES);
    const blocked = new Map<string, BlockedCalls>();
    const calls: ReportedCalls[] = [];
    for (const r of rows) {
      const count = Number(r.n);
      if (r.kind === 'call') {
        calls.push({
          subprocessor: r.subprocessor,
          purpose: r.purpose,
          fields: fieldsOfCall(r.field),
          // An unknown category (a newer guard) is read as no choice.
          consent: (categories.has(r.reason) ? r.reason : 'none') as ConsentCategory,
          count,
        });
        continue;
      }
      // Blocked and monitored count alike: summed per what was blocked.
      const key = `${r.subprocessor}\u0000${r.purpose ?? ''}\u0000${r.field}\u0000${r.reason}`;
      const entry = blocked.get(key);
      if (entry) entry.count += count;
      else blocked.set(key, { subprocessor: r.subprocessor, purpose: r.purpose, field: r.field, reason: r.reason, count });
    }
    return { blocked: [...blocked.values()], calls };
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
}

/**
 * The map after the import as the store would hold it, for compiling its policy: a flow
 * whose sent fields change gets the next version (its new fields `since` then, so grants
 * of the old version do not cover them), the others keep theirs.
 */
export function nextStoredMap(before: StoredMap, next: Manifest): StoredMap {
  const version = before.version + 1;
  const flows = new Map<string, StoredFlow>();
  for (const f of next.flows) {
    const key = flowKeyOf(f.subprocessor, f.purpose);
    const old = before.flows.get(key);
    const sent = sentFields(f);
    if (old === undefined) {
      flows.set(key, { id: 0, key, version: 1, updatedAt: new Date(0), since: new Map(sent.map((k) => [k, 1])) });
      continue;
    }
    const oldSent = new Set(old.since.keys());
    const widened = sent.some((k) => !oldSent.has(k));
    const flowVersion = widened || sent.length !== oldSent.size ? old.version + 1 : old.version;
    const since = new Map(sent.map((k) => [k, old.since.get(k) ?? flowVersion]));
    flows.set(key, { ...old, version: flowVersion, since });
  }
  return { ...before, version, manifest: next, flows };
}
