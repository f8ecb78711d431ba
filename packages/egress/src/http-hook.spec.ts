import fc from 'fast-check';
import http from 'node:http';
import { Duplex } from 'node:stream';
import { describeRequest } from './http-hook';

describe(describeRequest.name, () => {
  it.each([
    {
      args: ['https://API.Stripe.com/v1/customers?limit=1'],
      protocol: 'https:',
      want: { host: 'api.stripe.com', port: '', path: '/v1/customers?limit=1' },
    },
    {
      args: [new URL('http://127.0.0.1:4010/x')],
      protocol: 'http:',
      want: { host: '127.0.0.1', port: '4010', path: '/x' },
    },
    {
      args: ['https://a.example:443/'],
      protocol: 'https:',
      want: { host: 'a.example', port: '', path: '/' },
    },
    {
      args: [{ hostname: 'b.example', port: 8080, path: '/v3/mail/send' }],
      protocol: 'http:',
      want: { host: 'b.example', port: '8080', path: '/v3/mail/send' },
    },
    {
      args: [{ host: 'c.example' }],
      protocol: 'https:',
      want: { host: 'c.example', port: '', path: '/' },
    },
    {
      args: ['http://d.example/a', { path: '/b', port: 81 }],
      protocol: 'http:',
      want: { host: 'd.example', port: '81', path: '/b' },
    },
    {
      args: ['http://[::1]:9000/v6'],
      protocol: 'http:',
      want: { host: '::1', port: '9000', path: '/v6' },
    },
    {
      args: [{ protocol: 'https:', hostname: 'e.example', port: 443 }],
      protocol: 'http:',
      want: { host: 'e.example', port: '', path: '/' },
    },
  ])('reads $args as Node would', ({ args, protocol, want }) => {
    expect(describeRequest(args, protocol)).toEqual(want);
  });

  it('leaves unix sockets alone (null)', () => {
    expect(
      describeRequest([{ socketPath: '/var/run/docker.sock', path: '/containers/json' }], 'http:'),
    ).toBeNull();
  });

  it('agrees with the host, port and path Node itself puts on the request (property)', () => {
    // An agent that connects nowhere: Node builds the request, nothing leaves the process.
    const offline = new http.Agent();
    (offline as unknown as { createConnection: () => Duplex }).createConnection = () =>
      new Duplex({ read: () => undefined, write: (_c, _e, cb) => cb() });
    const saved = http.globalAgent;
    http.globalAgent = offline;
    try {
      const host = fc.constantFrom('api.example.com', 'Vendor-A.example', '127.0.0.1', 'localhost');
      const port = fc.option(fc.constantFrom(80, 443, 8080, 4010), { nil: undefined });
      const path = fc.constantFrom('/', '/v1/x', '/a?b=c', '/v3/mail/send?x=1&y=2');
      const form = fc.constantFrom('url-string', 'url-object', 'options', 'url+options');
      fc.assert(
        fc.property(host, port, path, form, (h, p, pa, f) => {
          const url = `http://${h}${p === undefined ? '' : `:${p}`}${pa}`;
          const options = { hostname: h, port: p, path: pa };
          const args: unknown[] =
            f === 'url-string'
              ? [url]
              : f === 'url-object'
                ? [new URL(url)]
                : f === 'options'
                  ? [options]
                  : [`http://other.example/zzz`, options];
          // Node's own reading of the same arguments: the Host header and the path it would send.
          const req = http.request(...(args as [string]), () => undefined);
          req.on('error', () => undefined);
          const hostHeader = String(req.getHeader('host'));
          const nodePath = req.path;
          req.destroy();
          const got = describeRequest(args, 'http:');
          expect(got).not.toBeNull();
          expect(got!.path).toBe(nodePath);
          expect(got!.port === '' ? got!.host : `${got!.host}:${got!.port}`).toBe(
            hostHeader.toLowerCase(),
          );
        }),
        { numRuns: 60 },
      );
    } finally {
      http.globalAgent = saved;
    }
  });
});
