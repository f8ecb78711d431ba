/**
 * The preparing child of `measureServerMemory` (`server-memory.child.ts <dir> <users>`):
 * boots the app on a fresh SQLite file in `dir`, imports the synthetic map, writes users'
 * consents as projection rows (`consent_state`, `consent_subject`) straight into the file
 * (the decision path only reads them; writing 100,000 users' choices through the API would
 * take minutes), and the request shapes to decide (`requests.json`).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sqlite3 from 'sqlite3';
import type { DecisionRequest, PolicyMap } from '@flowgate/core';
import { startTestApp } from '../../test/support/test-app';
import { manifestOfPolicyMap } from '../../test/factories/synthetic-manifest.factory';
import { createRng, DEFAULT_WORLD, intBetween, sample, syntheticRequests, syntheticWorld } from '../synthetic-map';

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

async function prepare(dir: string, users: number): Promise<void> {
  const world = syntheticWorld({ users: 1 });
  const app = await startTestApp({}, dir);
  const imported = await app.http().post('/api/v1/manifest').set('Authorization', app.admin).send(manifestOfPolicyMap(world.map));
  if (imported.status !== 201) throw new Error(`manifest import failed: ${imported.status} ${JSON.stringify(imported.body)}`);
  await app.close({ keepFiles: true });
  const choosers = await seedConsents(join(dir, 'flowgate.sqlite'), world.map, users);
  const requests: DecisionRequest[] = syntheticRequests(world, 1024, 7).map((c) => c.request);
  writeFileSync(join(dir, 'requests.json'), JSON.stringify(requests));
  process.stdout.write(`\n${JSON.stringify({ choosers })}\n`);
}

if (require.main === module) {
  const [dir, users] = process.argv.slice(2);
  prepare(dir, Number(users)).then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
