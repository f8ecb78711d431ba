import {
  Body,
  Controller,
  HttpCode,
  Inject,
  Module,
  Post,
  type INestApplication,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import Stripe from 'stripe';
import { createGuard, memoryReporter, staticSource, type MemoryReporter } from '@flowgate/sdk';
import { installEgressGuard } from '@flowgate/egress';
import { FlowgateModule } from '@flowgate/nest';
import { buildEgressMap, egressConsents } from './factories/egress-map.factory';
import { USERS } from './factories/vendor-map.factory';
import { startRecordingVendor, type RecordingVendor } from './support/recording-http-vendor';
import { stripeSdk } from './support/vendor-sdks';

const STRIPE = Symbol('STRIPE');

/** A host app's handler calling Stripe's own SDK, with no Flowgate code at the call site. */
@Controller('signup')
class SignupController {
  constructor(@Inject(STRIPE) private readonly stripe: Stripe) {}

  @Post()
  @HttpCode(200)
  async signup(@Body() body: { email: string; name: string }): Promise<{ customer: string }> {
    const customer = await this.stripe.customers.create({ email: body.email, name: body.name });
    return { customer: customer.id };
  }
}

describe(`${FlowgateModule.name} with egress`, () => {
  let app: INestApplication;
  let url: string;
  let vendor: RecordingVendor;
  let reporter: MemoryReporter;
  const log: string[] = [];

  beforeAll(async () => {
    vendor = await startRecordingVendor(stripeSdk.respond);
    reporter = memoryReporter();
    const map = buildEgressMap(new Map([['stripe-opt-out', vendor.host]]));
    const { hostname, port } = new URL(vendor.url);

    @Module({
      imports: [
        FlowgateModule.forRoot({
          guard: createGuard({
            source: staticSource({ map, consents: egressConsents(map) }),
            reporter,
          }),
          resolveUser: (req: unknown) =>
            (req as { headers: Record<string, string | undefined> }).headers['x-user-id'],
          egress: (guard) => installEgressGuard(guard, { log: (line) => log.push(line) }),
          closeOnShutdown: false,
        }),
      ],
      controllers: [SignupController],
      providers: [
        {
          provide: STRIPE,
          useFactory: () =>
            new Stripe('sk_test_flowgate', {
              host: hostname,
              port: Number(port),
              protocol: 'http',
              maxNetworkRetries: 0,
            }),
        },
      ],
    })
    class HostModule {}

    app = await NestFactory.create(HostModule, { logger: false });
    await app.listen(0, '127.0.0.1');
    url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  });
  afterAll(async () => {
    await app?.close();
    await vendor.close();
  });
  beforeEach(() => {
    vendor.received.length = 0;
  });

  const signup = (headers: Record<string, string>) =>
    fetch(`${url}/signup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ email: 'ada@example.com', name: 'Ada' }),
    });

  it('installs at module init, logging the mapped hosts', () => {
    expect(log.some((line) => line.includes(`${vendor.host} → stripe-opt-out`))).toBe(true);
  });

  it("decides each incoming request's Stripe call for its user (interceptor scope)", async () => {
    const ok = await signup({ 'x-user-id': USERS.granted });
    expect(ok.status).toBe(200);
    expect(vendor.received).toHaveLength(1);
    expect(new URLSearchParams(vendor.received[0].body.toString()).get('email')).toBe(
      'ada@example.com',
    );
  });

  it("answers 403 with the reasons when the vendor SDK's request was refused, and Stripe saw nothing", async () => {
    const denied = await signup({ 'x-user-id': USERS.denied });
    expect(denied.status).toBe(403);
    expect(await denied.json()).toMatchObject({
      code: 'CONSENT_DENIED',
      subprocessor: 'stripe-opt-out',
      reasons: ['opted-out'],
    });
    const gpc = await signup({ 'x-user-id': USERS['no choice'], 'sec-gpc': '1' });
    expect(gpc.status).toBe(403);
    expect(vendor.received).toHaveLength(0);
  });

  it('answers 401 for an anonymous request reaching a subprocessor (outside any user scope)', async () => {
    const res = await signup({});
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ code: 'NO_USER_CONTEXT' });
    expect(vendor.received).toHaveLength(0);
  });

  it('uninstalls on shutdown', async () => {
    await app.close();
    const guard = createGuard({ source: staticSource({ map: buildEgressMap(new Map()) }) });
    const uninstall = installEgressGuard(guard, { log: () => undefined });
    uninstall();
    app = undefined as unknown as INestApplication;
  });
});
