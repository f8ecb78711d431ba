/**
 * The children of `measureServerMemory`. `prepare <dir> <users>`: boots the app on a fresh
 * SQLite file in `dir`, imports the synthetic map, and writes users' consents as projection
 * rows (`consent_state`, `consent_subject`) straight into the file (the decision path only
 * reads them; writing 100,000 users' choices through the API would take minutes).
 * `measure <dir> <users>`: a fresh process boots the app on that file, decides once for each
 * of `users` distinct users, and prints what it measured.
 */
import { join } from 'node:path';
import sqlite3 from 'sqlite3';
import type { DecisionRequest, PolicyMap } from '@flowgate/core';
import { ConsentsCache } from '../../src/consent/consent-cache.service';
import { DecisionsService } from '../../src/decisions/decisions.service';
import { startTestApp } from '../../test/support/test-app';
import { manifestOfPolicyMap } from '../../test/factories/synthetic-manifest.factory';
import { createRng, DEFAULT_WORLD, intBetween, sample, syntheticRequests, syntheticWorld } from '../synthetic-map';
import type { ServerMemory } from './server-memory';

const BATCH = 1_000;

/** `user-<i>`: 10% make 1–8 choices (as the synthetic world's users do), 5% send GPC. */
async function seedConsents(file: string, map: PolicyMap, users: number): Promise<number> {
  const db = new sqlite3.Database(file);
  const exec = (sql: string) => new Promise<void>((resolve, reject) => db.exec(sql, (e) => (e ? reject(e) : resolve())));
  await exec('PRAGMA synchronous=OFF; BEGIN');
  const state = db.prepare('INSERT INTO consent_state ("userId", "flowKey", choice, "flowVersion", source, "eventId", "recordedAt") VALUES (?, ?, ?, ?, ?, ?, ?)');
  const subject = db.prepare('INSERT INTO consent_subject ("userId", version, "lastHash", gpc, "gpcAt") VALUES (?, ?, ?, ?, ?)');
  const rng = createRng(DEFAULT_WORLD.seed + 16);
  const at = '2026-01-01T00:00:00.000Z';
  let event = 0;
  let choosers = 0;
  for (let i = 0; i < users; i++) {
    const gpc = rng() < DEFAULT_WORLD.gpcShare;
    const chooses = rng() < DEFAULT_WORLD.choosingShare;
    if (!gpc && !chooses) continue;
    const flows = chooses ? sample(rng, map.flows, intBetween(rng, 1, 8)) : [];
    if (chooses) choosers++;
    for (const f of flows) {
      const granted = f.mode === 'required' || rng() < 0.7;
      const version = rng() < 0.7 ? f.version : intBetween(rng, 1, f.version);
      state.run(`user-${i}`, f.key, granted ? 'granted' : 'denied', version, 'import', ++event, at);
    }
    subject.run(`user-${i}`, flows.length + (gpc ? 1 : 0), '0'.repeat(64), gpc ? 1 : 0, gpc ? at : null);
    // sqlite3 queues statements: let the queue drain now and then.
    if (i % 20_000 === 0) await new Promise<void>((resolve) => db.get('SELECT 1', () => resolve()));
  }
  await new Promise<void>((resolve) => state.finalize(() => subject.finalize(() => resolve())));
  await exec('COMMIT');
  await new Promise<void>((resolve) => db.close(() => resolve()));
  return choosers;
}

/* ---------------------------------------------------------------------------------------- */
/* The child: boot on the prepared folder, decide for every user once, measure.               */
/* ---------------------------------------------------------------------------------------- */

async function prepare(dir: string, users: number): Promise<void> {
  const world = syntheticWorld({ users: 1 });
  const app = await startTestApp({}, dir);
  const imported = await app.http().post('/api/v1/manifest').set('Authorization', app.admin).send(manifestOfPolicyMap(world.map));
  if (imported.status !== 201) throw new Error(`manifest import failed: ${imported.status} ${JSON.stringify(imported.body)}`);
  await app.close({ keepFiles: true });
  const choosers = await seedConsents(join(dir, 'flowgate.sqlite'), world.map, users);
  process.stdout.write(`\n${JSON.stringify({ choosers })}\n`);
}

async function measure(dir: string, users: number): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('run with --expose-gc');
  const world = syntheticWorld({ users: 1 });
  const app = await startTestApp({}, dir);
  const decisions = app.app.get(DecisionsService);
  const cache = app.app.get(ConsentsCache);
  const requests: DecisionRequest[] = syntheticRequests(world, 1024, 7).map((c) => c.request);
  // One decision first: the policy compiled, the code paths warm.
  await decisions.decideBatch([{ userId: 'warm-up', ...requests[0] }]);
  cache.clear();
  const used = (): number => {
    gc();
    gc();
    const m = process.memoryUsage();
    return m.heapUsed + m.arrayBuffers;
  };
  const before = used();
  const rssBefore = process.memoryUsage.rss();
  let rssPeak = rssBefore;
  let allowed = 0;
  const started = process.hrtime.bigint();
  for (let from = 0; from < users; from += BATCH) {
    const inputs = [];
    for (let i = from; i < Math.min(users, from + BATCH); i++) inputs.push({ userId: `user-${i}`, ...requests[i & 1023] });
    const answer = await decisions.decideBatch(inputs);
    for (const d of answer.decisions) if (d.allow) allowed++;
    if (from % (50 * BATCH) === 0) rssPeak = Math.max(rssPeak, process.memoryUsage.rss());
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const after = used();
  const rssAfter = process.memoryUsage.rss();
  const { users: cachedUsers, bytes } = cache.stats;
  const mb = (b: number) => Math.round(b / 2 ** 20);
  const result: Omit<ServerMemory, 'choosers'> = {
    users,
    cachedUsers,
    cacheBytes: bytes,
    heapPerUser: (after - before) / Math.max(1, cachedUsers),
    rssBeforeMb: mb(rssBefore),
    rssAfterMb: mb(rssAfter),
    rssPeakMb: mb(Math.max(rssPeak, rssAfter)),
    allowed,
    seconds,
  };
  await app.close({ keepFiles: true });
  process.stdout.write(`\n${JSON.stringify(result)}\n`);
}

if (require.main === module) {
  const [step, dir, users] = process.argv.slice(2);
  (step === 'prepare' ? prepare : measure)(dir, Number(users)).then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
