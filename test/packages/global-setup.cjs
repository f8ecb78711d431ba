// Packs @flowgate/core, @flowgate/sdk, @flowgate/nest and @flowgate/egress as `npm pack` would for a
// registry, and installs the tarballs into scratch apps in a temporary folder outside the
// repository, the way an engineer adopting the guard would:
//   sdk-only/  the two tarballs alone (footprint: exactly two packages)
//   app/       Nest and its peers first (snapshot), then the three tarballs (snapshot),
//              then the egress tarball, then what the consumer tests use (axios, @nestjs/axios, typescript…).
// The specs read the locations from FLOWGATE_SCRATCH (a JSON file). Teardown removes it all.
const { execFileSync } = require('node:child_process');
const { mkdirSync, mkdtempSync, readdirSync, writeFileSync, existsSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join, resolve } = require('node:path');

const root = resolve(__dirname, '../..');
const npm = (cwd, args) =>
  execFileSync('npm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, npm_config_fund: 'false', npm_config_audit: 'false', npm_config_update_notifier: 'false' } });

function installed(dir) {
  const lock = JSON.parse(require('node:fs').readFileSync(join(dir, 'package-lock.json'), 'utf8'));
  return Object.keys(lock.packages).filter((p) => p !== '').map((p) => p.replace(/^.*node_modules\//, '')).sort();
}

function app(dir, name) {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, version: '1.0.0', private: true }, null, 2));
}

module.exports = async function globalSetup() {
  require('../support/build-packages.cjs')();
  const base = mkdtempSync(join(tmpdir(), 'flowgate-packages-'));
  const tarballDir = join(base, 'tarballs');
  mkdirSync(tarballDir);
  process.stdout.write(`\n[packages] packing into ${tarballDir}\n`);
  const packed = JSON.parse(npm(root, ['pack', '--json', '--pack-destination', tarballDir, '-w', '@flowgate/core', '-w', '@flowgate/sdk', '-w', '@flowgate/nest', '-w', '@flowgate/egress']));
  const tarballs = Object.fromEntries(packed.map((p) => [p.name, join(tarballDir, p.filename)]));
  const offline = ['--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'];

  const sdkOnly = join(base, 'sdk-only');
  app(sdkOnly, 'scratch-sdk-only');
  npm(sdkOnly, ['install', ...offline, tarballs['@flowgate/core'], tarballs['@flowgate/sdk']]);

  const consumer = join(base, 'app');
  app(consumer, 'scratch-consumer');
  const peers = ['@nestjs/common@^12', '@nestjs/core@^12', 'rxjs@^7.8', 'reflect-metadata@^0.2'];
  process.stdout.write('[packages] installing Nest peers, then the tarballs, into a scratch app\n');
  npm(consumer, ['install', ...offline, ...peers]);
  const beforeFlowgate = installed(consumer);
  npm(consumer, ['install', ...offline, tarballs['@flowgate/core'], tarballs['@flowgate/sdk'], tarballs['@flowgate/nest']]);
  const withFlowgate = installed(consumer);
  npm(consumer, ['install', ...offline, tarballs['@flowgate/egress']]);
  const withEgress = installed(consumer);
  npm(consumer, ['install', ...offline, 'axios@^1', '@nestjs/platform-express@^12', '@nestjs/axios@^12', 'typescript@~6.0', '@types/node@^20', '@types/express@^5']);

  const info = { base, root, tarballs, packed, sdkOnly, consumer, nestFootprint: { beforeFlowgate, withFlowgate, withEgress } };
  const file = join(base, 'scratch.json');
  writeFileSync(file, JSON.stringify(info, null, 2));
  process.env.FLOWGATE_SCRATCH = file;
  if (!existsSync(join(consumer, 'node_modules', '@flowgate', 'nest'))) throw new Error('scratch install failed');
  process.stdout.write(`[packages] scratch apps ready in ${base} (${readdirSync(tarballDir).join(', ')})\n`);
};
