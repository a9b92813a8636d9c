/**
 * ESLint (flat config). `@nx/enforce-module-boundaries` keeps the arrows of STYLE.md one way:
 * apps → libs; notifications → directory, queue, scim, config; directory → scim, queue, config (never notifications); scim, queue, config and telemetry depend on nothing of ours.
 * Tools may use every lib; nothing imports an app or a tool. The console's front end (admin-web)
 * may use only the admin API's types.
 */
const nx = require('@nx/eslint-plugin');
const prettier = require('eslint-config-prettier');

module.exports = [
  { ignores: ['dist/**', 'node_modules/**', '.nx/**', 'coverage/**'] },
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  {
    files: ['**/*.ts', '**/*.tsx'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: [],
          depConstraints: [
            { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:lib'] },
            { sourceTag: 'type:tool', onlyDependOnLibsWithTags: ['type:lib'] },
            { sourceTag: 'app:admin-web', onlyDependOnLibsWithTags: ['lib:admin-api'] },
            { sourceTag: 'lib:admin-api', onlyDependOnLibsWithTags: [] },
            { sourceTag: 'lib:directory', onlyDependOnLibsWithTags: ['lib:scim', 'lib:queue', 'lib:config'] },
            {
              sourceTag: 'lib:notifications',
              onlyDependOnLibsWithTags: ['lib:directory', 'lib:queue', 'lib:scim', 'lib:config'],
            },
            { sourceTag: 'lib:scim', onlyDependOnLibsWithTags: [] },
            { sourceTag: 'lib:queue', onlyDependOnLibsWithTags: ['lib:scim'] },
            { sourceTag: 'lib:config', onlyDependOnLibsWithTags: [] },
            { sourceTag: 'lib:telemetry', onlyDependOnLibsWithTags: [] },
          ],
        },
      ],
      // Used after a check the compiler cannot follow (array lookups); strictNullChecks stays on.
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
    },
  },
  {
    // Test helpers (one drops databases) never reach production code: only tests import them.
    files: ['apps/*/src/**/*.ts', 'libs/*/src/**/*.ts', 'tools/**/*.ts'],
    ignores: ['**/*.spec.ts', '**/*.int-spec.ts', '**/*.e2e-spec.ts', 'libs/*/src/testing/**', 'tools/test/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@scim/*/testing', '**/testing', '**/testing/*'],
              message: 'Test helpers are for tests only (*.spec.ts, *.int-spec.ts, test/).',
            },
          ],
        },
      ],
    },
  },
  {
    // Tests may use `any` for response bodies.
    files: ['**/*.spec.ts', '**/*.int-spec.ts', 'test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  // Formatting is Prettier's (`npm run lint` checks it); ESLint keeps to correctness.
  prettier,
  {
    files: ['**/*.js'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: {
        require: 'readonly',
        module: 'writable',
        __dirname: 'readonly',
        process: 'readonly',
        console: 'readonly',
      },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
];
