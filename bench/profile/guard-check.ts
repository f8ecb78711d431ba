import { createGuard, staticSource, type CheckRequest } from '@flowgate/sdk';
import { exampleMap } from '../../test/sdk/factories/example-map.factory';
import type { InProcessWorkload } from './types';

/** `guard.checkCached` from a warm cache on the Caplena map: field keys and JSON payloads, 1,000 users. */
export const workload: InProcessWorkload = {
  kind: 'in-process',
  description: 'guard-check: guard.checkCached on the Caplena map, 1,000 users, field-key and JSON-payload requests, 1,000 calls per step',
  async prepare() {
    const guard = createGuard({ source: staticSource({ map: exampleMap('caplena') }) });
    const shapes: Omit<CheckRequest, 'userId'>[] = [
      { subprocessor: 'logrocket', purpose: 'session-replay', fields: ['usage.page-views', 'usage.actions'] },
      { subprocessor: 'intercom', purpose: 'support', fields: ['user.name', 'user.contact.email', 'user.communications.messages'] },
      { subprocessor: 'logrocket', purpose: 'session-replay', payload: { page: '/projects/42', event: 'chart.opened', project: { name: 'NPS Q3' } } },
    ];
    const requests: CheckRequest[] = Array.from({ length: 1000 }, (_, i) => {
      const s = shapes[i % shapes.length];
      return { userId: `user-${String(i).padStart(6, '0')}@example.com`, subprocessor: s.subprocessor, purpose: s.purpose, fields: s.fields, payload: s.payload };
    });
    for (const r of requests) await guard.check(r);
    return {
      step() {
        let allowed = 0;
        for (const r of requests) if (guard.checkCached(r)?.allow === true) allowed++;
        return allowed;
      },
      close: () => guard.close(),
    };
  },
};
