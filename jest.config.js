// NestJS 12 is ESM-only and jest on Node 20 cannot require ESM, so node_modules' ESM goes through swc too (see STACK.md).
const swc = {
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
    target: 'es2022',
    keepClassNames: true,
  },
  module: { type: 'commonjs' },
};

module.exports = {
  rootDir: '.',
  // Node's, plus the embedded test databases, started outside the files' sandboxes (see the file).
  testEnvironment: '<rootDir>/test/support/test-environment.ts',
  testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/test/**/*.e2e-spec.ts'],
  transform: {
    '^.+\\.(t|j)s$': ['@swc/jest', swc],
    '^.+\\.cjs$': ['@swc/jest', { jsc: { parser: { syntax: 'ecmascript' } }, module: { type: 'commonjs', ignoreDynamic: false } }],
  },
  // Mercurius loads quick-lru (ESM) with a dynamic import: both go through swc too.
  // openapi-typescript's own dependencies (parse-json, change-case, …) are ESM too: the contract test generates the web UI's types.
  // light-my-request (Fastify's inject, the token check's warm-up at start) requires cookie, ESM since 2.0.
  transformIgnorePatterns: [
    '/node_modules/(?!(@nestjs|uid|load-esm|file-type|@electric-sql|content-disposition|openapi-typescript|parse-json|index-to-position|change-case|supports-color|mercurius|quick-lru|jose|cookie)/)',
  ],
  moduleFileExtensions: ['js', 'cjs', 'json', 'ts'],
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  testTimeout: 60000,
  // Each test file has its own database; two workers match the two cores.
  maxWorkers: 2,
  // A worker that has run a file is past this and is replaced by a fresh one. Each file leaves a worker
  // slower than it found it (test/api alone, 38 files on two workers: 286 s as they were, 233 s with a
  // 1.2 GB limit, 215 s with 700 MB, 188 s with 400 MB; the whole embedded run had reached 4.7 GB per
  // worker and ran its later files 2-4x slower than the same files on PostgreSQL). A new worker costs
  // less than a second; a file's apps and databases take more than this limit, so nearly every file
  // starts in a new worker.
  workerIdleMemoryLimit: '400MB',
};
