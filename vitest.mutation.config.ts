import { defineConfig } from 'vitest/config';

/**
 * The vitest configuration Stryker runs (`npm run test:mutation`): unit tests only, so no
 * PostgreSQL global setup and no servers; one fork at a time because Stryker runs its own workers.
 */
export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts'],
    pool: 'forks',
    maxWorkers: 1,
    testTimeout: 30_000,
  },
});
