/**
 * The impact of a change: the dry-run import that counts, per changed flow, the users who
 * would gain or lose it, the recently blocked calls it would let through and the reported
 * calls that would change outcome (each counted bucket decided again by the engine under
 * both maps), on a real SQLite file with about 1,000,000 stored consent states (of 375,000
 * users) and 1,000,000 audit events (half blocked reports, half `call` reports). Target: under 2 s. The rows are written straight into the tables (one
 * transaction per 10,000 rows) so the seeding does not dominate the run.
 */
import { WriteQueue } from '../src/database/write-queue';
import { PolicyService } from '../src/policy/policy.service';
import { callFieldsOf, CONSENT_CATEGORIES, flowKeyOf } from '@flowgate/core';
import type { Manifest } from '../src/data-map/manifest/manifest.types';
import { DataMapService } from '../src/data-map/data-map.service';
import { ImpactService } from '../src/transparency/impact.service';
import { aConsentManifest } from '../test/factories/consent-app.factory';
import { startTestApp } from '../test/support/test-app';
import type { BenchOptions, BenchReport } from './run';
import { machineNote } from './run';
import { createRng, pick } from './synthetic-map';

const TARGET_MS = 2000;
/** The fields a reported call may carry (some sent by the flow, some not). */
const CALL_FIELDS = ['user.contact.email', 'user.name', 'user.id', 'user.health'];

function nextMap(): Manifest {
  const m = aConsentManifest();
  m.flows = m.flows.map((f) => {
    const key = flowKeyOf(f.subprocessor, f.purpose);
    if (key === 'vendor-c.support') return { ...f, mode: 'opt-in', legalBasis: 'consent' };
    if (key === 'vendor-b.product-analytics') return { ...f, mode: 'opt-out', legalBasis: 'legitimate-interests' };
    return f;
  });
  return m;
}

export async function run(options: BenchOptions): Promise<BenchReport> {
  const states = options.quick ? 100_000 : 1_000_000;
  const events = options.quick ? 100_000 : 1_000_000;
  // Each user chooses on each of 4 flows with probability 2/3: about `states` rows.
  const users = Math.round((states * 3) / 8);
  const t = await startTestApp();
  try {
    await t.http().post('/api/v1/manifest').set('Authorization', t.admin).send(aConsentManifest()).expect(201);
    await t.app.get(PolicyService).current();
    // The app's one write queue: SQLite runs one transaction at a time on its connection.
    const db = t.app.get(WriteQueue);
    const rng = createRng(2026);
    const flows = ['vendor-b.product-analytics', 'vendor-c.support', 'vendor-d.marketing', 'vendor-d.product-analytics'];
    const seedStart = performance.now();
    // Multi-row INSERTs of 200 rows, one transaction per 20,000 rows.
    const insert = async (table: string, columns: string[], rows: unknown[][]) => {
      for (let i = 0; i < rows.length; i += 200) {
        const part = rows.slice(i, i + 200);
        const values = part.map(() => `(${columns.map(() => '?').join(', ')})`).join(', ');
        await db.transaction((m) => m.query(`INSERT INTO "${table}" (${columns.map((c) => `"${c}"`).join(', ')}) VALUES ${values}`, part.flat()));
      }
    };
    const CHUNK = 20_000;
    let written = 0;
    for (let from = 0; from < users; from += CHUNK / 4) {
      const subjects: unknown[][] = [];
      const choices: unknown[][] = [];
      for (let u = from; u < Math.min(users, from + CHUNK / 4); u++) {
        subjects.push([`u${u}`, 4, '0'.repeat(64), rng() < 0.1 ? 1 : 0]);
        for (const flowKey of flows) {
          const choice = pick(rng, ['none', 'granted', 'denied'] as const);
          if (choice === 'none') continue;
          choices.push([`u${u}`, flowKey, choice, 1, 'api', 0, '2026-11-01T00:00:00.000Z']);
          written += 1;
        }
      }
      await insert('consent_subject', ['userId', 'version', 'lastHash', 'gpc'], subjects);
      await insert('consent_state', ['userId', 'flowKey', 'choice', 'flowVersion', 'source', 'eventId', 'recordedAt'], choices);
    }
    const now = Date.now();
    await db.transaction((m) => m.query('INSERT INTO "audit_batch" ("service", "tokenId", "receivedAt", "dropped") VALUES (\'bench\', 0, ?, 0)', [now]));
    for (let from = 0; from < events; from += CHUNK) {
      const rows: unknown[][] = [];
      for (let i = from; i < Math.min(events, from + CHUNK); i++) {
        const [subprocessor, purpose] = pick(rng, flows).split('.');
        const at = now - Math.floor(rng() * 14) * 86_400_000;
        if (i % 2 === 0) {
          rows.push([1, 'blocked', subprocessor, purpose, '*', pick(rng, ['opted-out', 'not-opted-in']), 'enforce', 1, 1, at, at]);
        } else {
          // A guard with reportCalls: the field keys the call carried and the user's consent category.
          const fields = CALL_FIELDS.filter(() => rng() < 0.5);
          rows.push([1, 'call', subprocessor, purpose, callFieldsOf(fields), pick(rng, CONSENT_CATEGORIES), 'enforce', 1, 1 + Math.floor(rng() * 5), at, at]);
        }
      }
      await insert('audit_event', ['batchId', 'kind', 'subprocessor', 'purpose', 'field', 'reason', 'mode', 'policyVersion', 'count', 'firstAt', 'lastAt'], rows);
    }
    const seedMs = performance.now() - seedStart;
    const impact = t.app.get(ImpactService);
    const runs = options.quick ? 3 : 5;
    const samples: number[] = [];
    // Baseline, interleaved with the runs: the report without the calls (the dry run and the
    // consent counts only), so the calls' share is measured under the same load.
    const baseline: number[] = [];
    const dataMap = t.app.get(DataMapService);
    let last: Awaited<ReturnType<ImpactService['impact']>> | undefined;
    for (let i = 0; i < runs + 1; i++) {
      let t0 = performance.now();
      last = await impact.impact(nextMap(), { days: 7, prune: true });
      if (i > 0) samples.push(performance.now() - t0);
      t0 = performance.now();
      await Promise.all([dataMap.previewImport(nextMap(), { prune: true }), impact.consentCounts()]);
      if (i > 0) baseline.push(performance.now() - t0);
    }
    samples.sort((a, b) => a - b);
    baseline.sort((a, b) => a - b);
    const median = samples[Math.floor(samples.length / 2)];
    const base = baseline[Math.floor(baseline.length / 2)];
    console.log(machineNote());
    console.log(`seeded ${written.toLocaleString('en-US')} consent states and ${events.toLocaleString('en-US')} audit events in ${Math.round(seedMs)} ms`);
    console.table(
      last!.flows.map((f) => ({ flow: f.flow, lose: f.users.lose, gain: f.users.gain, unblocked: f.calls.unblocked, reported: f.calls.reported, changed: f.calls.changed })),
    );
    console.log(`impact: median ${median.toFixed(0)} ms over ${runs} runs (min ${samples[0].toFixed(0)}, max ${samples[samples.length - 1].toFixed(0)}); without the audit reports ${base.toFixed(0)} ms`);
    const markdown = [
      '## Impact of a change',
      '',
      `\`npm run bench -- impact\` (\`bench/impact.bench.ts\`): \`POST /api/v1/impact\`'s computation (dry-run import, two grouped SQL counts (consents; the audit reports in one scan), both policies compiled, every reported call bucket decided again under both, the per-flow arithmetic) on a SQLite file with ${written.toLocaleString('en-US')} consent states of ${Math.round(users).toLocaleString('en-US')} users and ${events.toLocaleString('en-US')} audit events over 14 days (half blocked reports, half \`call\` reports of guards with \`reportCalls\`; window: 7 days; ${last!.reportedCalls.toLocaleString('en-US')} calls in the window); ${runs} runs after one warm-up.`,
      '',
      `Machine: ${machineNote()}.`,
      '',
      `| median ms | min ms | max ms | of it, without the audit reports (interleaved) | target |`,
      '| ---: | ---: | ---: | ---: | --- |',
      `| ${median.toFixed(0)} | ${samples[0].toFixed(0)} | ${samples[samples.length - 1].toFixed(0)} | ${base.toFixed(0)} | under ${TARGET_MS} ms (${median < TARGET_MS ? 'met' : 'NOT met'}) |`,
    ].join('\n');
    return { name: 'impact', markdown, failures: 0 };
  } finally {
    await t.close();
  }
}
