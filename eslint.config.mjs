// Lint: typescript-eslint's recommended rules plus the type-aware ones that catch the classic bugs of
// Temporal workflow code (a promise nobody awaits, a promise where a callback's result is ignored).
// Run by `npm run lint`, which the test command (and so CI) runs.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/**', '.tools/**', 'plan-out/**', 'lab/mirror/**', 'lab/.state/**', 'schema/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // node:test's test()/describe() return promises the runner itself awaits.
      '@typescript-eslint/no-floating-promises': [
        'error',
        { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['test', 'describe', 'it', 'suite'] }] },
      ],
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // Workflow code must stay deterministic: these are also refused by the bundler, said earlier here.
      'no-restricted-properties': [
        'error',
        { object: 'Math', property: 'random', message: 'nondeterministic in workflows; use the SDK (workflow/uuid4) or pass it in' },
      ],
    },
  },
  {
    files: ['src/workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['node:*', 'fs', 'path', 'child_process', 'os', 'crypto', 'net', 'ssh2', 'nunjucks'],
              message: 'workflow code is deterministic: no I/O',
            },
            {
              group: ['../activities/*', '../../activities/*', '!../activities/types', '!../../activities/types'],
              message: 'workflows import only activity types',
            },
            {
              group: ['**/render/*', '**/cli/*', '**/temporal/*'],
              message: 'workflows import only contracts, inventory types and activity types',
            },
          ],
        },
      ],
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression[callee.object.name='Date'][callee.property.name='now']",
          message: 'use workflow time (Date is deterministic only through the SDK)',
        },
      ],
    },
  },
  // The layers (docs/code-map.md), ground floor first: sources-digest and inventory import no other part of
  // hakube; contracts and render build on inventory; activities on those; temporal on workflows (types)
  // and contracts; cli on everything. Each floor is refused what lies above it.
  ...layer(
    'src/sources-digest.ts',
    ['**/inventory/*', '**/contracts/*', '**/render/*', '**/activities/*', '**/temporal/*', '**/workflows/*', '**/cli/*', '**/plan/*'],
    'the sources digest is a leaf: Node built-ins only',
  ),
  ...layer(
    'src/inventory/**/*.ts',
    ['**/contracts/*', '**/render/*', '**/activities/*', '**/temporal/*', '**/workflows/*', '**/cli/*', '**/plan/*'],
    'the inventory is the ground floor: it imports no other part of hakube',
  ),
  ...layer(
    'src/contracts/**/*.ts',
    ['**/render/*', '**/activities/*', '**/temporal/*', '**/workflows/*', '**/cli/*', '**/plan/*'],
    'contracts are shared data: they import the inventory only',
  ),
  ...layer(
    'src/render/**/*.ts',
    ['**/activities/*', '**/temporal/*', '**/workflows/*', '**/cli/*', '**/plan/*'],
    'the renderer imports contracts and the inventory only',
  ),
  ...layer(
    'src/activities/**/*.ts',
    ['**/workflows/*', '**/cli/*', '**/temporal/*', '**/plan/*'],
    'activities import contracts, not workflows, Temporal or the CLI',
  ),
  ...layer(
    'src/temporal/**/*.ts',
    ['**/activities/*', '**/cli/*', '**/plan/*'],
    'the Temporal layer imports workflows (types) and contracts, not activities or the CLI',
  ),
);

/** Refuses imports of the given layers from the files of one layer. */
function layer(files, above, message) {
  return [{ files: [files], rules: { 'no-restricted-imports': ['error', { patterns: [{ group: above, message }] }] } }];
}
