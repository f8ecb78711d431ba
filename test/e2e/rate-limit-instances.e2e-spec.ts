import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { UNBLOCKED_CACHE_MS } from '../../src/auth/database-rate-limit.store';
import { startServerProcess, type ServerProcess } from '../factories/server-process.factory';
import { ADMIN_TOKEN, startTestApp, type TestApp } from '../support/test-app';

/**
 * Failed authentications are counted in the database, so a guesser spreading guesses over
 * instances gets no more of them: this app and a server process (`src/main.ts`) on one
 * database — the same SQLite file in the `e2e` project, one PostgreSQL database in
 * `e2e-postgres` — both answered from 127.0.0.1.
 */
describe('rate limits across instances on one database', () => {
  let a: TestApp;
  let b: ServerProcess;
  let baseA: string;

  beforeAll(async () => {
    a = await startTestApp();
    const server = a.app.getHttpServer() as Server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseA = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    b = await startServerProcess({ ...a.databaseEnv, FLOWGATE_ADMIN_TOKEN: ADMIN_TOKEN, FLOWGATE_SEED_MANIFEST: '' });
  }, 120_000);
  afterAll(async () => {
    await b?.stop();
    await a?.close();
  });

  const get = (base: string, token: string) => fetch(`${base}/api/v1/fields`, { headers: { authorization: `Bearer ${token}` } });

  it('answers the 21st wrong admin token in a minute from one address 429 with Retry-After, whichever instance got the 20', async () => {
    const statuses: number[] = [];
    // Alternating: each instance alone sees 10, under its limit of 20.
    for (let i = 0; i < 20; i++) statuses.push((await get(i % 2 === 0 ? baseA : b.base, randomUUID())).status);
    expect(statuses).toEqual(Array(20).fill(401));

    const limited = await get(b.base, randomUUID());
    expect(limited.status).toBe(429);
    expect(await limited.json()).toMatchObject({ statusCode: 429, code: 'TOO_MANY_REQUESTS' });
    const retryAfter = Number(limited.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    // Blocked means blocked, for the right token too, at once on the instance that saw it …
    expect((await get(b.base, ADMIN_TOKEN)).status).toBe(429);
    // … and on the other once its last "not blocked" answer for this address is stale (1 s).
    await new Promise((r) => setTimeout(r, UNBLOCKED_CACHE_MS + 100));
    const onA = await get(baseA, ADMIN_TOKEN);
    expect(onA.status).toBe(429);
    expect(Number(onA.headers.get('retry-after'))).toBeLessThanOrEqual(retryAfter);
    expect((await get(baseA, randomUUID())).status).toBe(429);
  }, 60_000);
});
