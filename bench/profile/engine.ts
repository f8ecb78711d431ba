import { compileConsents, compilePolicy, decide, type Consents } from '@flowgate/core';
import { syntheticRequests, syntheticWorld } from '../synthetic-map';
import type { InProcessWorkload } from './types';

/** `decide()` on the engine bench's reference model (field-key requests, the engine bench's stream). */
export const workload: InProcessWorkload = {
  kind: 'in-process',
  description: 'engine: decide() over 8,192 field-key requests of the synthetic world (bench/engine.bench.ts model), 1,000 calls per step',
  async prepare(quick) {
    const world = syntheticWorld(quick ? { users: 10_000 } : {});
    const policy = compilePolicy(world.map);
    const consents: Consents[] = world.users.map((u) => compileConsents(policy, u.choices, { gpc: u.gpc }));
    const cases = syntheticRequests(world, 8192, 1);
    let i = 0;
    return {
      step() {
        let allowed = 0;
        for (let n = 0; n < 1000; n++, i = (i + 1) % cases.length) if (decide(policy, consents[cases[i].user], cases[i].request).allow) allowed++;
        return allowed;
      },
      close: async () => undefined,
    };
  },
};
