import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { manifestOfPolicyMap } from '../../test/factories/synthetic-manifest.factory';
import { PROCESS_ADMIN_TOKEN } from '../../test/sdk/support/server-process';
import { startServerProcess } from '../../test/factories/server-process.factory';
import { load, USER_SECRET, type LoadRequest } from '../decision-api.bench';
import { syntheticRequests, syntheticWorld } from '../synthetic-map';
import type { ServerWorkload } from './types';

/**
 * `POST /api/v1/decisions` on the server process, 16 connections (autocannon), as
 * bench/decision-api.bench.ts runs and loads it: the compiled server (not ts-node, whose
 * REPL loads `domain` and so wraps every EventEmitter), an access-log line per request to a
 * file (LOG_LEVEL=log).
 */
export const workload: ServerWorkload = {
  kind: 'server',
  description:
    'decision-api: POST /api/v1/decisions on the compiled server process (synthetic map, 2,000 users without choices, access log to a file), 16 connections; the server is profiled',
  async prepare(_quick, env) {
    const world = syntheticWorld({ users: 2000 });
    execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
    const logFile = join(tmpdir(), `flowgate-profile-${process.pid}.log`);
    const dir = mkdtempSync(join(tmpdir(), 'flowgate-profile-'));
    const server = await startServerProcess(
      {
        DATABASE_PATH: join(dir, 'flowgate.sqlite'),
        FLOWGATE_DEMO: '0',
        FLOWGATE_ADMIN_TOKEN: PROCESS_ADMIN_TOKEN,
        FLOWGATE_USER_TOKEN_SECRET: USER_SECRET,
        FLOWGATE_SEED_MANIFEST: '',
        LOG_LEVEL: 'log',
        ...env,
      },
      { logFile, built: true },
    );
    const admin = { Authorization: `Bearer ${PROCESS_ADMIN_TOKEN}`, 'Content-Type': 'application/json' };
    const imported = await fetch(`${server.base}/api/v1/manifest`, { method: 'POST', headers: admin, body: JSON.stringify(manifestOfPolicyMap(world.map)) });
    if (!imported.ok) throw new Error(`manifest import failed: ${imported.status} ${await imported.text()}`);
    const created = await fetch(`${server.base}/api/v1/service-tokens`, { method: 'POST', headers: admin, body: JSON.stringify({ name: 'profile' }) });
    const { token } = (await created.json()) as { token: string };
    const requests: LoadRequest[] = syntheticRequests(world, 4096, 1).map((c) => ({
      method: 'POST',
      path: '/api/v1/decisions',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ userId: world.users[c.user].id, ...c.request }),
    }));
    return {
      async drive(seconds) {
        const r = await load(server.base, requests, 16, seconds);
        return Math.round(r.rate * seconds);
      },
      async close() {
        await server.stop();
        rmSync(dir, { recursive: true, force: true });
        rmSync(logFile, { force: true });
      },
    };
  },
};
