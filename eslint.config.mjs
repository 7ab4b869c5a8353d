// ESLint (flat config) with typescript-eslint's recommended rules; formatting is Prettier's
// (`npm run format:check`), so no stylistic rules here.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '.cache/**', 'coverage/**', 'runs/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      ecmaVersion: 2023,
      sourceType: 'module',
      globals: {
        process: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        setImmediate: 'readonly',
        URL: 'readonly',
        fetch: 'readonly',
        AbortController: 'readonly',
        AbortSignal: 'readonly',
        TextEncoder: 'readonly',
        TextDecoder: 'readonly',
        require: 'readonly',
        module: 'writable',
        __dirname: 'readonly',
        __filename: 'readonly',
        globalThis: 'readonly',
        performance: 'readonly',
        queueMicrotask: 'readonly',
        structuredClone: 'readonly',
        Response: 'readonly',
        Request: 'readonly',
        Headers: 'readonly',
        Blob: 'readonly',
        ReadableStream: 'readonly',
        DOMException: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
    },
  },
  {
    // Tests and the conformance suite: mocha globals, chai's property assertions (`.to.be.true`).
    files: ['**/test/**', '**/*.test.*', 'packages/testkit/src/**', 'examples/testing/**'],
    languageOptions: {
      globals: {
        describe: 'readonly',
        it: 'readonly',
        before: 'readonly',
        after: 'readonly',
        beforeEach: 'readonly',
        afterEach: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-expressions': 'off',
      'no-regex-spaces': 'off',
      // Tests read package.json files and load packages by name where a test needs it.
      '@typescript-eslint/no-require-imports': 'off',
    },
  },
  {
    // The jest example runs under jest, which provides these.
    files: ['examples/testing/*.jest.test.mjs'],
    languageOptions: { globals: { beforeAll: 'readonly', afterAll: 'readonly', expect: 'readonly' } },
  },
  {
    // The CLI's executable is CommonJS that loads the build.
    files: ['packages/cli/bin/*.js'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // The registry loads core's built-ins and protocol packages lazily, on first use; the
    // CLI loads @omnifs/logsync only for the commands that use it; S3's and GCS's checksums
    // load the native CRC32 only where its platform binary is installed; Azure loads its
    // SDK only for what the lean path does not send.
    files: [
      'packages/azure/src/sdk.ts',
      'packages/core/src/registry.ts',
      'packages/cli/src/commands/logs.ts',
      'packages/s3/src/checksum.ts',
      'packages/gcs/src/checksum.ts',
    ],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
