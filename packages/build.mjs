// Builds the package in the current directory from one source into one CommonJS build
// (dist/cjs, marked by its own package.json) and, for each export, an ES module wrapper
// (dist/esm) that imports that CommonJS module and re-exports its named exports: `import`
// and `require` then load the same module instance (one guard, one cache, one egress hook;
// Node's "ES module wrapper", nodejs.org/api/packages.html#dual-package-hazard). The wrappers
// are generated from the names the built CommonJS module exports, so nothing is listed by
// hand.
//
// tsc compiles the sources as ES modules (dist/tmp); rolldown bundles them into one CommonJS
// file per export plus the chunks those share (so each module still runs once per process),
// other packages left to `require`. One file instead of one per source module is what makes
// loading cheap: each module Node loads costs ~0.1 MB of RSS (docs/architecture.md, "Packages").
// The JavaScript is minified with terser (names of classes and functions kept: errors are
// recognised by `name`, which the build checks); the .d.ts keep their comments (what editors
// show), one set per source file copied into both folders (under dist/cjs they are read as
// CommonJS, under dist/esm as ES modules, each matching the JavaScript beside it).
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { rolldown } from 'rolldown';
import { minify } from 'terser';

const require = createRequire(import.meta.url);
const tsc = require.resolve('typescript/bin/tsc');
const run = (...args) => execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json', ...args], { stdio: 'inherit' });
const ESM = ['--module', 'nodenext', '--moduleResolution', 'nodenext'];

function jsFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? jsFiles(join(dir, e.name)) : e.name.endsWith('.js') ? [join(dir, e.name)] : [],
  );
}

const { exports: entries } = JSON.parse(readFileSync('package.json', 'utf8'));
const targets = Object.entries(entries).flatMap(([subpath, target]) => {
  if (typeof target !== 'object' || target === null) return [];
  const esm = target.import?.default;
  const cjs = target.require?.default;
  if (!esm?.startsWith('./dist/esm/') || !cjs?.startsWith('./dist/cjs/') || !cjs.endsWith('.js'))
    throw new Error(`exports["${subpath}"] needs import.default in ./dist/esm and require.default in ./dist/cjs`);
  return [{ subpath, esm, cjs, name: cjs.slice('./dist/cjs/'.length, -'.js'.length) }];
});

rmSync('dist', { recursive: true, force: true });
run(...ESM, '--outDir', 'dist/tmp', '--declaration', 'false', '--removeComments', 'true');
run(...ESM, '--outDir', 'dist/types', '--emitDeclarationOnly');
for (const outDir of ['dist/cjs', 'dist/esm']) cpSync('dist/types', outDir, { recursive: true });
rmSync('dist/types', { recursive: true });

const bundle = await rolldown({
  input: Object.fromEntries(targets.map((t) => [t.name, `dist/tmp/${t.name}.js`])),
  // Other packages (@flowgate/*, peers, node:*) stay `require`s; every module keeps its side effects.
  external: (id) => !id.startsWith('.') && !id.startsWith('/'),
  platform: 'node',
  treeshake: { moduleSideEffects: true },
  logLevel: 'warn',
});
await bundle.write({ dir: 'dist/cjs', format: 'cjs', exports: 'named', esModule: true, entryFileNames: '[name].js', chunkFileNames: 'chunks/[name]-[hash].js' });
await bundle.close();
rmSync('dist/tmp', { recursive: true });
writeFileSync('dist/cjs/package.json', '{ "type": "commonjs" }\n');

for (const file of jsFiles('dist/cjs')) {
  const { code } = await minify(readFileSync(file, 'utf8'), {
    module: false,
    ecma: 2022,
    compress: { passes: 1 },
    mangle: true,
    keep_classnames: true,
    keep_fnames: true,
    format: { comments: false },
  });
  writeFileSync(file, `${code}\n`);
}

// One wrapper per export: `import` -> dist/esm/<entry>.js, `require` -> dist/cjs/<entry>.js.
// A default import of a CommonJS module is its `module.exports`, the same object `require`
// returns; the wrapper has no default export of its own, like the .d.ts beside it.
const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;
for (const { esm, cjs } of targets) {
  const mod = require(resolve(cjs));
  const names = Object.keys(mod).sort();
  const bad = names.filter((n) => !IDENTIFIER.test(n) || n === 'default');
  if (bad.length > 0) throw new Error(`${cjs} exports names an ES module wrapper cannot re-export: ${bad.join(', ')}`);
  // Bundling renames clashing top-level names (FlowgateError$1): an exported class or function must keep its own.
  const renamed = names.filter((n) => typeof mod[n] === 'function' && mod[n].name !== n && /\$\d+$/.test(mod[n].name));
  if (renamed.length > 0) throw new Error(`${cjs}: bundling renamed ${renamed.map((n) => `${n} (${mod[n].name})`).join(', ')}`);
  const from = relative(dirname(esm), cjs).replaceAll('\\', '/');
  mkdirSync(dirname(esm), { recursive: true });
  writeFileSync(esm, `import m from ${JSON.stringify(from.startsWith('.') ? from : `./${from}`)};\nexport const { ${names.join(', ')} } = m;\n`);
}
