import axios from 'axios';
import fc from 'fast-check';
import { createGuard, staticSource, type Guard, type PolicyMap, type PolicySource } from '@flowgate/sdk';
import { flowgateAxios } from '@flowgate/sdk/axios';
import { startRecordingVendor, type RecordingVendor } from './support/recording-vendor';

/**
 * For random payloads and random mutations of the caller's objects right after the call
 * (while the guard is still loading the user's consents), the bytes the vendor receives are
 * exactly the snapshot taken at the call: what the guard decided on.
 */
const MAP: PolicyMap = {
  version: 1,
  fields: [{ key: 'app.data', paths: ['data.**'], sensitivity: 'none' }],
  subprocessors: [{ key: 'vendor' }],
  purposes: [{ key: 'analytics' }],
  flows: [{ key: 'vendor.analytics', subprocessor: 'vendor', purpose: 'analytics', mode: 'required', legalBasis: 'contract', version: 1, fields: [{ key: 'app.data', since: 1 }], excludedFields: [] }],
};
const TARGET = { userId: 'ada', subprocessor: 'vendor', purpose: 'analytics' };

function uncached(source: PolicySource): PolicySource {
  return {
    start: () => source.start(),
    state: () => source.state(),
    cachedConsents: () => undefined,
    loadConsents: async (userId, policy) => {
      await new Promise((resolve) => setImmediate(resolve));
      return source.loadConsents(userId, policy);
    },
    close: () => source.close(),
  };
}

// Strings the value classifiers never take for personal data (letters and spaces).
const text = fc.string({ unit: fc.constantFrom(...'abcdefghij XYZ'), maxLength: 12 });
const { json } = fc.letrec<{ json: unknown }>((tie) => ({
  json: fc.oneof({ maxDepth: 3 }, text, fc.boolean(), fc.constant(null), fc.integer({ min: -999, max: 999 }), fc.array(tie('json'), { maxLength: 3 }), fc.dictionary(text, tie('json'), { maxKeys: 3 })),
}));
const payloadArb = fc.dictionary(text, json, { maxKeys: 4 }).map((data) => ({ data }));

/** A mutation of whatever the caller still holds: a payload object, a headers record. */
type Mutation = (payload: Record<string, unknown>, headers: Record<string, string>) => void;
const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  text.map((v): Mutation => (p) => void (p.email = `${v}@example.com`)),
  text.map((v): Mutation => (p) => {
    if (typeof p.data === 'object' && p.data !== null) (p.data as Record<string, unknown>).extra = v;
    else p.data = { extra: v };
  }),
  fc.constant<Mutation>((p) => void delete p.data),
  text.map((v): Mutation => (_p, h) => void (h['x-added'] = v)),
  fc.constant<Mutation>((_p, h) => void delete h['x-kept']),
);

let vendor: RecordingVendor;
let guard: Guard;
beforeAll(async () => {
  vendor = await startRecordingVendor();
  guard = createGuard({ source: uncached(staticSource({ map: MAP })) });
});
afterAll(() => vendor.close());

const bodyOfOnlyRequest = () => {
  expect(vendor.requests).toHaveLength(1);
  return vendor.requests[0].body.toString('utf8');
};
const headerOf = (name: string) => new RegExp(`\\r\\n${name}: ([^\\r]*)`, 'i').exec(vendor.requests[0].head)?.[1];

describe('the snapshot is what is sent', () => {
  it('guard.fetch: the vendor receives the body and headers as they were at the call', async () => {
    await fc.assert(
      fc.asyncProperty(payloadArb, fc.array(mutationArb, { maxLength: 3 }), async (generated, mutations) => {
        vendor.reset();
        const payload = structuredClone(generated);
        const expected = JSON.stringify(payload);
        const headers: Record<string, string> = { 'content-type': 'application/json', 'x-kept': 'yes' };
        const init: RequestInit = { method: 'POST', headers, body: expected };
        const sent = guard.fetch(`${vendor.url}/in`, init, TARGET);
        for (const m of mutations) m(payload, headers);
        init.body = JSON.stringify(payload);
        await (await sent).arrayBuffer();
        expect(bodyOfOnlyRequest()).toBe(expected);
        expect(headerOf('x-kept')).toBe('yes');
        expect(headerOf('x-added')).toBeUndefined();
      }),
      { numRuns: 100 },
    );
  });

  it('guard.wrap: the function gets, and sends, the payload as it was at the call', async () => {
    const send = guard.wrap(TARGET, async (body: unknown) => (await fetch(`${vendor.url}/wrap`, { method: 'POST', body: JSON.stringify(body) })).arrayBuffer(), { userId: 'ada' });
    await fc.assert(
      fc.asyncProperty(payloadArb, fc.array(mutationArb, { maxLength: 3 }), async (generated, mutations) => {
        vendor.reset();
        const payload = structuredClone(generated);
        const expected = JSON.stringify(payload);
        const sent = send(payload);
        for (const m of mutations) m(payload, {});
        await sent;
        expect(bodyOfOnlyRequest()).toBe(expected);
      }),
      { numRuns: 100 },
    );
  });

  it('axios: the adapter sends the request as the guard saw it', async () => {
    const client = axios.create({ baseURL: vendor.url, flowgate: TARGET });
    client.interceptors.request.use(flowgateAxios(guard));
    await fc.assert(
      fc.asyncProperty(payloadArb, async (payload) => {
        vendor.reset();
        await client.post('/axios', payload, { headers: { 'x-kept': 'yes' } });
        expect(JSON.parse(bodyOfOnlyRequest())).toEqual(payload);
        expect(headerOf('x-kept')).toBe('yes');
      }),
      { numRuns: 60 },
    );
  });
});
