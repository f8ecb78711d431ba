import { createGuard, memoryReporter, staticSource, type Guard, type GuardMode, type MemoryReporter } from '@flowgate/sdk';
import { axiosAdapter, fetchAdapter, nestAdapter, wrapAdapter, type AdapterUnderTest } from './support/adapters';
import { startNestVendorApp, type NestVendorApp } from './support/nest-vendor-app';
import { startVendorServer, type VendorServer } from './support/vendor-server';
import {
  buildVendorMap,
  EXPECTED_ALLOW,
  MATRIX_FLOWS,
  matrixConsents,
  USER_STATES,
  USERS,
} from './factories/vendor-map.factory';

const MODES: readonly GuardMode[] = ['enforce', 'redact', 'monitor'];
const PAYLOAD = { email: 'ada@example.com', name: 'Ada Lovelace' };
const WITH_CARD = { ...PAYLOAD, card: '4242 4242 4242 4242' };

let vendor: VendorServer;
const nestApps = new Map<Guard, Promise<NestVendorApp>>();
const guards = new Map<GuardMode, { guard: Guard; reporter: MemoryReporter }>();

const nest = nestAdapter((guard) => {
  let app = nestApps.get(guard);
  if (app === undefined) nestApps.set(guard, (app = startNestVendorApp(guard, vendor.url)));
  return app;
});
const ADAPTERS: readonly AdapterUnderTest[] = [wrapAdapter, fetchAdapter, axiosAdapter, nest];

beforeAll(async () => {
  vendor = await startVendorServer();
  const source = staticSource({ map: buildVendorMap(), consents: matrixConsents() });
  for (const mode of MODES) {
    const reporter = memoryReporter();
    guards.set(mode, { guard: createGuard({ source, mode, reporter }), reporter });
  }
});
afterAll(async () => {
  for (const app of nestApps.values()) await (await app).close();
  await vendor.close();
});
beforeEach(() => vendor.reset());

const monitoredCount = (reporter: MemoryReporter, subprocessor: string): number =>
  reporter
    .events()
    .filter((e) => e.kind === 'monitored' && e.subprocessor === subprocessor)
    .reduce((n, e) => n + e.count, 0);

const cases = ADAPTERS.flatMap((adapter) =>
  MODES.flatMap((mode) =>
    MATRIX_FLOWS.flatMap((flow) =>
      USER_STATES.map((state) => ({ adapter, mode, flow, state, allow: EXPECTED_ALLOW[flow.mode][state] })),
    ),
  ),
);

describe('consent matrix: every adapter × mode × required/opt-out/opt-in × user state', () => {
  it.each(cases)(
    '$adapter.name, $mode: $flow.mode flow, $state → allowed $allow',
    async ({ adapter, mode, flow, state, allow }) => {
      const { guard, reporter } = guards.get(mode)!;
      const monitoredBefore = monitoredCount(reporter, flow.subprocessor);
      const target = { userId: USERS[state], subprocessor: flow.subprocessor, purpose: flow.purpose, gpc: state === 'GPC' };

      const outcome = await adapter.send(guard, vendor.url, target, PAYLOAD);

      if (allow || mode === 'monitor') {
        expect(outcome).toEqual({ sent: true });
        expect(vendor.count(`/${flow.subprocessor}`)).toBe(1);
        expect(vendor.lastJson()).toEqual(PAYLOAD);
      } else {
        // Denied: the vendor never sees the request, and the caller learns why.
        expect(outcome.sent).toBe(false);
        expect(vendor.count()).toBe(0);
        const expectedReason = state === 'no choice' ? 'not-opted-in' : flow.mode === 'opt-in' && state === 'GPC' ? 'not-opted-in' : 'opted-out';
        expect(outcome.sent === false && outcome.reasons).toEqual([expectedReason]);
      }
      const monitored = monitoredCount(reporter, flow.subprocessor) - monitoredBefore;
      expect(monitored > 0).toBe(mode === 'monitor' && !allow);
    },
  );
});

const allowedCases = ADAPTERS.flatMap((adapter) =>
  [
    { flow: MATRIX_FLOWS[0], state: 'no choice' as const },
    { flow: MATRIX_FLOWS[2], state: 'granted' as const },
  ].map((c) => ({ adapter, ...c })),
);

describe('a payload with an excluded field (the card) on an allowed flow', () => {
  it.each(allowedCases)('$adapter.name, redact: $flow.subprocessor receives the payload minus exactly the card', async ({ adapter, flow, state }) => {
    const target = { userId: USERS[state], subprocessor: flow.subprocessor, purpose: flow.purpose, gpc: false };
    const outcome = await adapter.send(guards.get('redact')!.guard, vendor.url, target, WITH_CARD);
    expect(outcome).toEqual({ sent: true });
    expect(vendor.count()).toBe(1);
    expect(vendor.lastJson()).toEqual(PAYLOAD);
  });

  it.each(allowedCases)('$adapter.name, enforce: the call to $flow.subprocessor is denied as excluded and never sent', async ({ adapter, flow, state }) => {
    const target = { userId: USERS[state], subprocessor: flow.subprocessor, purpose: flow.purpose, gpc: false };
    const outcome = await adapter.send(guards.get('enforce')!.guard, vendor.url, target, WITH_CARD);
    expect(outcome).toEqual({ sent: false, reasons: ['excluded'], fields: ['user.payment.card'] });
    expect(vendor.count()).toBe(0);
  });

  it.each(allowedCases)('$adapter.name, monitor: $flow.subprocessor receives the card and the hit is reported', async ({ adapter, flow, state }) => {
    const { guard, reporter } = guards.get('monitor')!;
    const target = { userId: USERS[state], subprocessor: flow.subprocessor, purpose: flow.purpose, gpc: false };
    const outcome = await adapter.send(guard, vendor.url, target, WITH_CARD);
    expect(outcome).toEqual({ sent: true });
    expect(vendor.lastJson()).toEqual(WITH_CARD);
    expect(reporter.events()).toContainEqual(
      expect.objectContaining({ kind: 'monitored', subprocessor: flow.subprocessor, field: 'user.payment.card', reason: 'excluded' }),
    );
  });
});
