import { defineConfig } from 'vitest/config';

/**
 * The vitest configuration Stryker runs (`npm run test:mutation`, stryker.config.json): the unit tests
 * of the data-safety core only. No PostgreSQL global setup, no servers, and none of the handler, CLI
 * or local-runner tests, whose AWS SDK imports would make every static mutant cost many seconds more
 * (Stryker reruns every test for those). Stryker runs its own workers, so one fork each.
 */
export default defineConfig({
  test: {
    include: [
      'test/unit/lsn.test.ts',
      'test/unit/start-position.test.ts',
      'test/unit/stop-reason.test.ts',
      'test/unit/recovery/**/*.test.ts',
      'test/unit/cutover/**/*.test.ts',
      'test/unit/dms/ensure.test.ts',
      'test/unit/mutation/**/*.test.ts',
      'test/unit/verify/**/*.test.ts',
      'test/unit/sequences/**/*.test.ts',
      'test/unit/health/early-warning-config.test.ts',
      'test/unit/health/fleet.test.ts',
      'test/unit/health/forecast.test.ts',
      'test/unit/health/*.mutation.test.ts',
      'test/unit/alerts/damping.test.ts',
      'test/unit/alerts/decide.test.ts',
      'test/unit/alerts/dropped.test.ts',
      'test/unit/alerts/evaluate-ahead.test.ts',
      'test/unit/alerts/evaluate.test.ts',
      'test/unit/alerts/message.test.ts',
      'test/unit/alerts/notify.test.ts',
      'test/unit/alerts/*.mutation.test.ts',
    ],
    exclude: ['test/unit/recovery/cli.test.ts'],
    pool: 'forks',
    maxWorkers: 1,
    testTimeout: 30_000,
  },
});
