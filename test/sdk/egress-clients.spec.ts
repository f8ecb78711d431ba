import axios from 'axios';
import got from 'got';
import http from 'node:http';
import nodeFetch from 'node-fetch';
import {
  ConsentDeniedError,
  createGuard,
  egressDenial,
  isFlowgateError,
  memoryReporter,
  runAs,
  staticSource,
  withoutEgressGuard,
  type GuardMode,
  type MemoryReporter,
  type PolicyMap,
} from '@flowgate/sdk';
import { flowgateAxios } from '@flowgate/sdk/axios';
import { egressMiddleware, installEgressGuard, type EgressGuardOptions } from '@flowgate/egress';
import { buildVendorMap, matrixConsents, USERS } from './factories/vendor-map.factory';
import { startRecordingVendor, type RecordingVendor } from './support/recording-http-vendor';

/*
 * Generic clients nobody here wrote (axios, got, node-fetch), Node's own fetch and a bare
 * http.request writing its body in chunks, behind one installEgressGuard; plus what the
 * egress guard does around them: unknown hosts, exempt hosts, work outside a user scope,
 * bodies over the bound, code that is already guarded, and uninstall.
 */
const PERSON = { email: 'ada@example.com', name: 'Ada Lovelace' };
let optOut: RecordingVendor; // vendor-b: an opt-out flow
let optIn: RecordingVendor; // vendor-c: an opt-in flow
let unmapped: RecordingVendor;
let plumbing: RecordingVendor;
let map: PolicyMap;

beforeAll(async () => {
  [optOut, optIn, unmapped, plumbing] = await Promise.all(
    [1, 2, 3, 4].map(() => startRecordingVendor()),
  );
  const base = buildVendorMap();
  map = {
    ...base,
    subprocessors: [
      { key: 'vendor-a' },
      { key: 'vendor-b', endpoints: [{ host: optOut.host, path: '/v1' }] },
      { key: 'vendor-c', endpoints: [{ host: optIn.host }] },
    ],
  };
});
afterAll(async () => {
  for (const v of [optOut, optIn, unmapped, plumbing]) await v.close();
});
beforeEach(() => {
  for (const v of [optOut, optIn, unmapped, plumbing]) v.received.length = 0;
});

function withEgress(
  mode: GuardMode,
  options: EgressGuardOptions = {},
): { reporter: MemoryReporter; log: string[]; decisions: () => number } {
  const reporter = memoryReporter();
  const log: string[] = [];
  let decided = 0;
  let uninstall: () => void;
  beforeAll(() => {
    const guard = createGuard({
      source: staticSource({ map, consents: matrixConsents() }),
      mode,
      reporter,
      onWarning: () => undefined,
      metrics: (m) => {
        if (m.kind === 'decision') decided++;
      },
    });
    uninstall = installEgressGuard(guard, { log: (line) => log.push(line), ...options });
  });
  afterAll(() => uninstall());
  return { reporter, log, decisions: () => decided };
}

/** Writes `body` in `chunks` pieces through a bare http.request; resolves with the status or rejects with the request's error. */
function chunkedPost(
  url: string,
  body: string,
  chunks: number,
  headers: Record<string, string> = {},
): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      { method: 'POST', headers: { 'content-type': 'application/json', ...headers } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    const size = Math.ceil(body.length / chunks);
    for (let i = 0; i < body.length; i += size) req.write(body.slice(i, i + size));
    req.end();
  });
}

interface Client {
  readonly name: string;
  post(url: string, body: unknown): Promise<unknown>;
}
const CLIENTS: readonly Client[] = [
  { name: 'axios', post: (url, body) => axios.post(url, body) },
  { name: 'got', post: (url, body) => got.post(url, { json: body, retry: { limit: 0 } }).json() },
  {
    name: 'node-fetch',
    post: async (url, body) => {
      const res = await nodeFetch(url, {
        method: 'POST',
        body: JSON.stringify(body),
        headers: { 'content-type': 'application/json' },
      });
      return res.json();
    },
  },
  {
    name: 'fetch',
    post: async (url, body) => {
      const res = await fetch(url, {
        method: 'POST',
        body: JSON.stringify(body),
        headers: { 'content-type': 'application/json' },
      });
      return res.json();
    },
  },
  {
    name: 'http.request (5 chunks)',
    post: (url, body) => chunkedPost(url, JSON.stringify(body), 5),
  },
];

const outcome = (p: Promise<unknown>): Promise<unknown> =>
  p.then(
    () => null,
    (e: unknown) => e,
  );

describe('egress guard, enforce, through generic clients', () => {
  const { reporter, decisions } = withEgress('enforce');

  it.each(CLIENTS)(
    "$name: an opted-out user's request arrives 0 times and fails like a refused connection",
    async (client) => {
      const error = await runAs(USERS.denied, () =>
        outcome(client.post(`${optOut.url}/v1/track`, PERSON)),
      );
      expect(optOut.received).toHaveLength(0);
      if (client.name === 'node-fetch') {
        // node-fetch keeps no cause, only the code and the message.
        expect(error).toMatchObject({
          code: 'ECONNREFUSED',
          message: expect.stringContaining('Flowgate denied the call to vendor-b'),
        });
      } else {
        const denial = egressDenial(error);
        expect(denial).toBeInstanceOf(ConsentDeniedError);
        expect((denial as ConsentDeniedError).subprocessor).toBe('vendor-b');
      }
      // What the client sees: its own error for a refused connection.
      expect(JSON.stringify(error, Object.getOwnPropertyNames(error)) + String(error)).toMatch(
        /ECONNREFUSED|fetch failed/,
      );
    },
  );

  it.each(CLIENTS)('$name: an allowed request arrives byte for byte', async (client) => {
    const error = await runAs(USERS.granted, () =>
      outcome(client.post(`${optOut.url}/v1/track`, PERSON)),
    );
    expect(error).toBeNull();
    expect(optOut.received).toHaveLength(1);
    expect(optOut.received[0].body.toString()).toBe(JSON.stringify(PERSON));
  });

  it.each(CLIENTS)(
    '$name: an undeclared card blocks the whole call in enforce mode',
    async (client) => {
      const error = await runAs(USERS.granted, () =>
        outcome(client.post(`${optOut.url}/v1/track`, { ...PERSON, card: '4242 4242 4242 4242' })),
      );
      expect(optOut.received).toHaveLength(0);
      if (client.name === 'node-fetch')
        expect(String(error)).toContain('user.payment.card (excluded)');
      else
        expect((egressDenial(error) as ConsentDeniedError).fields).toEqual(['user.payment.card']);
    },
  );

  it("a path outside the endpoint's prefix is not that subprocessor (here: unmapped, allowed)", async () => {
    const error = await runAs(USERS.denied, () =>
      outcome(axios.post(`${optOut.url}/v1beta/track`, PERSON)),
    );
    expect(error).toBeNull();
    expect(optOut.received).toHaveLength(1);
  });

  it('reports an unmapped host as drift with its host name, once, and lets the request through', async () => {
    for (let i = 0; i < 3; i++)
      await runAs(USERS.granted, () => axios.post(`${unmapped.url}/collect`, PERSON));
    expect(unmapped.received).toHaveLength(3);
    const drift = reporter.events().filter((e) => e.kind === 'drift' && e.field === unmapped.host);
    expect(drift).toEqual([
      expect.objectContaining({ subprocessor: '(unmapped)', reason: 'unmapped-host', count: 1 }),
    ]);
  });

  it('denies a request to a subprocessor outside any user scope (default rule)', async () => {
    const error = await outcome(axios.post(`${optIn.url}/events`, PERSON));
    expect(optIn.received).toHaveLength(0);
    expect(egressDenial(error)?.code).toBe('NO_USER_CONTEXT');
    expect(
      reporter
        .events()
        .some(
          (e) =>
            e.kind === 'blocked' && e.subprocessor === 'vendor-c' && e.reason === 'no-user-context',
        ),
    ).toBe(true);
  });

  it('takes GPC from the scope: an opt-out flow is denied with GPC and no choice', async () => {
    const noChoice = await runAs(USERS['no choice'], () =>
      outcome(axios.post(`${optOut.url}/v1/t`, PERSON)),
    );
    expect(noChoice).toBeNull();
    const gpc = await runAs(
      USERS['no choice'],
      () => outcome(axios.post(`${optOut.url}/v1/t`, PERSON)),
      { gpc: true },
    );
    expect((egressDenial(gpc) as ConsentDeniedError).reasons).toEqual(['opted-out']);
    expect(optOut.received).toHaveLength(1);
  });

  it('decides on the query string of a GET', async () => {
    const error = await runAs(USERS.granted, () =>
      outcome(fetch(`${optOut.url}/v1/lookup?email=ada%40example.com&card=4242`)),
    );
    expect(optOut.received).toHaveLength(0);
    expect((egressDenial(error) as ConsentDeniedError).fields).toEqual(['user.payment.card']);
  });

  it('steps aside inside withoutEgressGuard, and for guard.fetch and guard.wrap (decided once, by them)', async () => {
    const guard = createGuard({
      source: staticSource({ map, consents: matrixConsents() }),
      reporter: memoryReporter(),
    });
    const before = reporter.events().length;
    // withoutEgressGuard: nothing decides.
    await runAs(USERS.denied, () =>
      withoutEgressGuard(() => axios.post(`${optOut.url}/v1/a`, PERSON)),
    );
    // guard.fetch decides for grace (granted) although the scope says edsger (denied): one decision, its own.
    await runAs(USERS.denied, () =>
      guard.fetch(
        `${optOut.url}/v1/b`,
        // JSON says so: a string body is otherwise sent as text/plain, which the guard cannot read as JSON.
        { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(PERSON) },
        { userId: USERS.granted, subprocessor: 'vendor-b' },
      ),
    );
    const send = guard.wrap(
      { subprocessor: 'vendor-b' },
      (p: typeof PERSON) => axios.post(`${optOut.url}/v1/c`, p),
      { userId: USERS.granted },
    );
    await runAs(USERS.denied, () => send(PERSON));
    expect(optOut.received.map((r) => r.url)).toEqual(['/v1/a', '/v1/b', '/v1/c']);
    expect(reporter.events().length).toBe(before);
  });

  it('steps aside for the axios interceptor: a call through both is decided once, by it, and still refused when denied', async () => {
    let decided = 0;
    const guard = createGuard({
      source: staticSource({ map, consents: matrixConsents() }),
      reporter: memoryReporter(),
      metrics: (m) => {
        if (m.kind === 'decision') decided++;
      },
    });
    const client = axios.create({ baseURL: optOut.url });
    client.interceptors.request.use(flowgateAxios(guard));
    const egressBefore = decisions();
    // The interceptor decides for grace (granted) although the scope says edsger (denied).
    await runAs(USERS.denied, () =>
      client.post('/v1/x', PERSON, { flowgate: { userId: USERS.granted, subprocessor: 'vendor-b' } }),
    );
    expect(optOut.received.map((r) => r.url)).toEqual(['/v1/x']);
    // Denied by the interceptor (edsger opted out), whatever the scope says: refused, not sent.
    const error = await runAs(USERS.granted, () =>
      client.post('/v1/y', PERSON, { flowgate: { userId: USERS.denied, subprocessor: 'vendor-b' } }),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConsentDeniedError);
    expect(optOut.received.map((r) => r.url)).toEqual(['/v1/x']);
    expect(decided).toBe(2);
    expect(decisions()).toBe(egressBefore);
    // The same client without the interceptor is the egress guard's to decide.
    const bare = await runAs(USERS.denied, () => axios.post(`${optOut.url}/v1/z`, PERSON)).catch((e: unknown) => e);
    expect(egressDenial(bare)).not.toBeNull();
    expect(decisions()).toBe(egressBefore + 1);
  });
});

describe('egress guard, redact, through a bare http.request with a chunked body', () => {
  withEgress('redact');

  it('rewrites the body without the blocked field and fixes content-length', async () => {
    const body = JSON.stringify({ ...PERSON, card: '4242 4242 4242 4242' });
    const status = await runAs(USERS.granted, () =>
      chunkedPost(`${optOut.url}/v1/track`, body, 7, { 'content-length': String(body.length) }),
    );
    expect(status).toBe(200);
    expect(optOut.received).toHaveLength(1);
    expect(JSON.parse(optOut.received[0].body.toString())).toEqual(PERSON);
    expect(optOut.received[0].headers['content-length']).toBe(
      String(JSON.stringify(PERSON).length),
    );
  });

  it('redacts the query string of a fetch GET', async () => {
    await runAs(USERS.granted, () =>
      fetch(`${optOut.url}/v1/lookup?email=ada%40example.com&card=4242`),
    );
    expect(optOut.received.map((r) => r.url)).toEqual(['/v1/lookup?email=ada%40example.com']);
  });
});

describe('egress guard options: unknown hosts denied, exempt plumbing, system flows, the body bound', () => {
  const { reporter } = withEgress('enforce', {
    unknownHosts: 'deny',
    outsideUserScope: 'system',
    maxBodyBytes: 64,
  });

  it('denies an unmapped host, naming it', async () => {
    const error = await runAs(USERS.granted, () => outcome(axios.get(`${unmapped.url}/x`)));
    expect(unmapped.received).toHaveLength(0);
    expect(egressDenial(error)?.message).toContain(unmapped.host);
    expect(
      reporter
        .events()
        .some(
          (e) => e.kind === 'blocked' && e.field === unmapped.host && e.reason === 'unmapped-host',
        ),
    ).toBe(true);
  });

  it("lets a system request that carries none of the map's fields go outside a user scope, not one that does", async () => {
    const ok = await outcome(axios.post(`${optIn.url}/sync`, { plan: 'pro' }));
    expect(ok).toBeNull();
    const error = await outcome(axios.post(`${optIn.url}/sync`, { email: 'ada@example.com' }));
    expect(egressDenial(error)?.code).toBe('NO_USER_CONTEXT');
    expect(egressDenial(error)?.message).toContain('user.contact.email');
    expect(optIn.received).toHaveLength(1);
  });

  it('denies a body over maxBodyBytes in enforce mode (it cannot be read whole)', async () => {
    const big = JSON.stringify({ email: 'ada@example.com', name: 'x'.repeat(200) });
    const error = await runAs(USERS.granted, () =>
      outcome(chunkedPost(`${optOut.url}/v1/big`, big, 4)),
    );
    expect(optOut.received).toHaveLength(0);
    expect(egressDenial(error)).toBeInstanceOf(ConsentDeniedError);
    expect((egressDenial(error) as ConsentDeniedError).fields).toEqual(['(body)']);
  });
});

describe('egress guard, monitor: a body over the bound is reported and streams on whole', () => {
  const { reporter } = withEgress('monitor', { maxBodyBytes: 64 });
  const big = JSON.stringify({ email: 'ada@example.com', name: 'x'.repeat(500) });

  it.each<{ name: string; send: () => Promise<unknown> }>([
    { name: 'http.request (9 chunks)', send: () => chunkedPost(`${optOut.url}/v1/big`, big, 9) },
    {
      name: 'fetch',
      send: () =>
        fetch(`${optOut.url}/v1/big`, {
          method: 'POST',
          body: big,
          headers: { 'content-type': 'application/json' },
        }),
    },
  ])('$name', async ({ send }) => {
    await runAs(USERS.granted, send);
    expect(optOut.received).toHaveLength(1);
    expect(optOut.received[0].body.toString()).toBe(big);
    expect(reporter.events().some((e) => e.kind === 'monitored' && e.field === '(body)')).toBe(
      true,
    );
  });
});

describe('egress guard: exempt hosts and unknown-host report', () => {
  let uninstall: () => void;
  const reporter = memoryReporter();
  const warnings: string[] = [];
  beforeAll(() => {
    const guard = createGuard({
      source: staticSource({ map, consents: matrixConsents() }),
      reporter,
    });
    uninstall = installEgressGuard(guard, {
      unknownHosts: 'report',
      exempt: [plumbing.url],
      log: (l) => warnings.push(l),
    });
  });
  afterAll(() => uninstall());

  it('never reports nor decides an exempt host; reports every request to an unknown one, warning once', async () => {
    await axios.post(`${plumbing.url}/metrics`, PERSON);
    await axios.post(`${unmapped.url}/a`, PERSON);
    await fetch(`${unmapped.url}/b`);
    expect(plumbing.received).toHaveLength(1);
    expect(unmapped.received).toHaveLength(2);
    expect(reporter.events().filter((e) => e.field === plumbing.host)).toEqual([]);
    expect(reporter.events().find((e) => e.field === unmapped.host)?.count).toBe(2);
    expect(warnings.filter((w) => w.includes('no subprocessor'))).toHaveLength(1);
  });
});

describe(installEgressGuard.name, () => {
  it('uninstall() restores every hook: nothing is decided afterwards', async () => {
    const reporter = memoryReporter();
    const guard = createGuard({
      source: staticSource({ map, consents: matrixConsents() }),
      reporter,
    });
    const uninstall = installEgressGuard(guard, { log: () => undefined });
    const denied = await runAs(USERS.denied, () =>
      outcome(axios.post(`${optOut.url}/v1/a`, PERSON)),
    );
    expect(isFlowgateError(egressDenial(denied))).toBe(true);
    uninstall();
    await runAs(USERS.denied, () => axios.post(`${optOut.url}/v1/a`, PERSON));
    await runAs(USERS.denied, () =>
      fetch(`${optOut.url}/v1/a`, { method: 'POST', body: JSON.stringify(PERSON) }),
    );
    expect(optOut.received).toHaveLength(2);
  });

  it('decides http.get and guard.runAs like the rest', async () => {
    const guard = createGuard({
      source: staticSource({ map, consents: matrixConsents() }),
      reporter: memoryReporter(),
    });
    const uninstall = installEgressGuard(guard, { log: () => undefined });
    try {
      const get = (user: string) =>
        guard.runAs(
          user,
          () =>
            new Promise<unknown>((resolve) => {
              http
                .get(`${optOut.url}/v1/pixel?email=ada%40example.com`, (res) =>
                  res.resume().on('end', () => resolve(null)),
                )
                .on('error', resolve);
            }),
        );
      expect(egressDenial(await get(USERS.denied))).toBeInstanceOf(ConsentDeniedError);
      expect(await get(USERS.granted)).toBeNull();
      expect(optOut.received.map((r) => r.url)).toEqual(['/v1/pixel?email=ada%40example.com']);
    } finally {
      uninstall();
    }
  });

  it('refuses a second install and options it cannot work with, naming them', () => {
    const guard = createGuard({ source: staticSource({ map }) });
    const uninstall = installEgressGuard(guard, { log: () => undefined });
    try {
      expect(() => installEgressGuard(guard)).toThrow(/installed already/);
    } finally {
      uninstall();
    }
    expect(() => installEgressGuard(guard, { unknownHosts: 'maybe' as never })).toThrow(
      /unknownHosts: must be one of allow, report, deny/,
    );
    expect(() => installEgressGuard(guard, { exempt: ['Not A Host!'] })).toThrow(/exempt/);
  });

  it('opens the scope per incoming request from Express-style middleware, with Sec-GPC', async () => {
    const reporter = memoryReporter();
    const guard = createGuard({
      source: staticSource({ map, consents: matrixConsents() }),
      reporter,
    });
    const uninstall = installEgressGuard(guard, { log: () => undefined });
    try {
      const middleware = egressMiddleware({
        resolveUser: (req) => (req as { headers: Record<string, string> }).headers['x-user'],
      });
      const handle = (headers: Record<string, string>): Promise<unknown> =>
        new Promise((resolve) =>
          middleware({ headers }, {}, () =>
            resolve(outcome(axios.post(`${optOut.url}/v1/m`, PERSON))),
          ),
        );
      expect(await handle({ 'x-user': USERS.granted })).toBeNull();
      expect(
        egressDenial(await handle({ 'x-user': USERS['no choice'], 'sec-gpc': '1' })),
      ).toBeInstanceOf(ConsentDeniedError);
      expect(egressDenial(await handle({}))?.code).toBe('NO_USER_CONTEXT');
      expect(optOut.received).toHaveLength(1);
    } finally {
      uninstall();
    }
  });
});
