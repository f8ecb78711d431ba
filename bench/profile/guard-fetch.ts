import { createGuard, staticSource } from '@flowgate/sdk';
import { exampleMap } from '../../test/sdk/factories/example-map.factory';
import { startVendorProcess } from './vendor';
import type { InProcessWorkload } from './types';

/** `guard.fetch` with a JSON string body to a loopback vendor in another process, as bench/sdk.bench.ts times it. */
export const workload: InProcessWorkload = {
  kind: 'in-process',
  description: 'guard-fetch: guard.fetch(url, { method: POST, JSON string body }) to a loopback vendor process, one request in flight (bench/sdk.bench.ts)',
  async prepare() {
    const vendor = await startVendorProcess();
    const guard = createGuard({ source: staticSource({ map: exampleMap('caplena') }) });
    const url = `${vendor.url}/logrocket`;
    const payload = { page: '/projects/42', event: 'chart.opened', project: { name: 'NPS Q3' } };
    const target = { userId: 'user-000001@example.com', subprocessor: 'logrocket', purpose: 'session-replay' };
    return {
      async step() {
        const res = await guard.fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(payload) }, target);
        return res.arrayBuffer();
      },
      async close() {
        await guard.close();
        vendor.child.kill();
      },
    };
  },
};
