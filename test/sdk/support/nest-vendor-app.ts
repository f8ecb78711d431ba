import { Body, Controller, HttpCode, Inject, Injectable, Module, Post } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { INestApplication } from '@nestjs/common';
import type { Guard } from '@flowgate/sdk';
import { FlowgateModule, VendorCall, type FlowgateModuleOptions } from '@flowgate/nest';

const VENDOR_URL = Symbol('VENDOR_URL');

async function post(url: string, payload: unknown): Promise<void> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(payload) });
  await res.arrayBuffer();
}

/** A host app's vendor client: one guarded method per flow of the matrix map. */
@Injectable()
export class VendorClient {
  constructor(@Inject(VENDOR_URL) private readonly url: string) {}

  @VendorCall({ subprocessor: 'vendor-a', purpose: 'email-delivery' })
  async sendToVendorA(payload: unknown): Promise<void> {
    await post(`${this.url}/vendor-a`, payload);
  }

  @VendorCall({ subprocessor: 'vendor-b', purpose: 'product-analytics' })
  async sendToVendorB(payload: unknown): Promise<void> {
    await post(`${this.url}/vendor-b`, payload);
  }

  @VendorCall({ subprocessor: 'vendor-c', purpose: 'support' })
  async sendToVendorC(payload: unknown): Promise<void> {
    await post(`${this.url}/vendor-c`, payload);
  }
}

@Controller('send')
export class SendController {
  constructor(
    private readonly client: VendorClient,
    @Inject(VENDOR_URL) private readonly url: string,
  ) {}

  @Post('vendor-a')
  @HttpCode(200)
  async a(@Body() body: Record<string, unknown>): Promise<{ sent: true }> {
    await this.client.sendToVendorA(body);
    return { sent: true };
  }

  @Post('vendor-b')
  @HttpCode(200)
  async b(@Body() body: Record<string, unknown>): Promise<{ sent: true }> {
    await this.client.sendToVendorB(body);
    return { sent: true };
  }

  @Post('vendor-c')
  @HttpCode(200)
  async c(@Body() body: Record<string, unknown>): Promise<{ sent: true }> {
    await this.client.sendToVendorC(body);
    return { sent: true };
  }

  /** @VendorCall straight on a route handler: the payload is the request body. */
  @Post('direct/vendor-c')
  @HttpCode(200)
  @VendorCall({ subprocessor: 'vendor-c', purpose: 'support' })
  async direct(@Body() body: Record<string, unknown>): Promise<{ sent: true }> {
    await post(`${this.url}/vendor-c`, body);
    return { sent: true };
  }
}

export interface NestVendorApp {
  readonly app: INestApplication;
  readonly url: string;
  close(): Promise<void>;
}

/** A host NestJS app using FlowgateModule, listening on 127.0.0.1; the user comes from `x-user-id`. */
export async function startNestVendorApp(
  guard: Guard,
  vendorUrl: string,
  options: Omit<Partial<FlowgateModuleOptions>, 'guard'> = {},
): Promise<NestVendorApp> {
  @Module({
    imports: [
      FlowgateModule.forRoot({
        guard,
        resolveUser: (req) => (req as { headers: Record<string, string | undefined> }).headers['x-user-id'],
        closeOnShutdown: false,
        ...options,
      }),
    ],
    controllers: [SendController],
    providers: [VendorClient, { provide: VENDOR_URL, useValue: vendorUrl }],
  })
  class HostModule {}

  const app = await NestFactory.create(HostModule, { logger: false });
  await app.listen(0, '127.0.0.1');
  return { app, url: (await app.getUrl()).replace('[::1]', '127.0.0.1'), close: () => app.close() };
}
