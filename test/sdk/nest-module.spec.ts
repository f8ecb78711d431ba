import { Controller, Get, Inject, Injectable, Module, Post, Body, HttpCode, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { createGuard, isFlowgateError, memoryReporter, staticSource, type MemoryReporter } from '@flowgate/sdk';
import { FlowgateGuardService, FlowgateModule, VendorCall } from '@flowgate/nest';
import { buildVendorMap, matrixConsents, USERS } from './factories/vendor-map.factory';
import { startNestVendorApp } from './support/nest-vendor-app';
import { startVendorServer, type VendorServer } from './support/vendor-server';

const GUARD_SETTINGS = Symbol('GUARD_SETTINGS');
const VENDOR = Symbol('VENDOR');

@Injectable()
class Newsletter {
  constructor(@Inject(VENDOR) private readonly vendor: { url: string }) {}

  /** No payload: the flow alone decides (payloadArg null). */
  @VendorCall({ subprocessor: 'vendor-c', purpose: 'support', payloadArg: null })
  async ping(): Promise<string> {
    await (await fetch(`${this.vendor.url}/vendor-c/ping`, { method: 'POST' })).arrayBuffer();
    return 'sent';
  }
}

@Controller('jobs')
class JobsController {
  constructor(
    private readonly newsletter: Newsletter,
    private readonly flowgate: FlowgateGuardService,
  ) {}

  @Post('ping')
  @HttpCode(200)
  async ping(): Promise<{ result: string }> {
    return { result: await this.newsletter.ping() };
  }

  @Get('who')
  who(): { userId: string | null; gpc: boolean } {
    const context = this.flowgate.current();
    return { userId: context?.userId ?? null, gpc: context?.gpc ?? false };
  }

  @Post('echo')
  @HttpCode(200)
  echo(@Body() body: unknown): unknown {
    return body;
  }
}

describe(`${FlowgateModule.name}.forRootAsync`, () => {
  let app: INestApplication;
  let url: string;
  let vendor: VendorServer;
  let reporter: MemoryReporter;

  beforeAll(async () => {
    vendor = await startVendorServer();
    reporter = memoryReporter();
    @Module({
      providers: [{ provide: GUARD_SETTINGS, useValue: { mode: 'enforce' as const } }],
      exports: [GUARD_SETTINGS],
    })
    class SettingsModule {}

    @Module({
      imports: [
        FlowgateModule.forRootAsync({
          imports: [SettingsModule],
          inject: [GUARD_SETTINGS],
          useFactory: async (settings: { mode: 'enforce' }) => ({
            guard: createGuard({ source: staticSource({ map: buildVendorMap(), consents: matrixConsents() }), mode: settings.mode, reporter }),
            // The default resolver reads request.user; this app has a header instead.
            resolveUser: (req: unknown) => (req as { headers: Record<string, string | undefined> }).headers['x-user-id'],
            deniedStatus: 451,
          }),
        }),
      ],
      controllers: [JobsController],
      providers: [Newsletter, { provide: VENDOR, useFactory: () => ({ url: vendor.url }) }],
    })
    class HostModule {}

    app = await NestFactory.create(HostModule, { logger: false });
    await app.listen(0, '127.0.0.1');
    url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  });
  afterAll(async () => {
    await app.close();
    await vendor.close();
  });
  beforeEach(() => vendor.reset());

  const post = (path: string, headers: Record<string, string> = {}) => fetch(`${url}${path}`, { method: 'POST', headers });

  it('gives handlers the request user and the Sec-GPC signal', async () => {
    const res = await fetch(`${url}/jobs/who`, { headers: { 'x-user-id': 'ada', 'sec-gpc': '1' } });
    expect(await res.json()).toEqual({ userId: 'ada', gpc: true });
    const anonymous = await fetch(`${url}/jobs/who`);
    expect(await anonymous.json()).toEqual({ userId: null, gpc: false });
  });

  it('maps a denied call to the configured status with the reasons, and the vendor sees nothing', async () => {
    const res = await post('/jobs/ping', { 'x-user-id': USERS.denied });
    expect(res.status).toBe(451);
    expect(await res.json()).toMatchObject({ code: 'CONSENT_DENIED', subprocessor: 'vendor-c', purpose: 'support', fields: [], reasons: ['opted-out'] });
    expect(vendor.count()).toBe(0);
    expect(reporter.events()).toContainEqual(expect.objectContaining({ kind: 'blocked', subprocessor: 'vendor-c', field: '*', reason: 'opted-out' }));
  });

  it('fails closed for an anonymous request: 401 NO_USER_CONTEXT, and the vendor sees nothing', async () => {
    const res = await post('/jobs/ping');
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({
      statusCode: 401,
      code: 'NO_USER_CONTEXT',
      message: 'A guarded call needs the id of the user it is about (userId)',
    });
    expect(vendor.count()).toBe(0);
  });

  it('runs background work as a user with runAs, and refuses it without a context', async () => {
    const flowgate = app.get(FlowgateGuardService);
    const newsletter = app.get(Newsletter);
    expect(await flowgate.runAs({ userId: USERS.granted }, () => newsletter.ping())).toBe('sent');
    await expect(flowgate.runAs({ userId: USERS['no choice'], gpc: true }, () => newsletter.ping())).rejects.toThrow(/not-opted-in/);
    const error = await newsletter.ping().catch((e: unknown) => e);
    expect(isFlowgateError(error) && error.code).toBe('NO_USER_CONTEXT');
    expect(vendor.count()).toBe(1);
  });

  it('leaves routes without @VendorCall alone', async () => {
    const res = await fetch(`${url}/jobs/echo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"email":"ada@example.com"}' });
    expect(await res.json()).toEqual({ email: 'ada@example.com' });
  });
});

describe('FlowgateModule anonymousStatus', () => {
  it('answers an anonymous vendor call with the configured status, or leaves the error to the host with null', async () => {
    const vendor = await startVendorServer();
    const guard = createGuard({ source: staticSource({ map: buildVendorMap(), consents: matrixConsents() }) });
    const apps = await Promise.all([startNestVendorApp(guard, vendor.url, { anonymousStatus: 403 }), startNestVendorApp(guard, vendor.url, { anonymousStatus: null })]);
    try {
      const send = (url: string, headers: Record<string, string> = {}) =>
        fetch(`${url}/send/direct/vendor-c`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: '{"email":"ada@example.com"}' });
      const statuses = [];
      for (const app of apps) statuses.push((await send(app.url)).status);
      // Nest's own filter answers an unknown error with 500.
      expect(statuses).toEqual([403, 500]);
      expect(vendor.count()).toBe(0);
      // A request with a user is decided as usual.
      expect((await send(apps[0].url, { 'x-user-id': USERS.granted })).status).toBe(200);
      expect(vendor.count()).toBe(1);
    } finally {
      await Promise.all(apps.map((app) => app.close()));
      await vendor.close();
    }
  });
});
