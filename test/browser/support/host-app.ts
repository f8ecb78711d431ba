import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A host application on its own loopback origin: it knows who is signed in (`?user=`), mints
 * that user's Flowgate token on its server exactly as docs/consent.md shows, and embeds the
 * preference centre: `/account` with <flowgate-preferences>, `/framed` with an iframe of
 * Flowgate's /settings. Its page records the element's events in `window.flowgateEvents`.
 * `/account?inline-token` puts a minted token in the page instead of a token provider.
 */
export interface HostApp {
  url: string;
  /** How many tokens the host's server minted. */
  minted: () => number;
  close(): Promise<void>;
}

const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');

export function flowgateUserToken(userId: string, secret: string, ttlSeconds = 3600): string {
  const head = b64({ alg: 'HS256', typ: 'JWT' });
  const body = b64({ sub: userId, exp: Math.floor(Date.now() / 1000) + ttlSeconds });
  const sig = createHmac('sha256', secret).update(`${head}.${body}`).digest('base64url');
  return `${head}.${body}.${sig}`;
}

export async function startHostApp(options: { flowgateUrl: () => string; secret: string }): Promise<HostApp> {
  let minted = 0;
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://host.invalid');
    const user = url.searchParams.get('user') ?? 'ada@example.com';
    const lang = url.searchParams.get('lang');
    const flowgate = options.flowgateUrl();
    if (url.pathname === '/token') {
      minted += 1;
      res.writeHead(200, { 'Content-Type': 'text/plain', 'Cache-Control': 'no-store' });
      res.end(flowgateUserToken(user, options.secret, 600));
      return;
    }
    if (url.pathname === '/account') {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
      res.end(`<!doctype html>
<html lang="${lang ?? 'en'}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Account settings · Host app</title>
<style>body { font-family: sans-serif; margin: 0 auto; max-width: 760px; padding: 12px; }
flowgate-preferences { --fg-accent: #7c2d12; }
flowgate-preferences::part(card) { border-color: #a8a29e; }</style>
<script type="module" src="${flowgate}/embed/preferences.js"></script>
</head><body><main><h1>Your account</h1>
<flowgate-preferences id="prefs" base-url="${flowgate}"${lang ? ` lang="${lang}"` : ''}></flowgate-preferences></main>
<script>
  window.flowgateEvents = [];
  const el = document.getElementById('prefs');
  for (const type of ['flowgate-ready', 'flowgate-change', 'flowgate-error'])
    el.addEventListener(type, (e) => window.flowgateEvents.push({ type, detail: JSON.parse(JSON.stringify(e.detail)) }));
  ${
    url.searchParams.has('inline-token')
      ? `// A token the host's server put in the page (the benchmark: time from the token on).
  customElements.whenDefined('flowgate-preferences').then(() => { el.token = ${JSON.stringify(flowgateUserToken(user, options.secret, 600))}; });`
      : `// Set before the element's script has loaded: the element takes it over when it upgrades.
  el.tokenProvider = async () => (await fetch('/token?user=${encodeURIComponent(user)}')).text();`
  }
</script></body></html>`);
      return;
    }
    if (url.pathname === '/framed') {
      const token = flowgateUserToken(user, options.secret, 600);
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
      res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Framed settings · Host app</title></head>
<body><main><h1>Privacy</h1><iframe title="Privacy choices" src="${flowgate}/settings#token=${token}" width="900" height="700"></iframe></main></body></html>`);
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    minted: () => minted,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
