import { afterEach } from 'vitest';
import { createStandby, type PgNode, startPrimary } from '../../src/local/postgres/index.js';
import type { ScenarioServers } from '../../src/local/recovery/rig.js';

/**
 * Servers for one test, removed after it whatever happened (a scenario starts two or three, and a file
 * runs several scenarios: keeping them all until the end of the file would hold a gigabyte).
 */
export function serversPerTest(): ScenarioServers {
  const started: PgNode[] = [];
  afterEach(async () => {
    await Promise.allSettled(started.reverse().map((node) => node.destroy()));
    started.length = 0;
  });
  return {
    async primary(options) {
      const node = await startPrimary(options);
      started.push(node);
      return node;
    },
    async standby(primary, options) {
      const node = await createStandby(primary, options);
      started.push(node);
      return node;
    },
  };
}
