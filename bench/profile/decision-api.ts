import { load, type LoadRequest } from '../decision-api.bench';
import { syntheticRequests, syntheticWorld } from '../synthetic-map';
import { startProfiledServer } from './server';
import type { ServerWorkload } from './types';

/** `POST /api/v1/decisions` on the server process, 16 connections (autocannon), as bench/decision-api.bench.ts loads it. */
export const workload: ServerWorkload = {
  kind: 'server',
  description: 'decision-api: POST /api/v1/decisions on the server process (synthetic map, 2,000 users without choices), 16 connections; the server is profiled',
  async prepare(_quick, env) {
    const world = syntheticWorld({ users: 2000 });
    const { server, service } = await startProfiledServer(world, env);
    const requests: LoadRequest[] = syntheticRequests(world, 4096, 1).map((c) => ({
      method: 'POST',
      path: '/api/v1/decisions',
      headers: { Authorization: service, 'Content-Type': 'application/json' },
      body: JSON.stringify({ userId: world.users[c.user].id, ...c.request }),
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
