import 'reflect-metadata';
import { Body, Controller, HttpCode, Inject, Injectable, Module, Post, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { createGuard, isFlowgateError, staticSource, type Guard, type GuardMode, type PolicySource } from '@flowgate/sdk';
import { FlowgateModule, VendorCall } from '@flowgate/nest';
import { ATTEMPTS, type AttemptContext } from './corpus/attempts';
import { ADA, BOB, buildLeakMap, LEAK_CONSENTS, LOGROCKET, SECRET } from './corpus/leak-map';
import { carries, startRecordingVendor, type RecordingVendor } from './support/recording-vendor';

const VENDOR_URL = Symbol('VENDOR_URL');

@Injectable()
class ReplayClient {
  constructor(@Inject(VENDOR_URL) private readonly url: string) {}

  @VendorCall(LOGROCKET)
  async replay(payload: unknown): Promise<void> {
    const res = await fetch(`${this.url}/nest`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(payload) });
    await res.arrayBuffer();
  }
}

@Controller()
class ReplayController {
  constructor(private readonly client: ReplayClient) {}

  @Post('replay')
  @HttpCode(200)
  async replay(@Body() body: unknown): Promise<{ sent: true }> {
    await this.client.replay(body);
    return { sent: true };
  }
}

async function startHost(guard: Guard, vendorUrl: string): Promise<INestApplication> {
  @Module({
    imports: [FlowgateModule.forRoot({ guard, resolveUser: (req) => (req as { headers: Record<string, string> }).headers['x-user-id'], closeOnShutdown: false })],
    controllers: [ReplayController],
    providers: [ReplayClient, { provide: VENDOR_URL, useValue: vendorUrl }],
  })
  class HostModule {}
  const app = await NestFactory.create(HostModule, { logger: false });
  await app.listen(0, '127.0.0.1');
  return app;
}

/** The same source, but no user's consents are ever cached: each call waits a turn to load them. */
function uncached(source: PolicySource): PolicySource {
  return {
    start: () => source.start(),
    state: () => source.state(),
    cachedConsents: () => undefined,
    loadConsents: async (userId, policy) => {
      await new Promise((resolve) => setTimeout(resolve, 2));
      return source.loadConsents(userId, policy);
    },
    close: () => source.close(),
  };
}

let vendor: RecordingVendor;
const hosts: INestApplication[] = [];
beforeAll(async () => {
  vendor = await startRecordingVendor();
});
afterAll(async () => {
  await Promise.all(hosts.map((h) => h.close()));
  await vendor.close();
});

const results: { mode: GuardMode; user: string; id: string; leaked: boolean; sent: boolean }[] = [];

describe('the recording vendor and its leak check', () => {
  it('see the email leave on the corpus attempts when the guard only monitors', async () => {
    const source = staticSource({ map: buildLeakMap(), consents: LEAK_CONSENTS });
    const monitor = createGuard({ source, mode: 'monitor', onWarning: () => undefined });
    const host = await startHost(monitor, vendor.url);
    hosts.push(host);
    const ctx: AttemptContext = { guard: monitor, lazy: monitor, vendor: vendor.url, nest: (await host.getUrl()).replace('[::1]', '127.0.0.1'), userId: BOB };
    let leaks = 0;
    const attempts = ATTEMPTS.filter((a) => !a.control);
    for (const attempt of attempts) {
      vendor.reset();
      await attempt.run(ctx).catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, 5));
      if (carries(vendor.bytes(), SECRET) || carries(vendor.bytes(), SECRET.split('@')[0])) leaks++;
    }
    // All but the few the caller's own libraries refuse (a Proxy JSON.stringify cannot read, a Map, symbol keys, …).
    expect(leaks).toBeGreaterThan(attempts.length * 0.8);
  });
});

describe('the adversarial leak corpus (raw-TCP recording vendor)', () => {
  const contexts = new Map<GuardMode, Omit<AttemptContext, 'userId'>>();
  beforeAll(async () => {
    for (const mode of ['enforce', 'redact'] as const) {
      const source = staticSource({ map: buildLeakMap(), consents: LEAK_CONSENTS });
      const guard = createGuard({ source, mode, onWarning: () => undefined });
      const lazy = createGuard({ source: uncached(source), mode, onWarning: () => undefined });
      const host = await startHost(guard, vendor.url);
      hosts.push(host);
      contexts.set(mode, { guard, lazy, vendor: vendor.url, nest: (await host.getUrl()).replace('[::1]', '127.0.0.1') });
    }
  });

  afterAll(() => {
    // At least 150 attempts, every one in both modes for both users, and none leaked.
    expect(ATTEMPTS.length).toBeGreaterThanOrEqual(150);
    expect(results.length).toBe(ATTEMPTS.length * 4);
    expect(results.filter((r) => r.leaked)).toEqual([]);
  });

  const cases = ATTEMPTS.flatMap((attempt) =>
    (['enforce', 'redact'] as const).flatMap((mode) => [BOB, ADA].map((user) => ({ attempt, mode, user }))),
  );

  it.each(cases.map((c) => [`${c.attempt.via} · ${c.attempt.id} · ${c.mode} · ${c.user}`, c] as const))('%s', async (_name, { attempt, mode, user }) => {
    const ctx = { ...contexts.get(mode)!, userId: user };
    vendor.reset();
    let denied = false;
    try {
      await attempt.run(ctx);
    } catch (error) {
      denied = isFlowgateError(error) || (error as { denied?: boolean }).denied === true;
      if (!denied) throw error;
    }
    // Let anything in flight land before reading what the vendor got.
    await new Promise((resolve) => setTimeout(resolve, 5));
    const bytes = vendor.bytes();
    const sent = vendor.requests.length > 0;
    // Ada opted out: nothing at all may reach the vendor. Bob: never his email, in any encoding.
    const leaked = user === ADA ? sent : carries(bytes, SECRET) || carries(bytes, SECRET.split('@')[0]);
    results.push({ mode, user, id: attempt.id, leaked, sent });
    expect({ leaked, received: leaked ? bytes.toString('latin1').slice(0, 600) : '' }).toEqual({ leaked: false, received: '' });
    if (attempt.control && user === BOB) {
      expect(denied).toBe(false);
      expect(sent).toBe(true);
    }
  });
});
