// Builds the package in the current directory from one source into ES modules (dist/esm)
// and CommonJS (dist/cjs, marked by its own package.json). The JavaScript is minified with
// terser (names of classes and functions kept: errors are recognised by `name`); the .d.ts
// keep their comments (what editors show), one set copied into both formats.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { minify } from 'terser';

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const run = (...args) => execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json', ...args], { stdio: 'inherit' });
const formats = [
  { outDir: 'dist/esm', module: true, flags: ['--module', 'nodenext', '--moduleResolution', 'nodenext'] },
  { outDir: 'dist/cjs', module: false, flags: ['--module', 'commonjs', '--moduleResolution', 'bundler'] },
];

function jsFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? jsFiles(join(dir, e.name)) : e.name.endsWith('.js') ? [join(dir, e.name)] : [],
  );
}

rmSync('dist', { recursive: true, force: true });
for (const { outDir, flags } of formats) run(...flags, '--outDir', outDir, '--declaration', 'false', '--removeComments', 'true');
// One set of declarations serves both: under dist/cjs the same files are read as CommonJS.
run(...formats[0].flags, '--outDir', 'dist/types', '--emitDeclarationOnly');
for (const { outDir } of formats) cpSync('dist/types', outDir, { recursive: true });
rmSync('dist/types', { recursive: true });
mkdirSync('dist/cjs', { recursive: true });
writeFileSync('dist/cjs/package.json', '{ "type": "commonjs" }\n');

for (const { outDir, module } of formats) {
  for (const file of jsFiles(outDir)) {
    const { code } = await minify(readFileSync(file, 'utf8'), {
      module,
      ecma: 2022,
      compress: { passes: 1 },
      mangle: true,
      keep_classnames: true,
      keep_fnames: true,
      format: { comments: false },
    });
    writeFileSync(file, `${code}\n`);
  }
}
