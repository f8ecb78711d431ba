// Builds the package in the current directory twice from one source: ES modules into
// dist/esm and CommonJS into dist/cjs (marked by its own package.json), each with .d.ts.
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const run = (...args) => execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json', ...args], { stdio: 'inherit' });

rmSync('dist', { recursive: true, force: true });
run('--module', 'nodenext', '--moduleResolution', 'nodenext', '--outDir', 'dist/esm');
run('--module', 'commonjs', '--moduleResolution', 'bundler', '--outDir', 'dist/cjs');
mkdirSync('dist/cjs', { recursive: true });
writeFileSync('dist/cjs/package.json', '{ "type": "commonjs" }\n');
