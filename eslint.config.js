// ESLint for defects, not looks (layout is Prettier's; layering is
// dependency-cruiser's, see .dependency-cruiser.cjs).
//
// TypeScript gets typescript-eslint's type-aware `recommendedTypeChecked`: the
// rules that need types are the ones that catch this server's real failure
// modes (a promise nobody awaits, an async listener whose rejection nothing
// catches, `any` leaking out of JSON, knex or a socket). The few changes to it
// are below, each with its reason. public/*.js is the browser client: plain
// ES modules, linted without types.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default defineConfig(
  { ignores: ['node_modules/', 'data/', 'artifacts/', 'dist/'] },

  {
    name: 'typescript (src, test, bench, knexfile.ts)',
    files: ['**/*.ts'],
    extends: [js.configs.recommended, ...tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      // The project service reads tsconfig.json, so ESLint sees the types tsc sees.
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // Ports return promises; fakes, the knex migration source and in-memory
      // adapters fulfil them without awaiting anything. A forgotten await is
      // what no-floating-promises catches.
      '@typescript-eslint/require-await': 'off',
      // `const { clientId: _, ...rest } = message` is how this code omits a field.
      '@typescript-eslint/no-unused-vars': ['error', { ignoreRestSiblings: true }],
      // `let x; const server = createServer(() => x?.accept()); x = ...` is a
      // deliberate forward reference from a callback, not a missed const.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      // `catch (error) { reject(error) }` passes a caught error on, as
      // `throw error` does (which only-throw-error already allows).
      '@typescript-eslint/prefer-promise-reject-errors': ['error', { allowThrowingUnknown: true }],
      // Added: `return promise` inside try/catch skips the catch; inside a
      // finally it runs the cleanup before the promise settles.
      '@typescript-eslint/return-await': ['error', 'in-try-catch'],
      // Added: a new protocol command or error code must not fall through a
      // switch silently; a deliberate `default:` still counts as handling it.
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      // Added: `==` coerces; `== null` (the one idiom in use) stays allowed.
      eqeqeq: ['error', 'smart'],
    },
  },

  {
    name: 'tests',
    files: ['test/**/*.ts'],
    rules: {
      // Tests read parsed JSON bodies, frames and log lines field by field on
      // purpose; the assertion that follows is the check, and a typed wrapper
      // for every response would hide what is being asserted.
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
      // chai's property assertions (`expect(x).to.be.empty`) are expressions by design.
      '@typescript-eslint/no-unused-expressions': 'off',
    },
  },

  {
    name: 'browser client (public/*.js)',
    files: ['public/**/*.js'],
    extends: [js.configs.recommended],
    languageOptions: { sourceType: 'module', globals: globals.browser },
  },

  {
    name: 'tool configs (eslint.config.js, .dependency-cruiser.cjs)',
    files: ['*.js', '*.cjs', '*.mjs'],
    extends: [js.configs.recommended],
    languageOptions: { globals: globals.node },
  },
);
