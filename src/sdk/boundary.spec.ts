import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

/**
 * The "lint rule" that keeps the SDK framework-free: every file under src/sdk imports
 * only Node built-ins, other SDK files, and the one decision engine; axios only as types.
 */
const SDK = resolve(process.cwd(), 'src/sdk');
const ENGINE = resolve(process.cwd(), 'src/decisions/engine');

const IMPORT = /(?:^|[\s;])(import|export)\s+(type\s+)?(?:[^'";]*?\s+from\s+)?['"]([^'"]+)['"]|(?:import|require)\(\s*['"]([^'"]+)['"]\s*\)/g;

interface Import {
  file: string;
  specifier: string;
  typeOnly: boolean;
}

function sdkFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sdkFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') ? [path] : [];
  });
}

function importsOf(file: string): Import[] {
  const source = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/[^\n]*/g, '');
  return [...source.matchAll(IMPORT)].map((m) => ({
    file: relative(process.cwd(), file),
    specifier: m[3] ?? m[4],
    typeOnly: m[2] !== undefined,
  }));
}

/** Why an import breaks the boundary, or null when it is allowed. */
export function violation(from: string, { specifier, typeOnly }: Omit<Import, 'file'>): string | null {
  if (specifier.startsWith('node:')) return null;
  if (specifier.startsWith('.')) {
    const target = resolve(dirname(from), specifier).replace(/\.(js|ts)$/, '');
    if (target === SDK || target.startsWith(`${SDK}/`)) return null;
    if (target === ENGINE) return null;
    return `reaches outside src/sdk (${relative(process.cwd(), target)}); only src/decisions/engine is allowed`;
  }
  if (specifier === 'axios' && typeOnly) return null;
  if (/^@nestjs\//.test(specifier) || specifier === 'typeorm') return `imports the framework package ${specifier}`;
  return `imports the package ${specifier}${specifier === 'axios' ? ' at run time (use import type)' : ''}`;
}

describe('SDK boundary', () => {
  const files = sdkFiles(SDK);

  it('finds the SDK sources', () => {
    expect(files.map((f) => relative(SDK, f))).toEqual(expect.arrayContaining(['index.ts', 'guard.ts']));
  });

  it('imports nothing from NestJS, TypeORM or the server outside the engine', () => {
    const problems = files.flatMap((file) =>
      importsOf(file)
        .map((i) => ({ i, why: violation(file, i) }))
        .filter(({ why }) => why !== null)
        .map(({ i, why }) => `${i.file}: '${i.specifier}' ${why}`),
    );
    expect(problems).toEqual([]);
  });

  it.each([
    ["import { Injectable } from '@nestjs/common'", 'imports the framework package @nestjs/common'],
    ["import { DataSource } from 'typeorm'", 'imports the framework package typeorm'],
    ["import { DataMapService } from '../data-map/data-map.service'", 'reaches outside src/sdk'],
    ["import { statusOf } from '../common/http-exception.filter'", 'reaches outside src/sdk'],
    ["import axios from 'axios'", 'at run time'],
  ])('flags %s', (line, expected) => {
    const [found] = [...line.matchAll(IMPORT)].map((m) => ({ specifier: m[3] ?? m[4], typeOnly: m[2] !== undefined }));
    expect(violation(join(SDK, 'guard.ts'), found)).toContain(expected);
  });

  it.each([
    "import { decide } from '../decisions/engine'",
    "import type { InternalAxiosRequestConfig } from 'axios'",
    "import { readFileSync } from 'node:fs'",
    "import { EACH } from './payload-path'",
  ])('allows %s', (line) => {
    const [found] = [...line.matchAll(IMPORT)].map((m) => ({ specifier: m[3] ?? m[4], typeOnly: m[2] !== undefined }));
    expect(violation(join(SDK, 'guard.ts'), found)).toBeNull();
  });
});
