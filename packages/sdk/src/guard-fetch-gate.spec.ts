import fc from 'fast-check';
import type { AuditRecord } from '@flowgate/core';
import type { FetchGuard } from './adapters/fetch.js';
import { createGuard } from './guard.js';
import { CONSENTS, MAP, plainPayloadArb } from './guard-fast-path.fixture.js';
import type { GuardedCall, GuardOptions } from './guard.types.js';
import type { GuardMetric } from './metrics.js';
import { memoryReporter } from './reporter.js';
import { staticSource } from './sources/static-source.js';

/*
 * guard.fetch asks `gateFetchCached`, which answers `true` (no result object) for a call the
 * verdict fast path lets go as it is. For any call, mode and option it must decide, count and
 * report exactly as `gateCached`: `true` only where `gateCached` gives an allowed, unredacted
 * result carrying the call's own payloads, and otherwise the very same result or error.
 */
const callArb = fc.record({
  userId: fc.constantFrom('ada', 'bob', 'cy', ''),
  subprocessor: fc.constantFrom('vendor', 'unknown'),
  purpose: fc.constantFrom('support', 'marketing', undefined),
  gpc: fc.constantFrom(undefined, true, false),
  fields: fc.constantFrom(undefined, [], ['app.page'], ['user.name']),
  payloads: fc.array(plainPayloadArb, { maxLength: 2 }),
  opaque: fc.constantFrom([], ['body']),
  unreadable: fc.constantFrom([], ['(body: a JSON object with a duplicate key)']),
  urlPath: fc.constantFrom(undefined, '/v1/track', '/u/ada@example.com'),
});
const optionsArb = fc.record({
  mode: fc.constantFrom<NonNullable<GuardOptions['mode']>>('enforce', 'monitor', 'redact'),
  reportCalls: fc.boolean(),
  failClosed: fc.boolean(),
});

function guardFor(options: { mode: GuardOptions['mode']; reportCalls: boolean; failClosed: boolean }) {
  const metrics: GuardMetric[] = [];
  const reporter = memoryReporter();
  const guard = createGuard({
    source: staticSource({ map: MAP, consents: CONSENTS }),
    mode: options.mode,
    reportCalls: options.reportCalls,
    failClosed: options.failClosed,
    reporter,
    metrics: (m) => metrics.push(m),
    onWarning: () => undefined,
  }) as FetchGuard;
  // Audit records without their times (the two guards run a moment apart).
  const events = () => reporter.events().map(({ firstAt: _f, lastAt: _l, ...rest }: AuditRecord & { firstAt?: unknown; lastAt?: unknown }) => rest);
  return { guard, metrics, events };
}

const outcome = (run: () => unknown): unknown => {
  try {
    return { result: run() };
  } catch (error) {
    return { error: error instanceof Error ? [error.constructor.name, error.message] : error };
  }
};

describe('gateFetchCached (guard.fetch without a result object)', () => {
  it('decides, counts and reports exactly as gateCached', () => {
    fc.assert(
      fc.property(callArb, optionsArb, (raw, options) => {
        const call = raw as GuardedCall;
        const a = guardFor(options);
        const b = guardFor(options);
        const fast = outcome(() => a.guard.gateFetchCached(call)) as { result?: unknown };
        const full = outcome(() => b.guard.gateCached(call)) as { result?: { decision: { allow: boolean }; payloads: unknown; redacted: boolean } };
        if (fast.result === true) {
          expect(full.result?.decision.allow).toBe(true);
          expect(full.result?.redacted).toBe(false);
          expect(full.result?.payloads).toBe(call.payloads);
        } else {
          expect(JSON.parse(JSON.stringify(fast))).toEqual(JSON.parse(JSON.stringify(full)));
        }
        expect(a.metrics).toEqual(b.metrics);
        expect(a.events()).toEqual(b.events());
      }),
      { numRuns: 600 },
    );
  });

  it('answers true for an allowed call, and a result or an error otherwise', () => {
    const { guard, metrics } = guardFor({ mode: 'enforce', reportCalls: false, failClosed: true });
    expect(guard.gateFetchCached({ userId: 'cy', subprocessor: 'vendor', purpose: 'support', payloads: [{ page: '/p/1' }] })).toBe(true);
    expect(metrics.map((m) => m.kind)).toEqual(['decision', 'call']);
    expect(() => guard.gateFetchCached({ userId: 'bob', subprocessor: 'vendor', purpose: 'support', payloads: [{ page: '/p/1' }] })).toThrow(/denied|consent/i);
    const { guard: monitor } = guardFor({ mode: 'monitor', reportCalls: false, failClosed: true });
    expect(monitor.gateFetchCached({ userId: 'bob', subprocessor: 'vendor', purpose: 'support', payloads: [{ page: '/p/1' }] })).toMatchObject({ decision: { allow: false } });
  });
});
