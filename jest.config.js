/**
 * Three tiers, one command: unit specs beside the code (server and packages), e2e against
 * the whole app, SDK tests against loopback vendors, browser tests in chromium, and the
 * packed packages installed into a scratch app. NestJS 12 ships as ES modules only and
 * Jest on Node 20 cannot require() them, so tests run as native ES modules
 * (`--experimental-vm-modules`, set by the npm scripts).
 *
 * The packages are tested from source: `@flowgate/*` maps to `packages/<name>/src`, and
 * the `.js` endings the packages' own ES module imports carry map to their `.ts` files.
 */
const tsJest = ['ts-jest', { tsconfig: 'tsconfig.jest.json', useESM: true }];
const common = {
  moduleFileExtensions: ['ts', 'js', 'mjs', 'json'],
  extensionsToTreatAsEsm: ['.ts'],
  transform: { '^.+\\.ts$': tsJest },
  testEnvironment: 'node',
  moduleNameMapper: {
    '^@flowgate/(core|sdk|nest|egress)$': '<rootDir>/packages/$1/src/index.ts',
    '^@flowgate/egress/internal$': '<rootDir>/packages/egress/src/internal.ts',
    '^@flowgate/sdk/(axios|internal)$': '<rootDir>/packages/sdk/src/$1.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
};
/** The e2e specs that also run on PostgreSQL (project `e2e-postgres`). */
const POSTGRES_SPECS = ['consent', 'decisions', 'data-map', 'auth', 'audit-retention', 'multi-instance', 'backup-restore', 'change-log', 'schema', 'database-down',
  'rate-limit-instances', 'change-feed-lag', 'replica', 'consent-batches', 'preference-route',
  'postgres-literal', 'consent-one-statement', 'test-cluster'];
/** The e2e specs that run on PostgreSQL only (a SQLite file has no database server to lose). */
const POSTGRES_ONLY_SPECS = ['database-down', 'replica', 'postgres-literal', 'consent-one-statement', 'test-cluster'];
module.exports = {
  // `npm test` runs the suites one at a time in one worker (`--maxWorkers=1`: the e2e tiers
  // share ports, a PostgreSQL cluster and the machine's two cores), and that worker is replaced
  // once it holds more than this after a test file: each file's whole vm context (every module
  // it loaded, and what their top-level bindings hold) stays reachable, about 40 MB an e2e file
  // here, and in one process the whole run passed V8's 4 GB heap limit. That is Node's, not
  // ours: a vm.SourceTextModule (Jest's ES module support) is never collected and keeps its
  // context (nodejs/node#59118); a spec importing nothing that holds 40 MB grows the heap by
  // 40 MB a file, and by nothing without --experimental-vm-modules.
  workerIdleMemoryLimit: '1GB',
  projects: [
    {
      ...common,
      displayName: 'unit',
      rootDir: '.',
      testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/packages/*.spec.ts', '<rootDir>/packages/*/src/**/*.spec.ts'],
    },
    {
      ...common,
      displayName: 'e2e',
      rootDir: '.',
      testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
      testPathIgnorePatterns: ['/node_modules/', ...POSTGRES_ONLY_SPECS.map((name) => `/test/e2e/${name}\\.e2e-spec\\.ts$`)],
      // Child-process servers and CLIs load the built packages: built here when stale.
      globalSetup: '<rootDir>/test/support/global-setup.cjs',
    },
    {
      // The same specs on PostgreSQL (test/support/test-database.ts), where the database
      // changes what they test: consent, decisions, the map, auth, audit, several instances.
      // The rest (SQLite pragmas and files, manifest byte-for-byte, compression, CLI) stay SQLite-only.
      ...common,
      displayName: 'e2e-postgres',
      rootDir: '.',
      testMatch: POSTGRES_SPECS.map((name) => `<rootDir>/test/e2e/${name}.e2e-spec.ts`),
      setupFiles: ['<rootDir>/test/support/use-postgres.cjs'],
      // Starts and stops a throwaway PostgreSQL cluster (initdb + pg_ctl) for the run.
      globalSetup: '<rootDir>/test/e2e/global-setup.cjs',
      globalTeardown: '<rootDir>/test/e2e/global-teardown.cjs',
    },
    {
      ...common,
      displayName: 'sdk',
      rootDir: '.',
      testMatch: ['<rootDir>/test/sdk/**/*.spec.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.cjs',
    },
    {
      ...common,
      displayName: 'packages',
      rootDir: '.',
      testMatch: ['<rootDir>/test/packages/**/*.spec.ts'],
      // Packs the three packages and installs them into a scratch app outside the repo, once.
      globalSetup: '<rootDir>/test/packages/global-setup.cjs',
      globalTeardown: '<rootDir>/test/packages/global-teardown.cjs',
    },
    {
      ...common,
      displayName: 'browser',
      rootDir: '.',
      testMatch: ['<rootDir>/test/browser/**/*.browser-spec.ts'],
      // Builds client/dist once, only when a browser test runs (so a clean checkout works).
      globalSetup: '<rootDir>/test/browser/global-setup.cjs',
    },
  ],
};
