import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';

/**
 * The package boundaries of STYLE.md, read from the sources: each package imports only
 * Node built-ins, its own files, and what its package.json declares (dependencies and
 * peers). `@flowgate/core` declares nothing, so it imports nothing; axios, an optional
 * peer of the SDK, only as types.
 */
const PACKAGES = resolve(process.cwd(), 'packages');
const IMPORT = /(?:^|[\s;])(import|export)\s+(type\s+)?(?:[^'";]*?\s+from\s+)?['"]([^'"]+)['"]|(?:import|require)\(\s*['"]([^'"]+)['"]\s*\)/g;

interface Manifest {
  name: string;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}

/** Specs and the fixtures they share: test-only, left out of the build (tsconfig.build.json). */
const TEST_ONLY = /\.(spec|fixture)\.ts$/;

/** The files the package's build compiles. */
function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return entry.name.endsWith('.ts') && !TEST_ONLY.test(entry.name) ? [path] : [];
  });
}

function packageOf(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/**
 * Files that may load an optional peer at run time: each is reached only from the subpath
 * export named for that peer (`@flowgate/sdk/axios`), which only services that have the
 * peer import. The main entry must not reach them (test/packages checks that importing
 * `@flowgate/sdk` loads no third-party module).
 */
const PEER_ENTRY_FILES: Record<string, Record<string, string>> = {
  '@flowgate/sdk': { axios: 'src/adapters/axios.ts' },
};

/** Why `specifier`, imported from `file` of the package `pkg`, breaks the boundary; null when allowed. */
export function violation(pkgDir: string, pkg: Manifest, file: string, specifier: string, typeOnly: boolean): string | null {
  if (specifier.startsWith('node:') || builtinModules.includes(specifier)) return null;
  if (specifier.startsWith('.')) {
    const target = resolve(dirname(file), specifier);
    // A shipped file importing a test fixture would pull it (and its test dependencies) into the build.
    if (TEST_ONLY.test(target.replace(/\.js$/, '.ts'))) return `imports the test-only ${relative(PACKAGES, target)}`;
    return target.startsWith(join(pkgDir, 'src')) ? null : `reaches outside ${pkg.name} (${relative(PACKAGES, target)})`;
  }
  const name = packageOf(specifier);
  if (pkg.dependencies?.[name] !== undefined) return null;
  if (pkg.peerDependencies?.[name] !== undefined) {
    const entryFile = PEER_ENTRY_FILES[pkg.name]?.[name];
    const fromEntry = entryFile !== undefined && file === join(pkgDir, entryFile);
    if (pkg.peerDependenciesMeta?.[name]?.optional === true && !typeOnly && !fromEntry) {
      return `imports the optional peer ${name} at run time (use import type, or do it in its subpath entry's file)`;
    }
    return null;
  }
  return `imports ${name}, which ${pkg.name}'s package.json does not declare`;
}

const packages = readdirSync(PACKAGES, { withFileTypes: true })
  .filter((e) => e.isDirectory())
  .map((e) => ({ dir: join(PACKAGES, e.name), manifest: JSON.parse(readFileSync(join(PACKAGES, e.name, 'package.json'), 'utf8')) as Manifest }));

describe('package boundaries', () => {
  it('finds the four packages', () => {
    expect(packages.map((p) => p.manifest.name).sort()).toEqual(['@flowgate/core', '@flowgate/egress', '@flowgate/nest', '@flowgate/sdk']);
  });

  it('keeps @flowgate/egress to @flowgate/sdk and @flowgate/core', () => {
    const egress = packages.find((p) => p.manifest.name === '@flowgate/egress')!.manifest;
    expect(Object.keys({ ...egress.dependencies, ...egress.peerDependencies }).sort()).toEqual(['@flowgate/core', '@flowgate/sdk']);
  });

  it('keeps @flowgate/core free of dependencies', () => {
    const core = packages.find((p) => p.manifest.name === '@flowgate/core')!.manifest;
    expect({ ...core.dependencies, ...core.peerDependencies }).toEqual({});
  });

  it.each(packages.map((p) => [p.manifest.name, p] as const))('%s imports only what its package.json declares', (_name, pkg) => {
    const problems: string[] = [];
    for (const file of sources(join(pkg.dir, 'src'))) {
      const text = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/[^\n]*/g, '');
      for (const m of text.matchAll(IMPORT)) {
        const problem = violation(pkg.dir, pkg.manifest, file, m[3] ?? m[4], m[2] !== undefined);
        if (problem !== null) problems.push(`${relative(PACKAGES, file)}: ${problem}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it.each([
    ["import { DataMapService } from '../../../src/data-map/data-map.service'", 'reaches outside'],
    ["import { Injectable } from '@nestjs/common'", 'does not declare'],
    ["import { DataSource } from 'typeorm'", 'does not declare'],
    ["import axios from 'axios'", 'optional peer axios at run time'],
    ["import { MAP } from './guard-fast-path.fixture.js'", 'imports the test-only'],
  ])('rejects %s in the SDK', (line, why) => {
    const sdk = packages.find((p) => p.manifest.name === '@flowgate/sdk')!;
    const [m] = [...line.matchAll(IMPORT)];
    expect(violation(sdk.dir, sdk.manifest, join(sdk.dir, 'src/guard.ts'), m[3] ?? m[4], m[2] !== undefined)).toContain(why);
  });

  it('lets only the axios entry file load axios at run time, and no file on the main entry path import that file', () => {
    const sdk = packages.find((p) => p.manifest.name === '@flowgate/sdk')!;
    expect(violation(sdk.dir, sdk.manifest, join(sdk.dir, 'src/adapters/axios.ts'), 'axios', false)).toBeNull();
    const reached = new Set<string>();
    const visit = (file: string) => {
      if (reached.has(file)) return;
      reached.add(file);
      const text = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/[^\n]*/g, '');
      for (const m of text.matchAll(IMPORT)) {
        const spec = m[3] ?? m[4];
        if (m[2] !== undefined || !spec.startsWith('.')) continue;
        visit(resolve(dirname(file), spec).replace(/\.js$/, '.ts'));
      }
    };
    visit(join(sdk.dir, 'src/index.ts'));
    expect(reached.has(join(sdk.dir, 'src/adapters/axios.ts'))).toBe(false);
  });

  it.each([
    "import type { InternalAxiosRequestConfig } from 'axios'",
    "import { decide } from '@flowgate/core'",
    "import { createHash } from 'node:crypto'",
    "import { mergeDecisions } from './decisions.js'",
  ])('allows %s in the SDK', (line) => {
    const sdk = packages.find((p) => p.manifest.name === '@flowgate/sdk')!;
    const [m] = [...line.matchAll(IMPORT)];
    expect(violation(sdk.dir, sdk.manifest, join(sdk.dir, 'src/guard.ts'), m[3] ?? m[4], m[2] !== undefined)).toBeNull();
  });
});
