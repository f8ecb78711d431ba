import { startTestApp, type TestApp } from '../../support/test-app';

export interface ServedApp extends TestApp {
  /** `http://127.0.0.1:<port>` of the real HTTP server. */
  url: string;
}

/** The whole app on a temp SQLite file, listening on a free loopback port. */
export async function serveApp(env: Record<string, string> = {}): Promise<ServedApp> {
  const t = await startTestApp({ FLOWGATE_SEED_MANIFEST: 'examples/caplena.yaml', ...env });
  await t.app.listen(0, '127.0.0.1');
  const url = (await t.app.getUrl()).replace('[::1]', '127.0.0.1');
  return Object.assign(t, { url });
}
