import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.e2e/**', 'bench/out/**', 'test-results/**', 'examples/**', '**/fixtures/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-imports': ['error', { paths: [{ name: 'vscode', message: "Only src/extension imports 'vscode'." }] }],
    },
  },
  { files: ['src/extension/**', 'test/e2e/**'], rules: { 'no-restricted-imports': 'off' } },
);
