import type { ConsentMode } from '@flowgate/core';
import {
  ConsentDeniedError,
  createGuard,
  egressDenial,
  memoryReporter,
  runAs,
  staticSource,
  type Guard,
  type GuardMode,
  type MemoryReporter,
  type StaticSource,
} from '@flowgate/sdk';
import { installEgressGuard } from '@flowgate/egress';
import { buildEgressMap, egressConsents, subprocessorOf } from './factories/egress-map.factory';
import {
  EXPECTED_ALLOW,
  MATRIX_FLOWS,
  USER_STATES,
  USERS,
  type UserState,
} from './factories/vendor-map.factory';
import { startRecordingVendor, type RecordingVendor } from './support/recording-http-vendor';
import { VENDOR_SDKS, type Person, type VendorSdk } from './support/vendor-sdks';

/*
 * Real vendor SDKs from npm (stripe and @sendgrid/client over node:http, @segment/analytics-node
 * and openai over fetch), none of them wrapped: one installEgressGuard call puts the guard
 * in front of them, the subprocessor comes from the map's endpoints and the user from runAs.
 */
const PERSON: Person = { email: 'ada@example.com', name: 'Ada Lovelace' };
const WITH_CARD: Person = { ...PERSON, card: '4242 4242 4242 4242' };
const MODES: readonly ConsentMode[] = MATRIX_FLOWS.map((f) => f.mode);

type Client = ReturnType<VendorSdk['client']>;
const vendors = new Map<string, RecordingVendor>();
const clients = new Map<string, Client>();
/** What each SDK sends for PERSON, and for WITH_CARD, with no guard at all. */
const baseline = new Map<string, unknown>();
const baselineWithCard = new Map<string, unknown>();
let source: StaticSource;

const keyOf = (sdk: VendorSdk, mode: ConsentMode): string => subprocessorOf(sdk.name, mode);

beforeAll(async () => {
  for (const sdk of VENDOR_SDKS) {
    for (const mode of MODES) {
      const vendor = await startRecordingVendor(sdk.respond);
      vendors.set(keyOf(sdk, mode), vendor);
      clients.set(keyOf(sdk, mode), sdk.client(vendor.url));
    }
    const vendor = vendors.get(keyOf(sdk, 'required'))!;
    await clients.get(keyOf(sdk, 'required'))!.send(PERSON);
    await clients.get(keyOf(sdk, 'required'))!.send(WITH_CARD);
    baseline.set(sdk.name, sdk.stable(vendor.received[0]));
    baselineWithCard.set(sdk.name, sdk.stable(vendor.received[1]));
    vendor.received.length = 0;
  }
  const map = buildEgressMap(new Map([...vendors].map(([key, v]) => [key, v.host])));
  source = staticSource({ map, consents: egressConsents(map) });
}, 30_000);

afterAll(async () => {
  for (const client of clients.values()) await client.close();
  for (const vendor of vendors.values()) await vendor.close();
});

/** Installs the egress guard in `mode` for the tests of one describe block. */
function withEgress(mode: GuardMode): {
  guard: () => Guard;
  reporter: MemoryReporter;
  log: string[];
} {
  const reporter = memoryReporter();
  const log: string[] = [];
  let guard: Guard;
  let uninstall: () => void;
  beforeAll(() => {
    guard = createGuard({ source, mode, reporter });
    uninstall = installEgressGuard(guard, { log: (line) => log.push(line) });
  });
  afterAll(() => uninstall());
  return { guard: () => guard, reporter, log };
}

async function sendAs(
  state: UserState,
  sdk: VendorSdk,
  mode: ConsentMode,
  person: Person,
): Promise<{ error: unknown; vendor: RecordingVendor }> {
  const vendor = vendors.get(keyOf(sdk, mode))!;
  vendor.received.length = 0;
  const client = clients.get(keyOf(sdk, mode))!;
  const error = await runAs(USERS[state], () => client.send(person), { gpc: state === 'GPC' }).then(
    () => null,
    (e: unknown) => e ?? new Error('rejected without a reason'),
  );
  return { error, vendor };
}

/** `value` without any `card` key, or form pair naming one. */
function withoutCard(value: unknown): unknown {
  if (Array.isArray(value)) {
    return value
      .filter((v) => !(Array.isArray(v) && typeof v[0] === 'string' && v[0].includes('card')))
      .map(withoutCard);
  }
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([k]) => k !== 'card')
      .map(([k, v]) => [k, withoutCard(v)]),
  );
}

const matrix = VENDOR_SDKS.flatMap((sdk) =>
  MODES.flatMap((mode) =>
    USER_STATES.map((state) => ({ sdk, mode, state, allow: EXPECTED_ALLOW[mode][state] })),
  ),
);

describe('egress guard, enforce: the consent matrix through each vendor SDK', () => {
  const { reporter, log } = withEgress('enforce');

  it('logs, at install, every endpoint mapped to a subprocessor', () => {
    expect(log).toHaveLength(1);
    for (const [key, vendor] of vendors) expect(log[0]).toContain(`${vendor.host} → ${key}`);
  });

  it.each(matrix)(
    '$sdk.name ($sdk.via): $mode flow, $state → allowed $allow',
    async ({ sdk, mode, state, allow }) => {
      const { error, vendor } = await sendAs(state, sdk, mode, PERSON);
      if (allow) {
        expect(error).toBeNull();
        expect(vendor.received).toHaveLength(1);
        // Unchanged: byte for byte what the SDK sends with no guard (ids and clocks aside).
        expect(sdk.stable(vendor.received[0])).toEqual(baseline.get(sdk.name));
        expect(sdk.personIn(vendor.received[0])).toEqual(PERSON);
      } else {
        expect(vendor.received).toHaveLength(0);
        expect(error).not.toBeNull();
        const denial = egressDenial(error);
        expect(denial).toBeInstanceOf(ConsentDeniedError);
        const expected =
          state === 'denied' || (mode === 'opt-out' && state === 'GPC')
            ? 'opted-out'
            : 'not-opted-in';
        expect((denial as ConsentDeniedError).reasons).toEqual([expected]);
        expect(
          reporter
            .events()
            .some((e) => e.kind === 'blocked' && e.subprocessor === keyOf(sdk, mode)),
        ).toBe(true);
      }
    },
  );
});

describe('egress guard, redact: the excluded field is stripped, the rest arrives as the SDK sent it', () => {
  withEgress('redact');

  it.each(VENDOR_SDKS.map((sdk) => ({ sdk })))(
    '$sdk.name ($sdk.via): an opt-out flow, granted, with a card',
    async ({ sdk }) => {
      const { error, vendor } = await sendAs('granted', sdk, 'opt-out', WITH_CARD);
      expect(error).toBeNull();
      expect(vendor.received).toHaveLength(1);
      expect(sdk.personIn(vendor.received[0])).toEqual(PERSON);
      expect(vendor.received[0].body.toString('utf8')).not.toContain('4242');
      // Exactly the card is gone: the rest is what the SDK sent (an emptied object stays).
      expect(sdk.stable(vendor.received[0])).toEqual(withoutCard(baselineWithCard.get(sdk.name)));
    },
  );

  it.each(VENDOR_SDKS.map((sdk) => ({ sdk })))(
    '$sdk.name ($sdk.via): an opt-in flow with no choice arrives 0 times',
    async ({ sdk }) => {
      const { error, vendor } = await sendAs('no choice', sdk, 'opt-in', WITH_CARD);
      expect(vendor.received).toHaveLength(0);
      expect(egressDenial(error)).toBeInstanceOf(ConsentDeniedError);
    },
  );
});

describe('egress guard, monitor: everything arrives unchanged, what would be blocked is reported', () => {
  const { reporter } = withEgress('monitor');

  it.each(VENDOR_SDKS.map((sdk) => ({ sdk })))(
    '$sdk.name ($sdk.via): a denied opt-in flow with a card',
    async ({ sdk }) => {
      const { error, vendor } = await sendAs('denied', sdk, 'opt-in', WITH_CARD);
      expect(error).toBeNull();
      expect(vendor.received).toHaveLength(1);
      expect(sdk.personIn(vendor.received[0])).toEqual(WITH_CARD);
      const monitored = reporter
        .events()
        .filter((e) => e.kind === 'monitored' && e.subprocessor === keyOf(sdk, 'opt-in'));
      expect(monitored.map((e) => e.field)).toEqual(expect.arrayContaining(['user.payment.card']));
    },
  );
});
