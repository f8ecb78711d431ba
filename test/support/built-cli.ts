import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** The compiled CLI, as the package's `bin` runs it. */
export const CLI = join(process.cwd(), 'dist/src/cli/main.js');

/**
 * Compiles the server (`tsc -p tsconfig.build.json`, what `npm run build` does for it) when
 * `dist/` is missing or older than any source file, so CLI tests run the real `bin`.
 */
export function ensureBuiltCli(): string {
  const built = mtime(CLI);
  if (built === null || newestSource('src') > built || newestSource('ormconfig.ts') > built) {
    execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
  }
  return CLI;
}

function mtime(path: string): number | null {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return null;
  }
}

function newestSource(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return readdirSync(path).reduce((newest, entry) => Math.max(newest, newestSource(join(path, entry))), stat.mtimeMs);
}
