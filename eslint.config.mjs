// ESLint flat config: TypeScript rules for the server, SDK, client, tests and benches,
// plus the rule that the server imports the packages by name (see STYLE.md).
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'packages/*/dist/**', 'client/dist/**', 'coverage/**', 'node_modules/**', 'src/database/migrations/*-*.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node, ...globals.jest } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['client/**/*.ts'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    // Package boundaries are package.json's (packages/boundaries.spec.ts checks the imports);
    // this only keeps the server from reaching into a package's files instead of its exports.
    files: ['src/**/*.ts', 'test/**/*.ts', 'bench/**/*.ts', 'client/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ regex: '(^|/)packages/[a-z-]+/src', message: 'Import @flowgate/core, @flowgate/sdk or @flowgate/nest, not their files.' }] },
      ],
    },
  },
  {
    files: ['**/*.cjs', '**/*.js', '**/*.mjs'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
