import type { AddressInfo } from 'node:net';
import { startConsentApp, type ConsentTestApp } from '../../factories/consent-app.factory';
import type { Manifest } from '../../../src/data-map/manifest/manifest.types';

export interface FlowgateServer extends ConsentTestApp {
  /** `http://127.0.0.1:<port>`: the app listening for real, for SDKs using fetch. */
  readonly url: string;
  /** The service token itself (without `Bearer `). */
  readonly serviceToken: string;
}

/** The whole Flowgate app (temp SQLite, real migrations) listening on loopback, with a service token. */
export async function startFlowgateServer(manifest?: Manifest, env: Record<string, string> = {}): Promise<FlowgateServer> {
  const t = await startConsentApp(manifest, env);
  await t.app.listen(0, '127.0.0.1');
  const { port } = t.app.getHttpServer().address() as AddressInfo;
  return Object.assign(t, { url: `http://127.0.0.1:${port}`, serviceToken: t.service.replace(/^Bearer /, '') });
}
