/**
 * Jest globalSetup of the `browser` project: builds the web client once (client/dist),
 * so `npm test` works from a clean checkout. Runs only when a browser test is selected.
 */
const { execFileSync } = require('node:child_process');
const { join } = require('node:path');

module.exports = async function buildClient() {
  const root = join(__dirname, '..', '..');
  const started = Date.now();
  // Type-checked first, as `npm run build:client` (and so `npm start`) does: Vite alone strips
  // the types, and a client that does not compile would pass the browser tests yet not start.
  execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '--noEmit', '-p', 'client/tsconfig.json'], {
    cwd: root,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  // The app first (it empties client/dist), then the embed into client/dist/embed.
  for (const config of ['client/vite.config.mts', 'client/vite.embed.config.mts']) {
    execFileSync(process.execPath, [join(root, 'node_modules/vite/bin/vite.js'), 'build', '--config', config, '--logLevel', 'warn'], {
      cwd: root,
      stdio: ['ignore', 'inherit', 'inherit'],
    });
  }
  process.stdout.write(`\n[browser] client built in ${Date.now() - started} ms\n`);
};
