import { manifestOfPolicyMap } from '../../test/factories/synthetic-manifest.factory';
import { PROCESS_ADMIN_TOKEN, startServerProcess, type ServerProcess } from '../../test/sdk/support/server-process';
import { USER_SECRET } from '../decision-api.bench';
import type { SyntheticWorld } from '../synthetic-map';

/** The server process (src/main.ts) with the world's map imported and a service token; `env` carries the profiler preload. */
export async function startProfiledServer(world: SyntheticWorld, env: Record<string, string>): Promise<{ server: ServerProcess; service: string }> {
  const server = await startServerProcess({ FLOWGATE_USER_TOKEN_SECRET: USER_SECRET, ...env });
  const admin = { Authorization: `Bearer ${PROCESS_ADMIN_TOKEN}`, 'Content-Type': 'application/json' };
  const imported = await fetch(`${server.url}/api/v1/manifest`, { method: 'POST', headers: admin, body: JSON.stringify(manifestOfPolicyMap(world.map)) });
  if (!imported.ok) throw new Error(`manifest import failed: ${imported.status} ${await imported.text()}`);
  const created = await fetch(`${server.url}/api/v1/service-tokens`, { method: 'POST', headers: admin, body: JSON.stringify({ name: 'profile' }) });
  const { token } = (await created.json()) as { token: string };
  return { server, service: `Bearer ${token}` };
}
