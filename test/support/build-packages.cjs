// Builds @flowgate/core, @flowgate/sdk and @flowgate/nest (npm run build:packages) when a
// source file (or packages/build.mjs) is newer than its dist/, for the tests that start the
// server, the CLI or a guard in a child process: those load the packages as an installed
// service would.
const { execFileSync } = require('node:child_process');
const { existsSync, readdirSync, statSync } = require('node:fs');
const { join, resolve } = require('node:path');

const root = resolve(__dirname, '../..');

function newest(dir) {
  let t = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    t = Math.max(t, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return t;
}

function stale(name) {
  const pkg = join(root, 'packages', name);
  const built = join(pkg, 'dist', 'cjs', 'index.js');
  if (!existsSync(built) || !existsSync(join(pkg, 'dist', 'esm', 'index.js'))) return true;
  const inputs = [newest(join(pkg, 'src')), statSync(join(pkg, 'package.json')).mtimeMs, statSync(join(root, 'packages', 'build.mjs')).mtimeMs];
  return Math.max(...inputs) > statSync(built).mtimeMs;
}

module.exports = function buildPackages() {
  if (!['core', 'sdk', 'nest', 'egress'].some(stale)) return;
  process.stderr.write('[packages] building @flowgate/core, @flowgate/sdk, @flowgate/nest and @flowgate/egress\n');
  execFileSync('npm', ['run', '-s', 'build:packages'], { cwd: root, stdio: ['ignore', process.stderr, 'inherit'] });
};

if (require.main === module) module.exports();
