import { rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * Gives this test run its own root for PostgreSQL nodes (forked workers inherit the variable),
 * and on teardown removes whatever a crashed or interrupted test left there, loudly.
 */
export default async function setup(): Promise<() => Promise<void>> {
  const root = path.join(os.tmpdir(), 'dms-cdc-pg', `run-${process.pid}`);
  process.env.DMS_CDC_PG_ROOT = root;
  return async () => {
    const { sweepOrphans } = await import('../../src/local/postgres/registry.js');
    const left = sweepOrphans({ all: true });
    rmSync(root, { recursive: true, force: true });
    if (left > 0) {
      throw new Error(
        `${left} PostgreSQL node(s) were left running by the tests; they have now been removed`,
      );
    }
  };
}
