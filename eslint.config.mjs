// ESLint flat config: TypeScript rules for the server, SDK, client, tests and benches,
// plus the rule that keeps the SDK framework-free (see STYLE.md).
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'client/dist/**', 'coverage/**', 'node_modules/**', 'src/database/migrations/*-*.ts'] },
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
    // The SDK runs inside other people's services: no Nest, no TypeORM, nothing of the
    // server but the pure decision engine.
    files: ['src/sdk/**/*.ts'],
    ignores: ['src/sdk/**/*.spec.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['@nestjs/*', 'typeorm', 'express'], message: 'src/sdk is framework-free (see STYLE.md).' },
            {
              regex: '^\\.\\./\\.\\./(?!decisions/engine)',
              message: 'src/sdk may import only the pure engine from the server (src/decisions/engine).',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.cjs', '**/*.js', '**/*.mjs'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
