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
  // The CLI loads heavy modules lazily, `import('./x.js')` as Node needs it; Jest finds x.ts.
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
};
module.exports = {
  projects: [
    { ...common, displayName: 'unit', rootDir: '.', testMatch: ['<rootDir>/src/**/*.spec.ts'] },
    {
      ...common,
      displayName: 'e2e',
      rootDir: '.',
      testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
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
