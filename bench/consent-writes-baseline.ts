/**
 * The consent-writes bench's baselines: a bare script that writes the rows Flowgate writes
 * for a consent change, through the same `sqlite3` driver (or better-sqlite3, or `pg`), with
 * nothing else around it: no HTTP, no Nest, no validation, no change feed. Run by
 * `consent-writes.bench.ts` as a child process, one measurement per process:
 *
 *   node -r ts-node/register/transpile-only bench/consent-writes-baseline.ts \
 *     <sqlite3|better-sqlite3|pg> <database file or postgres URL> <clients> <seconds>
 *
 * prints `{"changes": n, "seconds": s}`. `clients` async loops each write one change and
 * wait for its commit before the next (as a client with one connection does); a writer
 * takes every waiting change into one transaction (group commit, at most 500 per batch as
 * Flowgate's writer), so one fsync acknowledges many. Per change: a hash-chained
 * `consent_event` (`hashEvent`), the `consent_state` upsert, the `consent_subject` head
 * upsert, a `change_log` row; per batch: one Ed25519-signed `consent_checkpoint`
 * (`sealCheckpoint`), all as multi-row statements, prepared once and reused. Chain heads
 * and ids are kept in memory (loaded at start), as a bare script would. Same schema
 * (Flowgate's migrations), same pragmas (WAL, `synchronous=FULL`).
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import sqlite3 from 'sqlite3';
import { sealCheckpoint, headOf, type CheckpointHead } from '../src/consent/checkpoint';
import { hashEvent, type StoredChainedEvent } from '../src/consent/consent-chain';
import { GENESIS_HASH } from '../src/consent/consent.vocabulary';

export const BASELINE_USERS = 5000;
const MAX_BATCH = 500;

export type BaselineDriver = 'sqlite3' | 'better-sqlite3' | 'pg';

interface Head {
  version: number;
  lastHash: string;
}

interface Change {
  userId: string;
  flowKey: string;
  granted: boolean;
  done(): void;
  fail(error: unknown): void;
}

/** The rows of one batch, as Flowgate's writer builds them (one event per change). */
interface Rows {
  events: StoredChainedEvent[];
  heads: Array<[string, Head]>;
  checkpoint: ReturnType<typeof sealCheckpoint>;
  /** The first `change_log` id (one entry per user and batch, as Flowgate's writer appends). */
  firstChangeId: number;
}

type Value = string | number | null;

const EVENT_COLS = '(id, "userId", seq, "flowKey", choice, source, "flowVersion", "noticeHash", actor, "recordedAt", "prevHash", hash)';
const STATE_UPSERT = `ON CONFLICT ("userId", "flowKey") DO UPDATE SET choice = excluded.choice, "flowVersion" = excluded."flowVersion",
  source = excluded.source, "eventId" = excluded."eventId", "recordedAt" = excluded."recordedAt"`;
const SUBJECT_UPSERT = 'ON CONFLICT ("userId") DO UPDATE SET version = excluded.version, "lastHash" = excluded."lastHash"';

/** The batch's statements: [sql, params], with `?` placeholders. */
function statements(rows: Rows): Array<[string, Value[]]> {
  const tuples = (n: number, width: number) => Array.from({ length: n }, () => `(${Array(width).fill('?').join(', ')})`).join(', ');
  const { events, heads, checkpoint: c } = rows;
  return [
    [
      `INSERT INTO consent_event ${EVENT_COLS} VALUES ${tuples(events.length, 12)}`,
      events.flatMap((e) => [e.id, e.userId, e.seq, e.flowKey, e.choice, e.source, e.flowVersion, e.noticeHash, e.actor, e.recordedAt, e.prevHash, e.hash]),
    ],
    [
      'INSERT INTO consent_checkpoint (id, "firstEventId", "lastEventId", payload, signature, kid) VALUES (?, ?, ?, ?, ?, ?)',
      [c.id, c.firstEventId, c.lastEventId, c.payload, c.signature, c.kid],
    ],
    [
      `INSERT INTO consent_state ("userId", "flowKey", choice, "flowVersion", source, "eventId", "recordedAt") VALUES ${tuples(events.length, 7)} ${STATE_UPSERT}`,
      events.flatMap((e) => [e.userId, e.flowKey, e.choice, e.flowVersion, e.source, e.id, e.recordedAt]),
    ],
    [
      `INSERT INTO consent_subject ("userId", version, "lastHash", gpc) VALUES ${tuples(heads.length, 4)} ${SUBJECT_UPSERT}`,
      heads.flatMap(([userId, h]) => [userId, h.version, h.lastHash, 0]),
    ],
    [
      `INSERT INTO change_log (id, kind, "userId", version) VALUES ${tuples(heads.length, 4)}`,
      heads.flatMap(([userId, h], i) => [rows.firstChangeId + i, 'consent', userId, h.version]),
    ],
  ];
}

/** Builds a batch's rows from memory (heads, next ids, last checkpoint), then advances it. */
class Chain {
  private nextEventId = 1;
  private nextChangeId = 1;
  private checkpoint: CheckpointHead | null = null;
  readonly heads = new Map<string, Head>();
  private readonly key: { privateKey: KeyObject; kid: string };

  constructor() {
    const { privateKey } = generateKeyPairSync('ed25519');
    this.key = { privateKey, kid: 'bench' };
  }

  load(state: { eventId: number; changeId: number; checkpoint: Parameters<typeof headOf>[0] | null; heads: Array<{ userId: string; version: number; lastHash: string }> }): void {
    this.nextEventId = state.eventId + 1;
    this.nextChangeId = state.changeId + 1;
    this.checkpoint = state.checkpoint ? headOf(state.checkpoint) : null;
    for (const h of state.heads) this.heads.set(h.userId, { version: h.version, lastHash: h.lastHash });
  }

  build(batch: readonly Change[]): { rows: Rows; commit(): void } {
    const now = new Date().toISOString();
    const heads = new Map<string, Head>();
    const events: StoredChainedEvent[] = [];
    for (const c of batch) {
      const head = heads.get(c.userId) ?? this.heads.get(c.userId) ?? { version: 0, lastHash: GENESIS_HASH };
      const unhashed = {
        id: this.nextEventId + events.length,
        userId: c.userId,
        seq: head.version + 1,
        flowKey: c.flowKey,
        choice: c.granted ? ('granted' as const) : ('denied' as const),
        source: 'preference-centre' as const,
        flowVersion: 1,
        noticeHash: noticeOf(c.flowKey),
        actor: `user:${c.userId}`,
        recordedAt: now,
        prevHash: head.lastHash,
      };
      const event = { ...unhashed, hash: hashEvent(unhashed) };
      events.push(event);
      heads.set(c.userId, { version: event.seq, lastHash: event.hash });
    }
    const checkpoint = sealCheckpoint(this.checkpoint, events, this.key, now);
    const rows: Rows = { events, heads: [...heads], checkpoint, firstChangeId: this.nextChangeId };
    return {
      rows,
      commit: () => {
        this.nextEventId += events.length;
        this.nextChangeId += heads.size;
        this.checkpoint = headOf(checkpoint);
        for (const [userId, h] of heads) this.heads.set(userId, h);
      },
    };
  }
}

/** Runs `clients` loops for `seconds`, group-committing through `commit`; resolves with the count. */
async function drive(clients: number, seconds: number, flows: readonly string[], commit: (batch: Change[]) => Promise<void>): Promise<Result> {
  let waiting: Change[] = [];
  let draining = false;
  const drain = async () => {
    draining = true;
    while (waiting.length > 0) {
      const batch = waiting.splice(0, MAX_BATCH);
      try {
        await commit(batch);
        for (const c of batch) c.done();
      } catch (error) {
        for (const c of batch) c.fail(error);
      }
    }
    draining = false;
  };
  let seed = 12345;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const started = performance.now();
  const end = Date.now() + seconds * 1000;
  let changes = 0;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (Date.now() < end) {
        await new Promise<void>((done, fail) => {
          waiting.push({
            userId: `writer-${Math.floor(random() * BASELINE_USERS)}`,
            flowKey: flows[Math.floor(random() * flows.length)],
            granted: random() < 0.5,
            done,
            fail,
          });
          if (!draining) void drain();
        });
        changes++;
      }
    }),
  );
  waiting = [];
  return { changes, seconds: (performance.now() - started) / 1000 };
}

export interface Result {
  /** Acknowledged (committed) changes. */
  changes: number;
  seconds: number;
}

const NOTICE = (flowKey: string) => `notice:${flowKey}`;
const noticeHashes = new Map<string, string>();
const noticeOf = (flowKey: string) => noticeHashes.get(flowKey)!;

async function runSqlite3(file: string, clients: number, seconds: number, flows: readonly string[]): Promise<Result> {
  const db = await new Promise<sqlite3.Database>((resolve, reject) => {
    const d = new sqlite3.Database(file, (e) => (e ? reject(e) : resolve(d)));
  });
  const all = <T>(sql: string, params: Value[] = []) => new Promise<T[]>((resolve, reject) => db.all(sql, params, (e, rows: T[]) => (e ? reject(e) : resolve(rows))));
  const exec = (sql: string) => new Promise<void>((resolve, reject) => db.exec(sql, (e) => (e ? reject(e) : resolve())));
  await exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;');
  const chain = new Chain();
  chain.load(await readState((sql) => all(sql)));
  await insertNotices((sql, p) => all(sql, p).then(() => undefined), flows);
  const prepared = new Map<string, sqlite3.Statement>();
  const run = (sql: string, params: Value[]) =>
    new Promise<void>((resolve, reject) => {
      let s = prepared.get(sql);
      if (s === undefined) prepared.set(sql, (s = db.prepare(sql)));
      s.run(params, (e: Error | null) => (e ? reject(e) : resolve()));
    });
  const changes = await drive(clients, seconds, flows, async (batch) => {
    const { rows, commit } = chain.build(batch);
    await exec('BEGIN IMMEDIATE');
    try {
      for (const [sql, params] of statements(rows)) await run(sql, params);
      await exec('COMMIT');
      commit();
    } catch (error) {
      await exec('ROLLBACK').catch(() => undefined);
      throw error;
    }
  });
  for (const s of prepared.values()) await new Promise<void>((resolve) => s.finalize(() => resolve()));
  await new Promise<void>((resolve) => db.close(() => resolve()));
  return changes;
}

async function runBetterSqlite3(file: string, clients: number, seconds: number, flows: readonly string[]): Promise<Result> {
  const db = new BetterSqlite3(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  const chain = new Chain();
  chain.load(await readState(async (sql) => db.prepare(sql).all() as never));
  await insertNotices(async (sql, p) => void db.prepare(sql).run(p), flows);
  const prepared = new Map<string, BetterSqlite3.Statement>();
  const begin = db.prepare('BEGIN IMMEDIATE');
  const commitStmt = db.prepare('COMMIT');
  const changes = await drive(clients, seconds, flows, async (batch) => {
    // Let every client that is ready join this batch (they enqueue in the same turn of the loop).
    await new Promise((resolve) => setImmediate(resolve));
    const { rows, commit } = chain.build(batch);
    begin.run();
    try {
      for (const [sql, params] of statements(rows)) {
        let s = prepared.get(sql);
        if (s === undefined) prepared.set(sql, (s = db.prepare(sql)));
        s.run(params);
      }
      commitStmt.run();
      commit();
    } catch (error) {
      if (db.inTransaction) db.prepare('ROLLBACK').run();
      throw error;
    }
  });
  db.close();
  return changes;
}

async function runPg(url: string, clients: number, seconds: number, flows: readonly string[]): Promise<Result> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const numbered = (sql: string) => {
    let n = 0;
    return sql.replace(/\?/g, () => `$${++n}`);
  };
  const chain = new Chain();
  chain.load(await readState(async (sql) => (await client.query(sql)).rows as never));
  await insertNotices(async (sql, p) => void (await client.query(numbered(sql), p)), flows);
  // One connection, like the SQLite scripts: batches one after another, each one commit.
  const changes = await drive(clients, seconds, flows, async (batch) => {
    const { rows, commit } = chain.build(batch);
    await client.query('BEGIN');
    try {
      for (const [sql, params] of statements(rows)) {
        await client.query({ name: `s${sql.length}:${params.length}`, text: numbered(sql), values: params });
      }
      await client.query('COMMIT');
      commit();
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  });
  await client.end();
  return changes;
}

async function readState(all: (sql: string) => Promise<unknown[]>): Promise<Parameters<Chain['load']>[0]> {
  const one = async (sql: string) => Number(((await all(sql))[0] as { id: number | string | null }).id ?? 0);
  const checkpoints = (await all('SELECT id, "firstEventId", "lastEventId", payload, signature, kid FROM consent_checkpoint ORDER BY id DESC LIMIT 1')) as Array<Parameters<typeof headOf>[0]>;
  return {
    eventId: await one('SELECT MAX(id) AS id FROM consent_event'),
    changeId: await one('SELECT MAX(id) AS id FROM change_log'),
    checkpoint: checkpoints[0] ? { ...checkpoints[0], id: Number(checkpoints[0].id) } : null,
    heads: (await all('SELECT "userId", version, "lastHash" FROM consent_subject')) as Array<{ userId: string; version: number; lastHash: string }>,
  };
}

async function insertNotices(run: (sql: string, params: Value[]) => Promise<void>, flows: readonly string[]): Promise<void> {
  const { createHash } = await import('node:crypto');
  for (const flowKey of flows) {
    const text = NOTICE(flowKey);
    const hash = createHash('sha256').update(text).digest('hex');
    noticeHashes.set(flowKey, hash);
    await run('INSERT INTO consent_notice (hash, text) VALUES (?, ?) ON CONFLICT DO NOTHING', [hash, text]);
  }
}

export async function runBaseline(driver: BaselineDriver, target: string, clients: number, seconds: number, flows: readonly string[]): Promise<Result> {
  switch (driver) {
    case 'sqlite3':
      return runSqlite3(target, clients, seconds, flows);
    case 'better-sqlite3':
      return runBetterSqlite3(target, clients, seconds, flows);
    case 'pg':
      return runPg(target, clients, seconds, flows);
  }
}

if (require.main === module) {
  const [driver, target, clients, seconds, flows] = process.argv.slice(2);
  runBaseline(driver as BaselineDriver, target, Number(clients), Number(seconds), flows.split(','))
    .then((result) => process.stdout.write(`${JSON.stringify(result)}\n`))
    .catch((error: unknown) => {
      console.error(error);
      process.exit(1);
    });
}
