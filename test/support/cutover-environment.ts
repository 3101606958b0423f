import { afterEach, beforeEach } from 'vitest';
import { createLocalEnvironment, type LocalCutoverEnvironment } from '../../src/local/cutover/environment.js';
import { primaryForFile } from './pg.js';

/** What a cutover e2e test runs on. */
export interface CutoverRig {
  env: LocalCutoverEnvironment;
  /**
   * The local engine's replication-instance clock, which server_time is read against: the system
   * clock unless a test holds it (it is set back before each test).
   */
  clock: () => number;
}

/**
 * A fresh local cutover environment for every test of the file: a demo source and target and the
 * local engine, then `prepare` (a slot, a full load); the engine is shut down after each test.
 */
export function cutoverEnvironmentPerTest(
  prepare?: (env: LocalCutoverEnvironment) => Promise<unknown>,
): CutoverRig {
  const rig = { clock: Date.now } as CutoverRig;
  beforeEach(async () => {
    const [source, target] = await Promise.all([
      primaryForFile({ name: 'src' }),
      primaryForFile({ name: 'tgt' }),
    ]);
    rig.clock = Date.now;
    rig.env = await createLocalEnvironment({ source, target, demoSchema: true, dmsClock: () => rig.clock() });
    await prepare?.(rig.env);
  });
  afterEach(async () => {
    await rig.env.dms.shutdown();
  });
  return rig;
}
