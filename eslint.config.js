// ESLint with type information (typescript-eslint's recommendedTypeChecked), run by `npm test`
// with --max-warnings=0. Formatting is Prettier's (.prettierrc.json), not the linter's.
import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  // .doc-examples/: the docs' code blocks as a project, written by test/docs/doc-examples.test.ts.
  { ignores: ['dist/**', 'coverage/**', 'node_modules/**', 'bench-results/**', '.doc-examples/**'] },
  eslint.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        project: './tsconfig.test.json',
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      // `catch (error) { return Promise.reject(error); }` passes on what was thrown, whatever it is.
      '@typescript-eslint/prefer-promise-reject-errors': ['error', { allowThrowingUnknown: true }],
      // A leading underscore marks a parameter an override or a callback must take but not use.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Prettier does not break strings, template literals or comments: this keeps them within its printWidth.
    files: ['src/**/*.ts', 'workers/**/*.ts'],
    rules: { 'max-len': ['error', { code: 120, ignoreUrls: true }] },
  },
  {
    files: ['**/*.js'],
    extends: [tseslint.configs.disableTypeChecked],
  },
);
