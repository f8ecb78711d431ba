import axios from 'axios';
import { isFlowgateError, type ConsentDeniedError, type Guard } from '@flowgate/sdk';
import { flowgateAxios } from '@flowgate/sdk/axios';
import type { NestVendorApp } from './nest-vendor-app';

export interface CallTarget {
  readonly userId: string;
  readonly subprocessor: string;
  readonly purpose: string;
  readonly gpc: boolean;
}

/** What a caller saw: the call went out, or the guard stopped it (with the adapter's own signal). */
export type Outcome = { readonly sent: true } | { readonly sent: false; readonly reasons: readonly string[]; readonly fields: readonly string[] };

export interface AdapterUnderTest {
  readonly name: string;
  /** Sends `payload` as a JSON POST to `<vendor>/<subprocessor>` through the adapter. */
  send(guard: Guard, vendorUrl: string, target: CallTarget, payload: Record<string, unknown>): Promise<Outcome>;
}

const denied = (error: unknown): Outcome => {
  if (isFlowgateError(error) && error.code === 'CONSENT_DENIED') {
    const e = error as ConsentDeniedError;
    return { sent: false, reasons: e.reasons, fields: e.fields };
  }
  throw error;
};

export const wrapAdapter: AdapterUnderTest = {
  name: 'wrap',
  async send(guard, vendorUrl, target, payload) {
    const post = async (body: Record<string, unknown>, subprocessor: string) => {
      const res = await fetch(`${vendorUrl}/${subprocessor}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      await res.arrayBuffer();
    };
    const guarded = guard.wrap({ subprocessor: target.subprocessor, purpose: target.purpose }, post, {
      userId: () => target.userId,
      gpc: () => target.gpc,
      payloadArg: 0,
    });
    try {
      await guarded(payload, target.subprocessor);
      return { sent: true };
    } catch (error) {
      return denied(error);
    }
  },
};

export const fetchAdapter: AdapterUnderTest = {
  name: 'fetch',
  async send(guard, vendorUrl, target, payload) {
    try {
      const res = await guard.fetch(
        `${vendorUrl}/${target.subprocessor}`,
        { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(payload) },
        { userId: target.userId, subprocessor: target.subprocessor, purpose: target.purpose, gpc: target.gpc },
      );
      await res.arrayBuffer();
      return { sent: true };
    } catch (error) {
      return denied(error);
    }
  },
};

export const axiosAdapter: AdapterUnderTest = {
  name: 'axios',
  async send(guard, vendorUrl, target, payload) {
    const client = axios.create({ baseURL: vendorUrl });
    client.interceptors.request.use(flowgateAxios(guard));
    try {
      await client.post(`/${target.subprocessor}`, payload, {
        flowgate: { userId: target.userId, subprocessor: target.subprocessor, purpose: target.purpose, gpc: target.gpc },
      });
      return { sent: true };
    } catch (error) {
      return denied(error);
    }
  },
};

/** The NestJS adapter, driven over HTTP like a real host app: user in `x-user-id`, GPC in `Sec-GPC`. */
export function nestAdapter(appFor: (guard: Guard) => Promise<NestVendorApp>): AdapterUnderTest {
  return {
    name: 'nest @VendorCall',
    async send(guard, _vendorUrl, target, payload) {
      const { url } = await appFor(guard);
      const res = await fetch(`${url}/send/${target.subprocessor}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-user-id': target.userId,
          ...(target.gpc ? { 'sec-gpc': '1' } : {}),
        },
        body: JSON.stringify(payload),
      });
      const body = (await res.json()) as { code?: string; reasons?: string[]; fields?: string[] };
      if (res.status === 200) return { sent: true };
      if (res.status === 403 && body.code === 'CONSENT_DENIED') {
        return { sent: false, reasons: body.reasons ?? [], fields: body.fields ?? [] };
      }
      throw new Error(`host app answered ${res.status}: ${JSON.stringify(body)}`);
    },
  };
}
