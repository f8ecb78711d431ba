import { aConsentManifest } from '../factories/consent-app.factory';
import { aUserToken, bearer, USER_TOKEN_SECRET } from '../factories/user-token.factory';
import { startGuardProcess, type GuardProcess } from './support/guard-client';
import { PROCESS_ADMIN_TOKEN, startServerProcess, type ServerProcess } from './support/server-process';
import { startVendorServer, type VendorServer } from './support/vendor-server';

/**
 * Two real processes besides the test: the Flowgate server (`src/main.ts`, killed with
 * SIGKILL and restarted) and a host service whose guard uses `remoteSource`.
 */
const STALENESS_MS = 1000;
let server: ServerProcess;
let guard: GuardProcess;
let vendor: VendorServer;

async function api(method: string, path: string, authorization: string, body?: unknown): Promise<Response> {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: { authorization, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return res;
}
const admin = `Bearer ${PROCESS_ADMIN_TOKEN}`;
const prefer = (userId: string, flowKey: string, granted: boolean) =>
  api('PUT', `/api/v1/me/preferences/${flowKey}`, bearer(aUserToken(userId)), { granted });

beforeAll(async () => {
  server = await startServerProcess({ FLOWGATE_USER_TOKEN_SECRET: USER_TOKEN_SECRET });
  await api('POST', '/api/v1/manifest', admin, aConsentManifest());
  const token = ((await (await api('POST', '/api/v1/service-tokens', admin, { name: 'host-service' })).json()) as { token: string }).token;
  vendor = await startVendorServer();
  guard = await startGuardProcess({ FLOWGATE_URL: server.url, FLOWGATE_TOKEN: token, MAX_STALENESS_MS: String(STALENESS_MS) });
  await guard.ready();
}, 90_000);
afterAll(async () => {
  await guard?.close();
  await server?.stop();
  await vendor?.close();
});
beforeEach(() => vendor.reset());

describe('remoteSource in another process', () => {
  const support = (userId: string) => ({ userId, subprocessor: 'vendor-c', purpose: 'support', fields: ['user.contact.email'] });
  const send = (userId: string) =>
    guard.call(`${vendor.url}/vendor-c`, { ...support(userId), payload: { email: 'ada@example.com' } });

  it('blocks the next call within 100 ms of an opt-out through the preference API, and lets it through again after opt-in', async () => {
    expect(await send('ada@example.com')).toEqual({ sent: true });

    await prefer('ada@example.com', 'vendor-c.support', false);
    const acknowledged = performance.timeOrigin + performance.now();
    const blocked = await guard.waitFor(support('ada@example.com'), false, 100);
    expect(blocked.timedOut).toBeUndefined();
    expect(blocked.at! - acknowledged).toBeLessThan(100);
    expect(await send('ada@example.com')).toEqual({ sent: false, reasons: ['opted-out'] });

    await prefer('ada@example.com', 'vendor-c.support', true);
    const allowed = await guard.waitFor(support('ada@example.com'), true, 100);
    expect(allowed.timedOut).toBeUndefined();
    expect(await send('ada@example.com')).toEqual({ sent: true });
    expect(vendor.count('/vendor-c')).toBe(2);
  }, 30_000);

  it('fails closed after the staleness bound once the server is killed, with no unhandled rejection, and recovers', async () => {
    const user = 'grace@example.com';
    expect(await send(user)).toEqual({ sent: true });

    await server.kill();
    const killedAt = Date.now();
    // A user never seen cannot be read: denied at once.
    expect((await guard.check(support('someone-new@example.com'))).reason).toBe('policy-unavailable');
    // A cached user keeps the last policy while it is fresh enough, then is denied.
    const denied = await guard.waitFor(support(user), false, 5000);
    expect(denied.timedOut).toBeUndefined();
    expect(denied.decision.reason).toBe('policy-unavailable');
    const after = denied.at! - killedAt;
    expect(after).toBeGreaterThan(STALENESS_MS - 200);
    expect(after).toBeLessThan(STALENESS_MS + 1000);
    expect(await send(user)).toEqual({ sent: false, reasons: ['policy-unavailable'] });
    expect(vendor.count('/vendor-c')).toBe(1);

    await server.restart();
    const back = await guard.waitFor(support(user), true, 15_000);
    expect(back.timedOut).toBeUndefined();
    expect(await send(user)).toEqual({ sent: true });

    // The feed works again: a change is seen within the bound.
    await prefer(user, 'vendor-c.support', false);
    expect((await guard.waitFor(support(user), false, 100)).timedOut).toBeUndefined();

    const status = await guard.status();
    expect(status.connected).toBe(true);
    expect(status.unhandled).toEqual([]);
    expect(status.errors).toBeGreaterThan(0); // the outage was reported to onError
  }, 60_000);
});
