import { type LocalMachineRun, machineDefinitionPath, runLocalMachine } from '../machine.js';
import type { ExecutionResult } from '../stepfunctions/index.js';
import { type LocalRecoveryEnvironment, localRecoveryHandlers } from './handlers.js';

export const RECOVER_ASL = machineDefinitionPath('recover');

/** The recover input (see src/core/recovery/input.ts) and how to run it. */
export type LocalRecoveryRun = LocalMachineRun;

/** Runs statemachines/recover.asl.json, unchanged, with the real handlers on local adapters. */
export function runLocalRecovery(
  env: LocalRecoveryEnvironment,
  run: LocalRecoveryRun,
): Promise<ExecutionResult> {
  return runLocalMachine('recover', localRecoveryHandlers(env), run);
}

/** The states an execution entered, in order (what the tests and the bench read the path from). */
export function statesEntered(result: Pick<ExecutionResult, 'events'>): string[] {
  return result.events.filter((e) => e.type === 'StateEntered').map((e) => String(e.stateName));
}
