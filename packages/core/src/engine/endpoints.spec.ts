import fc from 'fast-check';
import { compileEndpoints, matchEndpoint, type PolicyMapEndpoint } from './endpoints';
import { compilePolicy, PolicyMapError } from './policy';

const PURPOSES = new Set(['email-delivery', 'newsletter', 'payments']);
const compile = (subprocessors: { key: string; endpoints?: PolicyMapEndpoint[] }[]) =>
  compileEndpoints(subprocessors, PURPOSES);

describe(matchEndpoint.name, () => {
  const endpoints = compile([
    { key: 'stripe', endpoints: [{ host: 'api.stripe.com' }] },
    {
      key: 'sendgrid',
      endpoints: [
        { host: 'api.sendgrid.com', path: '/v3/mail', purpose: 'email-delivery' },
        { host: 'api.sendgrid.com', path: '/v3/marketing/', purpose: 'newsletter' },
      ],
    },
    { key: 'logrocket', endpoints: [{ host: '*.logrocket.io' }] },
    { key: 'lr-ingest', endpoints: [{ host: '*.ingest.logrocket.io' }] },
    { key: 'local', endpoints: [{ host: '127.0.0.1:4010' }] },
    { key: 'local-any', endpoints: [{ host: '127.0.0.1' }] },
  ]);
  const at = (host: string, port: string, path: string) =>
    matchEndpoint(endpoints, host, port, path);

  it('maps a host to its subprocessor, whatever the path', () => {
    expect(at('api.stripe.com', '', '/v1/customers?limit=1')).toEqual({
      subprocessor: 'stripe',
      purpose: undefined,
      path: '',
    });
  });

  it('matches path prefixes on whole segments, the longest winning, with the purpose of the endpoint', () => {
    expect(at('api.sendgrid.com', '', '/v3/mail/send')?.purpose).toBe('email-delivery');
    expect(at('api.sendgrid.com', '', '/v3/mail')?.purpose).toBe('email-delivery');
    expect(at('api.sendgrid.com', '', '/v3/mail?x=1')?.purpose).toBe('email-delivery');
    expect(at('api.sendgrid.com', '', '/v3/marketing/contacts')?.purpose).toBe('newsletter');
    expect(at('api.sendgrid.com', '', '/v3/mailbox')).toBeNull();
    expect(at('api.sendgrid.com', '', '/v3/user')).toBeNull();
  });

  it('matches wildcards on subdomains at any depth, not the bare domain; the longer suffix wins', () => {
    expect(at('r.logrocket.io', '', '/')?.subprocessor).toBe('logrocket');
    expect(at('a.b.logrocket.io', '', '/')?.subprocessor).toBe('logrocket');
    expect(at('x.ingest.logrocket.io', '', '/')?.subprocessor).toBe('lr-ingest');
    expect(at('logrocket.io', '', '/')).toBeNull();
    expect(at('evillogrocket.io', '', '/')).toBeNull();
  });

  it('prefers host:port over host', () => {
    expect(at('127.0.0.1', '4010', '/')?.subprocessor).toBe('local');
    expect(at('127.0.0.1', '4011', '/')?.subprocessor).toBe('local-any');
    expect(at('127.0.0.1', '', '/')?.subprocessor).toBe('local-any');
  });

  it('agrees with a plain scan of the rules for any host and path (property)', () => {
    const label = fc.constantFrom('a', 'b', 'api', 'x-1');
    const host = fc.array(label, { minLength: 1, maxLength: 3 }).map((l) => l.join('.'));
    const path = fc
      .array(fc.constantFrom('v1', 'v2', 'mail'), { maxLength: 3 })
      .map((s) => `/${s.join('/')}`);
    const rule = fc.record({ wild: fc.boolean(), host, path: fc.option(path, { nil: undefined }) });
    fc.assert(
      fc.property(
        fc.uniqueArray(rule, {
          selector: (r) => `${r.wild}${r.host}${r.path ?? ''}`.replace(/\/$/, ''),
          maxLength: 6,
        }),
        host,
        path,
        (rules, h, p) => {
          const subprocessors = rules.map((r, i) => ({
            key: `s${i}`,
            endpoints: [{ host: `${r.wild ? '*.' : ''}${r.host}`, path: r.path }],
          }));
          let compiled;
          try {
            compiled = compile(subprocessors);
          } catch (error) {
            // Two rules for the same host and path after normalization: a clash, refused.
            expect(error).toBeInstanceOf(PolicyMapError);
            return;
          }
          // The oracle: every rule that covers (h, p), ranked exact > wildcard, longer suffix, longer path.
          const covers = (r: (typeof rules)[number]) => {
            const hostOk = r.wild ? h.endsWith(`.${r.host}`) : h === r.host;
            const prefix = (r.path ?? '').replace(/\/+$/, '');
            const pathOk = prefix === '' || p === prefix || p.startsWith(`${prefix}/`);
            return hostOk && pathOk;
          };
          const ranked = rules
            .map((r, i) => ({ r, i }))
            .filter(({ r }) => covers(r))
            .sort(
              (a, b) =>
                Number(a.r.wild) - Number(b.r.wild) ||
                b.r.host.length - a.r.host.length ||
                (b.r.path ?? '').replace(/\/+$/, '').length -
                  (a.r.path ?? '').replace(/\/+$/, '').length,
            );
          const got = matchEndpoint(compiled, h, '', p);
          // Exact-host rules are tried first; among wildcards the longest suffix with a covering path.
          const best = ranked[0];
          expect(got?.subprocessor ?? null).toBe(best === undefined ? null : `s${best.i}`);
        },
      ),
    );
  });
});

describe(compileEndpoints.name, () => {
  it('refuses what it cannot match on, naming the entry', () => {
    expect(() => compile([{ key: 's', endpoints: [{ host: 'API.Stripe.com' }] }])).toThrow(
      'subprocessors[0].endpoints[0].host',
    );
    expect(() => compile([{ key: 's', endpoints: [{ host: 'https://api.stripe.com' }] }])).toThrow(
      PolicyMapError,
    );
    expect(() => compile([{ key: 's', endpoints: [{ host: 'a.com', path: 'v1' }] }])).toThrow(
      'subprocessors[0].endpoints[0].path',
    );
    expect(() => compile([{ key: 's', endpoints: [{ host: 'a.com', purpose: 'nope' }] }])).toThrow(
      'unknown purpose "nope"',
    );
    expect(() =>
      compile([
        { key: 's', endpoints: [{ host: 'a.com', path: '/v1' }] },
        { key: 't', endpoints: [{ host: 'a.com', path: '/v1/' }] },
      ]),
    ).toThrow('a.com/v1 is already an endpoint of s');
  });

  it('is part of the compiled policy, listing each endpoint for logs', () => {
    const policy = compilePolicy({
      version: 3,
      fields: [],
      purposes: [{ key: 'payments' }],
      subprocessors: [
        { key: 'stripe', endpoints: [{ host: 'api.stripe.com', purpose: 'payments' }] },
        { key: 'other' },
      ],
      flows: [],
    });
    expect(policy.endpoints.listed).toEqual(['api.stripe.com → stripe (payments)']);
    expect(matchEndpoint(policy.endpoints, 'api.stripe.com', '', '/')?.subprocessor).toBe('stripe');
  });
});
