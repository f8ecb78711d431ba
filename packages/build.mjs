// Builds the package in the current directory from one source into one CommonJS build
// (dist/cjs, marked by its own package.json) and, for each export, an ES module wrapper
// (dist/esm) that imports that CommonJS module and re-exports its named exports: `import`
// and `require` then load the same module instance (one guard, one cache, one egress hook;
// Node's "ES module wrapper", nodejs.org/api/packages.html#dual-package-hazard). The wrappers
// are generated from the names the built CommonJS module exports, so nothing is listed by
// hand. The JavaScript is minified with terser (names of classes and functions kept: errors
// are recognised by `name`); the .d.ts keep their comments (what editors show), one set
// copied into both folders (under dist/cjs they are read as CommonJS, under dist/esm as ES
// modules, each matching the JavaScript beside it).
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { minify } from 'terser';

const require = createRequire(import.meta.url);
const tsc = require.resolve('typescript/bin/tsc');
const run = (...args) => execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json', ...args], { stdio: 'inherit' });
const ESM = ['--module', 'nodenext', '--moduleResolution', 'nodenext'];
const CJS = ['--module', 'commonjs', '--moduleResolution', 'bundler'];

function jsFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? jsFiles(join(dir, e.name)) : e.name.endsWith('.js') ? [join(dir, e.name)] : [],
  );
}

rmSync('dist', { recursive: true, force: true });
run(...CJS, '--outDir', 'dist/cjs', '--declaration', 'false', '--removeComments', 'true');
run(...ESM, '--outDir', 'dist/types', '--emitDeclarationOnly');
for (const outDir of ['dist/cjs', 'dist/esm']) cpSync('dist/types', outDir, { recursive: true });
rmSync('dist/types', { recursive: true });
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
const { exports: entries } = JSON.parse(readFileSync('package.json', 'utf8'));
for (const [subpath, target] of Object.entries(entries)) {
  if (typeof target !== 'object' || target === null) continue;
  const esm = target.import?.default;
  const cjs = target.require?.default;
  if (!esm || !cjs) throw new Error(`exports["${subpath}"] needs import.default and require.default`);
  const names = Object.keys(require(resolve(cjs))).sort();
  const bad = names.filter((n) => !IDENTIFIER.test(n) || n === 'default');
  if (bad.length > 0) throw new Error(`${cjs} exports names an ES module wrapper cannot re-export: ${bad.join(', ')}`);
  const from = relative(dirname(esm), cjs).replaceAll('\\', '/');
  mkdirSync(dirname(esm), { recursive: true });
  writeFileSync(esm, `import m from ${JSON.stringify(from.startsWith('.') ? from : `./${from}`)};\nexport const { ${names.join(', ')} } = m;\n`);
}
