// Builds the package in the current directory from one source into ES modules (dist/esm)
// and CommonJS (dist/cjs, marked by its own package.json). The JavaScript is emitted without
// comments (what runs stays small); the .d.ts keep them (what editors show).
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const run = (...args) => execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json', ...args], { stdio: 'inherit' });
const formats = [
  { outDir: 'dist/esm', flags: ['--module', 'nodenext', '--moduleResolution', 'nodenext'] },
  { outDir: 'dist/cjs', flags: ['--module', 'commonjs', '--moduleResolution', 'bundler'] },
];

rmSync('dist', { recursive: true, force: true });
for (const { outDir, flags } of formats) run(...flags, '--outDir', outDir, '--declaration', 'false', '--removeComments', 'true');
// One set of declarations serves both: under dist/cjs the same files are read as CommonJS.
run(...formats[0].flags, '--outDir', 'dist/types', '--emitDeclarationOnly');
for (const { outDir } of formats) cpSync('dist/types', outDir, { recursive: true });
rmSync('dist/types', { recursive: true });
mkdirSync('dist/cjs', { recursive: true });
writeFileSync('dist/cjs/package.json', '{ "type": "commonjs" }\n');
