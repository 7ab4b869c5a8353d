'use strict';
// One mocha run for the whole repository: package suites, cross-package tests and
// the server-backed suites (started once per run by test/servers' root hook).
module.exports = {
  require: ['tsx/cjs', './test/servers/hooks.ts'],
  extension: ['ts'],
  spec: ['packages/*/test/**/*.test.ts', 'test/**/*.test.ts'],
  timeout: 30000,
  reporter: 'spec',
};
