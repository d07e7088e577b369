// ESLint for the server (src, test, bench, reliability, scripts) and the web UI (web/src).
// Formatting is Prettier's alone (.prettierrc.json): eslint-config-prettier comes last and turns off
// every stylistic rule that would disagree with it.
import js from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import prettier from 'eslint-config-prettier';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default defineConfig(
  globalIgnores([
    'dist/',
    'build/',
    'web/dist/',
    'coverage/',
    'data/',
    'test-artifacts/',
    'bench/results/',
    'reliability/results/',
    'web/src/api/schema.d.ts',
  ]),
  js.configs.recommended,
  // The non-type-checked set: see the note on type-checked linting at the end of this file.
  tseslint.configs.recommended,
  {
    files: ['**/*.{ts,mts,tsx}'],
    rules: {
      // Unused bindings are tsc's job (noUnusedLocals). It allows `_`-prefixed parameters such as
      // `@NoBody() _body: unknown`, which Nest needs in the signature for the decorator to run.
      '@typescript-eslint/no-unused-vars': [
        'error',
        { args: 'none', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true },
      ],
      // Nest modules, guards and DTOs are classes by design, some of them empty (`class ListApiUserTokensQueryDto extends PageQueryDto {}`).
      '@typescript-eslint/no-extraneous-class': 'off',
    },
  },
  {
    files: [
      'src/**/*.ts',
      'test/**/*.ts',
      'bench/**/*.{ts,mjs}',
      'reliability/**/*.ts',
      'harness/**/*.ts',
      'scripts/**/*.ts',
      '*.{js,mjs}',
      'web/vite.config.mts',
    ],
    languageOptions: { globals: { ...globals.node } },
  },
  {
    // The client's address is read in one place (src/common/client-address.ts drops a port a proxy
    // appends): a limit or allow-list reading Fastify's `ip` itself would count each port apart again.
    files: ['src/**/*.ts'],
    ignores: ['src/common/client-address.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector:
            "MemberExpression[property.name='ip'][object.name=/^(request|req)$/], MemberExpression[property.name='ip'][object.property.name='req']",
          message: "Read the client's address with clientAddress(request) (src/common/client-address.ts).",
        },
      ],
    },
  },
  {
    // Tools and HTTP tests read the JSON bodies of answers, untyped by nature (supertest's are `any`);
    // src/ and web/ keep the rule.
    files: ['test/**/*.ts', 'harness/**/*.ts', 'reliability/**/*.ts', 'bench/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['jest.config.js'],
    languageOptions: { sourceType: 'commonjs', globals: { ...globals.node } },
  },
  {
    files: ['test/**/*.ts', 'src/**/*.spec.ts'],
    languageOptions: { globals: { ...globals.jest } },
  },
  {
    files: ['web/src/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      // A stale dependency is a real bug in a hook; the few hooks that take their caller's deps say so with a disable comment.
      'react-hooks/exhaustive-deps': 'error',
      // A React Compiler rule, and this UI is not compiled by it: it takes every object that carries a
      // ref (useForm()'s form, handed to each field) for a ref read during render, 126 false alarms.
      'react-hooks/refs': 'off',
    },
  },
  prettier,
);

// Type-checked linting (recommendedTypeChecked with the project service) was measured on this tree:
// about twice the CPU of this set for the server code alone, and 1,200 findings, all but a handful
// no-unsafe-* on supertest's `any` response bodies in test/; in src/ it found no defect that `tsc`
// and this set miss. Worth another look once test bodies are typed.
