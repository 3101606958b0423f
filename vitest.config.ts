import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Integration tests start real PostgreSQL servers; on a 2-core machine two files at a time
    // is the most that helps.
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    teardownTimeout: 60_000,
    globalSetup: ['test/support/global-setup.ts'],
    // The SDK warns that its 2027 releases need Node 22; tests run on this machine's Node 20 while the
    // Lambdas run on 24 (bench:bundle runs the bundles there). One warning per test process buries the
    // report.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
});
