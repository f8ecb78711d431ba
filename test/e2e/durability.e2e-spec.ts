import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sqlite3 from 'sqlite3';
import { aConsentManifest } from '../factories/consent-app.factory';
import { startServerProcess, type ServerProcess } from '../factories/server-process.factory';
import { aUserToken, USER_TOKEN_SECRET } from '../factories/user-token.factory';

const ADMIN = 'durability-admin-token-0123456789';
const FLOWS = ['vendor-b.product-analytics', 'vendor-c.support', 'vendor-d.marketing', 'vendor-d.product-analytics'];
const USERS = 50;
const CHANGES = 500;

interface Ack {
  userId: string;
  flowKey: string;
  granted: boolean;
  event: { id: number; seq: number; hash: string; flowKey: string; choice: string };
}

function integrityCheck(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const db = new sqlite3.Database(file, (error) => {
      if (error) return reject(error);
      db.all('PRAGMA integrity_check', (err, rows: Array<{ integrity_check: string }>) => {
        db.close();
        if (err) reject(err);
        else resolve(rows.map((r) => r.integrity_check).join('\n'));
      });
    });
  });
}

describe('durability of acknowledged consent changes', () => {
  let dir: string;
  let server: ServerProcess | undefined;
  let env: Record<string, string>;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'flowgate-durability-'));
    env = {
      DATABASE_PATH: join(dir, 'flowgate.sqlite'),
      FLOWGATE_DEMO: '0',
      FLOWGATE_ADMIN_TOKEN: ADMIN,
      FLOWGATE_USER_TOKEN_SECRET: USER_TOKEN_SECRET,
      FLOWGATE_SEED_MANIFEST: '',
    };
  });
  afterAll(async () => {
    await server?.stop('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps every change acknowledged before kill -9 of the server, with an intact database and chains', async () => {
    server = await startServerProcess(env);
    const admin = { Authorization: `Bearer ${ADMIN}`, 'Content-Type': 'application/json' };
    const imported = await fetch(`${server.base}/api/v1/manifest`, { method: 'POST', headers: admin, body: JSON.stringify(aConsentManifest()) });
    expect(imported.status).toBe(201);

    // 500 concurrent changes from 50 users, sent over about two seconds so that group
    // commits acknowledge them in many batches; SIGKILL once 200 are acknowledged, while the
    // rest are still being sent (over half a second, on a loaded machine one batch could
    // hold every request still unanswered, and the kill would cut nothing off).
    const acks: Ack[] = [];
    let failed = 0;
    const killAfter = 200;
    const running = server;
    const requests = Array.from({ length: CHANGES }, async (_, i) => {
      await new Promise((resolve) => setTimeout(resolve, 4 * i));
      const userId = `dur-${i % USERS}`;
      const flowKey = FLOWS[Math.floor(i / USERS) % FLOWS.length];
      const granted = (i * 7) % 3 !== 0;
      try {
        const res = await fetch(`${running.base}/api/v1/me/preferences/${flowKey}`, {
          method: 'PUT',
          headers: { Authorization: `Bearer ${aUserToken(userId, { secret: USER_TOKEN_SECRET })}`, 'Content-Type': 'application/json' },
          body: JSON.stringify({ granted }),
        });
        if (res.status !== 200) throw new Error(`status ${res.status}: ${await res.text()}`);
        const body = (await res.json()) as { events: Ack['event'][] };
        acks.push({ userId, flowKey, granted, event: body.events[0] });
        if (acks.length >= killAfter && running.child.signalCode === null) running.child.kill('SIGKILL');
      } catch {
        failed++;
      }
    });
    await Promise.all(requests);
    expect(await running.exited).toBe("SIGKILL");
    expect(acks.length).toBeGreaterThanOrEqual(killAfter);
    expect(failed).toBeGreaterThan(0); // the kill really cut requests off
    expect(acks.length + failed).toBe(CHANGES);

    expect(await integrityCheck(env.DATABASE_PATH)).toBe('ok');

    server = await startServerProcess(env);
    const byUser = new Map<string, Ack[]>();
    for (const ack of acks) byUser.set(ack.userId, [...(byUser.get(ack.userId) ?? []), ack]);
    for (const [userId, own] of byUser) {
      const history = await (await fetch(`${server.base}/api/v1/users/${userId}/history?limit=500`, { headers: admin })).json() as { items: Ack['event'][] };
      const stored = new Map(history.items.map((e) => [e.seq, e]));
      for (const ack of own) {
        expect(stored.get(ack.event.seq)).toMatchObject({ id: ack.event.id, hash: ack.event.hash, flowKey: ack.flowKey, choice: ack.granted ? 'granted' : 'denied' });
      }
      const verify = await (await fetch(`${server.base}/api/v1/users/${userId}/verify`, { headers: admin })).json() as { ok: boolean };
      expect(verify.ok).toBe(true);
      // The projection agrees with the log: each flow's state is its latest stored event.
      const consents = await (await fetch(`${server.base}/api/v1/users/${userId}/consents`, { headers: admin })).json() as { choices: Record<string, { granted: boolean }> };
      const latest = new Map<string, boolean>();
      for (const e of [...history.items].reverse()) if (e.flowKey) latest.set(e.flowKey, e.choice === 'granted');
      expect(Object.fromEntries(Object.entries(consents.choices).map(([k, v]) => [k, v.granted]))).toEqual(Object.fromEntries(latest));
    }
    await server.stop();
    expect(await integrityCheck(env.DATABASE_PATH)).toBe('ok');
  }, 180_000);
});
