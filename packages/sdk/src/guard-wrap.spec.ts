import fc from 'fast-check';
import type { AuditRecord } from '@flowgate/core';
import { copyPayload } from './adapters/copy.js';
import { createGuard } from './guard.js';
import { CONSENTS, MAP, plainPayloadArb } from './guard-fast-path.fixture.js';
import type { Guard, GuardedCall, GuardOptions } from './guard.types.js';
import type { GuardMetric } from './metrics.js';
import { memoryReporter } from './reporter.js';
import { staticSource } from './sources/static-source.js';

/*
 * `guard.wrap` (and `@VendorCall`, through `callGuarded`) takes the verdict fast path for a
 * call allowed as it is: no result object, the payload's copy written into the wrapper's own
 * argument array. For any payload (hostile ones included), mode and option it must call `fn`
 * with exactly the arguments, and fail with exactly the error, that the general path gives:
 * `gateCached` on the same copy, then `fn` with its payloads (monitor mode: the caller's own).
 */
/** Plain payloads, and the hostile kinds the copy reads once or leaves out (a getter, toJSON, a Map, a Proxy, a symbol key). */
const payloadArb = fc.oneof(
  plainPayloadArb,
  plainPayloadArb.map((p) => Object.defineProperty({ ...p }, 'email', { get: () => 'ada@example.com', enumerable: true })),
  plainPayloadArb.map((p) => ({ toJSON: () => p })),
  plainPayloadArb.map((p) => ({ ...p, project: new Map([['name', 'x']]) })),
  plainPayloadArb.map((p) => new Proxy(p, {})),
  plainPayloadArb.map((p) => ({ ...p, [Symbol('k')]: 'ada@example.com' })),
  fc.constantFrom(undefined, null, 'ada@example.com', 7),
);
const caseArb = fc.record({
  userId: fc.constantFrom('ada', 'bob', 'cy', ''),
  purpose: fc.constantFrom('support', 'marketing'),
  gpc: fc.constantFrom(undefined, true),
  fields: fc.constantFrom(undefined, ['app.page'], ['user.name']),
  payload: payloadArb,
  payloadArg: fc.constantFrom(0, 1, null),
  mode: fc.constantFrom<NonNullable<GuardOptions['mode']>>('enforce', 'monitor', 'redact'),
  reportCalls: fc.boolean(),
});

function guardFor(mode: GuardOptions['mode'], reportCalls: boolean) {
  const metrics: GuardMetric[] = [];
  const reporter = memoryReporter();
  const guard = createGuard({ source: staticSource({ map: MAP, consents: CONSENTS }), mode, reportCalls, reporter, metrics: (m) => metrics.push(m), onWarning: () => undefined });
  const events = () => reporter.events().map(({ firstAt: _f, lastAt: _l, ...rest }: AuditRecord & { firstAt?: unknown; lastAt?: unknown }) => rest);
  return { guard, metrics, events };
}

/** The general path, as `callGuarded` ran it before the fast path: `gateCached` on the copy, then `fn`. */
function generalPath(guard: Guard, call: GuardedCall, fn: (...args: unknown[]) => unknown, args: unknown[], payloadArg: number | null): unknown {
  let snapshot = call;
  if (payloadArg !== null) {
    const { copy, unreadable } = copyPayload(call.payloads[0]);
    snapshot = { ...call, payloads: [copy], unreadable: unreadable.length === 0 ? call.unreadable : unreadable };
  }
  const result = guard.gateCached(snapshot)!;
  if (payloadArg === null || (guard.options.mode === 'monitor' && !result.redacted)) return fn(...args);
  const copy = [...args];
  copy[payloadArg] = result.payloads[0];
  return fn(...copy);
}

const settled = async (run: () => unknown): Promise<unknown> => {
  try {
    return { value: await run() };
  } catch (error) {
    return { error: error instanceof Error ? [error.constructor.name, error.message] : error };
  }
};

describe('guard.wrap on the verdict fast path', () => {
  it('calls fn with exactly the arguments, and fails exactly as, the general path; counts and reports the same', async () => {
    await fc.assert(
      fc.asyncProperty(caseArb, async (c) => {
        const a = guardFor(c.mode, c.reportCalls);
        const b = guardFor(c.mode, c.reportCalls);
        const seen: unknown[][] = [];
        const fn = (...args: unknown[]) => {
          seen.push(args);
          return args.length;
        };
        const args: unknown[] = c.payloadArg === 1 ? [c.userId, c.payload, 'tail'] : [c.payload, 'tail'];
        const wrapped = a.guard.wrap<unknown[], number>({ subprocessor: 'vendor', purpose: c.purpose }, fn, { userId: () => c.userId, gpc: c.gpc, fields: c.fields, payloadArg: c.payloadArg });
        const fast = await settled(() => wrapped(...args));
        const call: GuardedCall = { userId: c.userId, subprocessor: 'vendor', purpose: c.purpose, gpc: c.gpc, fields: c.fields, payloads: c.payloadArg === null ? [] : [args[c.payloadArg]] };
        const general = await settled(() => generalPath(b.guard, call, fn, args, c.payloadArg));
        expect(fast).toEqual(general);
        expect(seen.length).toBe((fast as { value?: unknown }).value === undefined ? 0 : 2);
        if (seen.length === 2) {
          expect(seen[0]).toEqual(seen[1]);
          // What fn got for the payload: the guard's copy (a plain value), or in monitor mode the caller's own.
          if (c.payloadArg !== null && c.mode !== 'monitor' && typeof c.payload === 'object' && c.payload !== null) expect(seen[0][c.payloadArg]).not.toBe(c.payload);
        }
        expect(a.metrics).toEqual(b.metrics);
        expect(a.events()).toEqual(b.events());
      }),
      { numRuns: 400 },
    );
  });

  it('runs fn in the same tick and hands back its own promise while the user is cached', async () => {
    const { guard } = guardFor('enforce', false);
    const own = Promise.resolve('sent');
    const wrapped = guard.wrap({ subprocessor: 'vendor', purpose: 'support' }, (_body: unknown) => own, { userId: 'cy' });
    expect(wrapped({ page: '/p/1' })).toBe(own);
    await expect(wrapped({ email: 'cy@example.com', other: 1 })).rejects.toThrow(/denied|consent/i);
  });
});
