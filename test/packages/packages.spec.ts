import { copyFileSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { startFlowgateServer, type FlowgateServer } from '../sdk/support/flowgate-server';
import { startVendorServer, type VendorServer } from '../sdk/support/vendor-server';
import { aConsentManifest } from '../factories/consent-app.factory';
import { runNode, scratch, startNode, writeIn, type Scratch } from './support/scratch';

/**
 * The four packages as their users get them: `npm pack`ed tarballs installed into scratch
 * apps outside the repository (test/packages/global-setup.cjs), run against a real Flowgate
 * server and a loopback vendor that records every request.
 */
const FIXTURES = join(process.cwd(), 'test/packages/fixtures');
let s: Scratch;
let flowgate: FlowgateServer;
let vendor: VendorServer;
let env: Record<string, string>;

beforeAll(async () => {
  s = scratch();
  for (const file of readdirSync(FIXTURES)) copyFileSync(join(FIXTURES, file), join(s.consumer, file));
  flowgate = await startFlowgateServer();
  vendor = await startVendorServer();
  env = { FLOWGATE_URL: flowgate.url, FLOWGATE_TOKEN: flowgate.serviceToken, VENDOR_URL: vendor.url };
}, 60_000);

afterAll(async () => {
  await vendor?.close();
  await flowgate?.close();
});

beforeEach(() => vendor.reset());

function dirSize(dir: string): number {
  return readdirSync(dir, { withFileTypes: true }).reduce((n, e) => {
    const path = join(dir, e.name);
    return n + (e.isDirectory() ? dirSize(path) : statSync(path).size);
  }, 0);
}

describe('the packed tarballs', () => {
  it('hold one CommonJS build, an ES module wrapper per export, types for both, a README and the licence, and no tests or sources', () => {
    for (const p of s.packed) {
      const files = p.files.map((f) => f.path);
      expect(files).toEqual(expect.arrayContaining(['package.json', 'README.md', 'LICENSE', 'dist/esm/index.js', 'dist/esm/index.d.ts', 'dist/cjs/index.js', 'dist/cjs/index.d.ts', 'dist/cjs/package.json']));
      expect(files.filter((f) => /\.spec\.|(^|\/)src\/|\.png$|(^|\/)docs\//.test(f))).toEqual([]);
      // dist/esm holds the wrappers (one per export, so import and require share one instance), no second build.
      const exported = Object.values(JSON.parse(readFileSync(join(s.consumer, 'node_modules', p.name, 'package.json'), 'utf8')).exports as Record<string, { import?: { default: string } }>)
        .flatMap((e) => (e.import ? [e.import.default.replace(/^\.\//, '')] : []))
        .sort();
      expect([p.name, files.filter((f) => /^dist\/esm\/.*\.js$/.test(f)).sort()]).toEqual([p.name, exported]);
    }
  });

  it('share one 0.x version', () => {
    const versions = new Set(s.packed.map((p) => p.version));
    expect(versions.size).toBe(1);
    expect([...versions][0]).toMatch(/^0\.\d+\.\d+$/);
  });
});

describe('footprint', () => {
  it('installing @flowgate/sdk adds exactly @flowgate/sdk and @flowgate/core, under 400 KB unpacked', () => {
    const lock = JSON.parse(readFileSync(join(s.sdkOnly, 'package-lock.json'), 'utf8')) as { packages: Record<string, unknown> };
    const installed = Object.keys(lock.packages).filter((p) => p !== '').map((p) => p.replace(/^node_modules\//, '')).sort();
    expect(installed).toEqual(['@flowgate/core', '@flowgate/sdk']);
    expect(dirSize(join(s.sdkOnly, 'node_modules', '@flowgate'))).toBeLessThanOrEqual(400 * 1024);
  });

  it('@flowgate/nest adds nothing beyond the three packages to an app that has Nest', () => {
    const { beforeFlowgate, withFlowgate } = s.nestFootprint;
    expect(withFlowgate.filter((p) => !beforeFlowgate.includes(p))).toEqual(['@flowgate/core', '@flowgate/nest', '@flowgate/sdk']);
    expect(beforeFlowgate.filter((p) => !withFlowgate.includes(p))).toEqual([]);
  });

  it('importing @flowgate/sdk loads no third-party module', async () => {
    const probe = writeIn(
      s.sdkOnly,
      'probe.cjs',
      "require('@flowgate/sdk'); process.stdout.write(JSON.stringify(Object.keys(require.cache).filter((f) => f.includes('node_modules'))));",
    );
    const ran = await runNode(s.sdkOnly, [probe]);
    expect(ran.code).toBe(0);
    const loaded = JSON.parse(ran.stdout) as string[];
    expect(loaded.length).toBeGreaterThan(0);
    expect(loaded.filter((f) => !/node_modules\/@flowgate\/(sdk|core)\//.test(f))).toEqual([]);
    // Bundled: an entry and the chunks it shares, not one file per source module (each file Node loads costs RSS).
    expect(loaded.length).toBeLessThanOrEqual(6);
    // The ES module entry imports in a folder that has nothing else installed.
    const esm = await runNode(s.sdkOnly, ['--input-type=module', '-e', "const m = await import('@flowgate/sdk'); console.log(typeof m.createGuard)"]);
    expect(esm.stdout.trim()).toBe('function');
  });
});

describe('one instance for import and require (the dual-package hazard)', () => {
  it('an ES module app whose CommonJS dependency requires the packages gets the same objects through both, and no default export', async () => {
    const ran = await runNode(s.consumer, ['one-instance.mjs'], {}, 20_000);
    expect(ran.stderr).toBe('');
    expect(ran.code).toBe(0);
    const out = JSON.parse(ran.stdout) as Record<string, { names: number; sameNames: boolean; different: string[]; hasDefault: boolean }> & {
      errorAcross: { instanceOf: boolean; code: string };
    };
    const { errorAcross, ...entries } = out;
    expect(Object.keys(entries).sort()).toEqual(['@flowgate/core', '@flowgate/egress', '@flowgate/egress/internal', '@flowgate/nest', '@flowgate/sdk', '@flowgate/sdk/axios', '@flowgate/sdk/internal']);
    for (const [spec, entry] of Object.entries(entries)) {
      expect([spec, entry.sameNames, entry.different, entry.hasDefault]).toEqual([spec, true, [], false]);
      expect([spec, entry.names > 0]).toEqual([spec, true]);
    }
    expect(errorAcross).toEqual({ instanceOf: true, code: 'INVALID_OPTIONS' });
  }, 30_000);
});

describe('guarding calls from a scratch app', () => {
  const expected = {
    'fetch-allowed': 'sent',
    'fetch-denied': 'CONSENT_DENIED',
    'wrap-allowed': 'sent',
    'wrap-denied': 'CONSENT_DENIED',
    'axios-allowed': 'sent',
    'axios-denied': 'CONSENT_DENIED',
  };

  function expectVendorCounts(): void {
    for (const kind of ['fetch', 'wrap', 'axios']) {
      expect([kind, vendor.count(`/${kind}/allowed`)]).toEqual([kind, 1]);
      expect([kind, vendor.count(`/${kind}/denied`)]).toEqual([kind, 0]);
    }
  }

  it('CommonJS: denied calls arrive 0 times, allowed ones once, and the script exits without close()', async () => {
    const ran = await runNode(s.consumer, ['consumer.cjs'], env, 20_000);
    expect(ran.stderr).toBe('');
    expect(ran.code).toBe(0);
    expect(JSON.parse(ran.stdout)).toEqual(expected);
    expectVendorCounts();
  }, 30_000);

  it('ES modules: the same calls, the same counts', async () => {
    const ran = await runNode(s.consumer, ['consumer.mjs'], env, 20_000);
    expect(ran.stderr).toBe('');
    expect(ran.code).toBe(0);
    expect(JSON.parse(ran.stdout)).toEqual(expected);
    expectVendorCounts();
  }, 30_000);

  it('fails fast, naming what is wrong, on a refused token, a bad base URL and an unreachable server', async () => {
    const ran = await runNode(s.consumer, ['misconfigured.mjs'], env, 20_000);
    expect(ran.code).toBe(0);
    const out = JSON.parse(ran.stdout) as Record<string, { code?: string; message?: string; ms: number }>;
    expect(out['wrong-token']).toMatchObject({ code: 'AUTH_FAILED' });
    expect(out['wrong-token'].message).toContain(flowgate.url);
    expect(out['wrong-token'].message).toContain('401');
    expect(out['wrong-token'].ms).toBeLessThan(3_000);
    expect(out['no-scheme']).toMatchObject({ code: 'INVALID_OPTIONS' });
    expect(out['no-scheme'].message).toContain('http://');
    expect(out['api-prefix']).toMatchObject({ code: 'INVALID_OPTIONS' });
    expect(out['api-prefix'].message).toContain('/api/v1');
    expect(out.unreachable).toMatchObject({ code: 'POLICY_UNAVAILABLE' });
    expect(out.unreachable.message).toContain('http://127.0.0.1:9');
    expect(out.unreachable.message).toContain('ECONNREFUSED');
  }, 30_000);

  it('warns once, naming it, about a subprocessor the map does not have', async () => {
    const ran = await runNode(s.consumer, ['unknown-subprocessor.mjs'], env, 20_000);
    expect(ran.code).toBe(0);
    expect(JSON.parse(ran.stdout)).toEqual(['CONSENT_DENIED', 'CONSENT_DENIED', 'CONSENT_DENIED']);
    const warnings = ran.stderr.split('\n').filter((l) => l.includes('vendr-c'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('vendor-c');
  }, 30_000);
});

describe('@flowgate/egress from its tarball: unwrapped fetch and node:http calls', () => {
  let server: FlowgateServer;
  let support: VendorServer;
  let analytics: VendorServer;
  let egressEnv: Record<string, string>;

  beforeAll(async () => {
    support = await startVendorServer();
    analytics = await startVendorServer();
    const hostOf = (v: VendorServer) => new URL(v.url).host;
    const manifest = aConsentManifest();
    manifest.subprocessors = manifest.subprocessors.map((sp) =>
      sp.key === 'vendor-c' ? { ...sp, endpoints: [{ host: hostOf(support) }] } : sp.key === 'vendor-b' ? { ...sp, endpoints: [{ host: hostOf(analytics) }] } : sp,
    );
    server = await startFlowgateServer(manifest);
    egressEnv = { FLOWGATE_URL: server.url, FLOWGATE_TOKEN: server.serviceToken, SUPPORT_URL: support.url, ANALYTICS_URL: analytics.url };
  }, 60_000);

  afterAll(async () => {
    await server?.close();
    await support?.close();
    await analytics?.close();
  });

  beforeEach(() => {
    support.reset();
    analytics.reset();
  });

  it('adds only @flowgate/egress to an app that has the SDK', () => {
    const { withFlowgate, withEgress } = s.nestFootprint;
    expect(withEgress.filter((p) => !withFlowgate.includes(p))).toEqual(['@flowgate/egress']);
  });

  const expected = { 'fetch-allowed': 'sent', 'fetch-denied': 'CONSENT_DENIED', 'http-allowed': 'sent', 'http-denied': 'CONSENT_DENIED', 'no-user': 'NO_USER_CONTEXT' };

  it.each(['egress-consumer.cjs', 'egress-consumer.mjs'])('%s: the denied vendor receives no byte, the allowed one each call once', async (script) => {
    const ran = await runNode(s.consumer, [script], egressEnv, 20_000);
    expect(ran.stderr).toBe('');
    expect(ran.code).toBe(0);
    expect(JSON.parse(ran.stdout)).toEqual(expected);
    expect(analytics.received).toEqual([]);
    expect(support.received.map((r) => [r.path, JSON.parse(r.body)])).toEqual([
      ['/fetch', { email: 'ada@example.com' }],
      ['/http', { email: 'ada@example.com' }],
    ]);
  }, 30_000);
});

describe('a NestJS app with its own @nestjs/common', () => {
  let app: Awaited<ReturnType<typeof startNode>>;

  beforeAll(async () => {
    const tsc = join(s.consumer, 'node_modules/typescript/bin/tsc');
    const built = await runNode(s.consumer, [tsc, '--project', 'tsconfig.nest.json'], {}, 120_000);
    expect(built.stdout + built.stderr).toBe('');
    app = await startNode(s.consumer, ['nest-dist/nest-app.mjs'], env);
  }, 180_000);

  afterAll(async () => {
    await app?.stop();
  });

  const post = (path: string, user: string | null, body: unknown) =>
    fetch(`http://127.0.0.1:${app.port}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(user ? { 'x-user-id': user } : {}) },
      body: JSON.stringify(body),
    });

  it('has exactly one copy of @nestjs/common installed', () => {
    const lock = JSON.parse(readFileSync(join(s.consumer, 'package-lock.json'), 'utf8')) as { packages: Record<string, unknown> };
    expect(Object.keys(lock.packages).filter((p) => p.endsWith('node_modules/@nestjs/common'))).toEqual(['node_modules/@nestjs/common']);
  });

  it('answers a denied @VendorCall with the documented 403 CONSENT_DENIED body, sending nothing', async () => {
    const res = await post('/track', 'ada@example.com', { pages: [{ url: '/pricing' }] });
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ statusCode: 403, code: 'CONSENT_DENIED', subprocessor: 'vendor-b', purpose: 'product-analytics' });
    expect(vendor.count('/nest/track')).toBe(0);
  });

  it('answers a request without a user with 401 NO_USER_CONTEXT, sending nothing', async () => {
    const res = await post('/track', null, { pages: [{ url: '/pricing' }] });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ statusCode: 401, code: 'NO_USER_CONTEXT' });
    expect(vendor.count('/nest/track')).toBe(0);
  });

  it('guards HttpService through the axios adapter on axiosRef', async () => {
    const allowed = await post('/http/support', 'ada@example.com', { email: 'ada@example.com' });
    expect(allowed.status).toBe(200);
    const denied = await post('/http/analytics', 'ada@example.com', { pages: [{ url: '/pricing' }] });
    expect(denied.status).toBe(403);
    expect(await denied.json()).toMatchObject({ code: 'CONSENT_DENIED', subprocessor: 'vendor-b' });
    expect(vendor.count('/nest/http-support')).toBe(1);
    expect(vendor.count('/nest/http-analytics')).toBe(0);
  });

  it('lets the call through once the user opts in through Flowgate', async () => {
    await flowgate
      .http()
      .put('/api/v1/me/preferences/vendor-b.product-analytics')
      .set('Authorization', flowgate.user('ada@example.com'))
      .send({ granted: true })
      .expect(200);
    let status = 0;
    for (let i = 0; i < 50 && status !== 200; i++) {
      status = (await post('/track', 'ada@example.com', { pages: [{ url: '/pricing' }] })).status;
      if (status !== 200) await new Promise((r) => setTimeout(r, 100));
    }
    expect(status).toBe(200);
    expect(vendor.count('/nest/track')).toBe(1);
  });
});

describe('TypeScript consumers', () => {
  it.each(['node16', 'nodenext', 'bundler'])('type-check under moduleResolution %s with skipLibCheck false (axios augmentation in .mts, and .cts where CommonJS applies)', async (resolution) => {
    const tsc = join(s.consumer, 'node_modules/typescript/bin/tsc');
    const ran = await runNode(s.consumer, [tsc, '--project', `tsconfig.${resolution}.json`], {}, 120_000);
    expect(ran.stdout + ran.stderr).toBe('');
    expect(ran.code).toBe(0);
  }, 130_000);

  it('a consumer without axios compiles against the SDK with skipLibCheck false', async () => {
    copyFileSync(join(FIXTURES, 'check-sdk.ts'), join(s.sdkOnly, 'check-sdk.ts'));
    copyFileSync(join(FIXTURES, 'tsconfig.sdk-only.json'), join(s.sdkOnly, 'tsconfig.json'));
    const tsc = join(s.consumer, 'node_modules/typescript/bin/tsc');
    const ran = await runNode(s.sdkOnly, [tsc, '--project', 'tsconfig.json'], {}, 120_000);
    expect(ran.stdout + ran.stderr).toBe('');
    expect(ran.code).toBe(0);
  }, 130_000);

  it('the type checks can fail: a wrong option type is reported', async () => {
    writeIn(s.consumer, 'wrong.ts', "import { createGuard } from '@flowgate/sdk';\nexport const g = createGuard({ source: 42 });\n");
    const tsc = join(s.consumer, 'node_modules/typescript/bin/tsc');
    const ran = await runNode(s.consumer, [tsc, '--noEmit', '--strict', '--skipLibCheck', 'false', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--types', 'node', 'wrong.ts'], {}, 120_000);
    expect(ran.code).not.toBe(0);
    expect(ran.stdout).toContain('TS2322');
  }, 130_000);
});
