import { afterEach } from 'vitest';
import { trackedServers } from '../../src/local/recovery/matrix.js';
import type { ScenarioServers } from '../../src/local/recovery/rig.js';

/**
 * Servers for one test, removed after it whatever happened (a scenario starts two or three, and a file
 * runs several scenarios: keeping them all until the end of the file would hold a gigabyte).
 */
export function serversPerTest(): ScenarioServers {
  const servers = trackedServers();
  afterEach(() => servers.removeAll());
  return servers;
}
