// The measuring child of `measureServerMemory` (bench/support/server-memory.ts), in plain
// JavaScript on the compiled server (`dist/src`, as `npm start` runs it): no TypeScript
// compiler in its heap. `node --expose-gc server-memory.measure.cjs <dir> <users>` boots the
// app on the SQLite file `prepare` wrote in <dir>, decides once for each of <users> distinct
// users through DecisionsService, and prints what it measured as one JSON line.
const { readFileSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..', '..');
const { loadConfig } = require(join(root, 'dist/src/config/configuration.js'));
const { createApp } = require(join(root, 'dist/src/app.factory.js'));
const { DecisionsService } = require(join(root, 'dist/src/decisions/decisions.service.js'));
const { ConsentsCache } = require(join(root, 'dist/src/consent/consent-cache.service.js'));

const BATCH = 1000;

async function measure(dir, users) {
  const gc = globalThis.gc;
  if (gc === undefined) throw new Error('run with --expose-gc');
  const requests = JSON.parse(readFileSync(join(dir, 'requests.json'), 'utf8'));
  const config = loadConfig({
    DATABASE_PATH: join(dir, 'flowgate.sqlite'),
    FLOWGATE_DATA_DIR: dir,
    FLOWGATE_ADMIN_TOKEN: 'bench-admin-token-0123456789abcdef',
    FLOWGATE_SEED_MANIFEST: '',
    FLOWGATE_DEMO: '1',
    LOG_LEVEL: 'error',
    FLOWGATE_NOTICE_WINDOW_DAYS: '0',
  });
  const app = await createApp(config);
  await app.init();
  const decisions = app.get(DecisionsService);
  const cache = app.get(ConsentsCache);
  // One decision first: the policy compiled, the code paths warm.
  await decisions.decideBatch([{ userId: 'warm-up', ...requests[0] }]);
  cache.clear();
  const used = () => {
    gc();
    gc();
    const m = process.memoryUsage();
    return m.heapUsed + m.arrayBuffers;
  };
  const before = used();
  const rssBefore = process.memoryUsage.rss();
  let rssPeak = rssBefore;
  let allowed = 0;
  const started = process.hrtime.bigint();
  for (let from = 0; from < users; from += BATCH) {
    const inputs = [];
    for (let i = from; i < Math.min(users, from + BATCH); i++) inputs.push({ userId: `user-${i}`, ...requests[i % requests.length] });
    const answer = await decisions.decideBatch(inputs);
    for (const d of answer.decisions) if (d.allow) allowed++;
    if (from % (10 * BATCH) === 0) rssPeak = Math.max(rssPeak, process.memoryUsage.rss());
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const rssUnforced = process.memoryUsage.rss();
  const after = used();
  const rssAfter = process.memoryUsage.rss();
  const { users: cachedUsers, bytes } = cache.stats;
  const mb = (b) => Math.round(b / 2 ** 20);
  const result = {
    users,
    cachedUsers,
    cacheBytes: bytes,
    heapPerUser: (after - before) / Math.max(1, cachedUsers),
    rssBeforeMb: mb(rssBefore),
    rssEndMb: mb(rssUnforced),
    rssAfterMb: mb(rssAfter),
    rssPeakMb: mb(Math.max(rssPeak, rssUnforced, rssAfter)),
    allowed,
    seconds,
  };
  await app.close();
  process.stdout.write(`\n${JSON.stringify(result)}\n`);
}

const [dir, users] = process.argv.slice(2);
measure(dir, Number(users)).then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
