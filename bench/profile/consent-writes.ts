import { load, userToken, type LoadRequest } from '../decision-api.bench';
import { createRng, pick, syntheticWorld } from '../synthetic-map';
import { startProfiledServer } from './server';
import type { ServerWorkload } from './types';

/** Acknowledged consent writes, `PUT /api/v1/me/preferences/:flowKey`, 16 connections, as bench/consent-writes.bench.ts loads them. */
export const workload: ServerWorkload = {
  kind: 'server',
  description: 'consent-writes: PUT /api/v1/me/preferences/:flowKey (one change each, 1,000 users) on the server process, 16 connections; the server is profiled',
  async prepare(_quick, env) {
    const world = syntheticWorld({ users: 1 });
    const { server } = await startProfiledServer(world, env);
    const flows = world.map.flows.filter((f) => f.mode !== 'required').map((f) => f.key);
    const rng = createRng(7);
    const tokens = Array.from({ length: 1000 }, (_, i) => `Bearer ${userToken(`writer-${i}@example.com`)}`);
    const requests: LoadRequest[] = Array.from({ length: 10_000 }, () => ({
      method: 'PUT',
      path: `/api/v1/me/preferences/${pick(rng, flows)}`,
      headers: { Authorization: pick(rng, tokens), 'Content-Type': 'application/json' },
      body: JSON.stringify({ granted: rng() < 0.5 }),
    }));
    return {
      async drive(seconds) {
        const r = await load(server.url, requests, 16, seconds);
        return Math.round(r.rate * seconds);
      },
      close: () => server.stop(),
    };
  },
};
