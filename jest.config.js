/**
 * Three tiers, one command: unit specs beside the code, e2e against the whole app.
 * NestJS 12 ships as ES modules only and Jest on Node 20 cannot require() them, so tests
 * run as native ES modules (`--experimental-vm-modules`, set by the npm scripts).
 */
const tsJest = ['ts-jest', { tsconfig: 'tsconfig.jest.json', useESM: true }];
const common = {
  moduleFileExtensions: ['ts', 'js', 'mjs', 'json'],
  extensionsToTreatAsEsm: ['.ts'],
  transform: { '^.+\\.ts$': tsJest },
  testEnvironment: 'node',
};
/** The e2e specs that also run on PostgreSQL (project `e2e-postgres`). */
const POSTGRES_SPECS = ['consent', 'decisions', 'data-map', 'auth', 'audit-retention', 'multi-instance', 'backup-restore', 'change-log', 'schema'];
module.exports = {
  projects: [
    { ...common, displayName: 'unit', rootDir: '.', testMatch: ['<rootDir>/src/**/*.spec.ts'] },
    { ...common, displayName: 'e2e', rootDir: '.', testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'] },
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
    { ...common, displayName: 'sdk', rootDir: '.', testMatch: ['<rootDir>/test/sdk/**/*.spec.ts'] },
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
