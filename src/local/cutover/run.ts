import { type LocalMachineRun, machineDefinitionPath, runLocalMachine } from '../machine.js';
import type { ExecutionResult } from '../stepfunctions/index.js';
import { selectionMappings } from '../table-mappings.js';
import type { LocalCutoverEnvironment } from './environment.js';
import { localCutoverHandlers } from './handlers.js';

export const CUTOVER_ASL = machineDefinitionPath('cutover');

export type LocalCutoverRun = LocalMachineRun;

/** Runs statemachines/cutover.asl.json, unchanged, with the real handlers on the local environment. */
export function runLocalCutover(
  env: LocalCutoverEnvironment,
  run: LocalCutoverRun,
): Promise<ExecutionResult> {
  return runLocalMachine('cutover', localCutoverHandlers(env), run);
}

/** The cutover input for a local environment: local ARNs, TLS off (loopback), the demo tables. */
export function localCutoverInput(
  env: LocalCutoverEnvironment,
  options: { slotName: string; schema: string; overrides?: Record<string, unknown> },
): Record<string, unknown> {
  return {
    name: 'rehearsal',
    source: { secretArn: env.sourceSecretArn, database: 'postgres', sslMode: 'none' },
    slot: { name: options.slotName, plugin: 'test-decoding' },
    replicationInstanceArn: env.replicationInstanceArn,
    target: { endpointArn: env.targetEndpointArn, secretArn: env.targetSecretArn, database: 'postgres' },
    tableMappings: selectionMappings({ name: options.schema, schema: options.schema }),
    thresholds: { maxLagBytes: 256 * 1024, maxLatencySeconds: 5, consecutivePolls: 3, pollSeconds: 2 },
    ...options.overrides,
  };
}
