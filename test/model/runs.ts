import { runLocalMachine } from '../../src/local/machine.js';
import type { ExecutionResult } from '../../src/local/stepfunctions/index.js';
import type { CutoverWorld } from '../support/cutover-world.js';

/**
 * Generated runs per model property: 300 in npm test, more with MODEL_RUNS (npm run test:model runs
 * a nightly-sized batch).
 */
export function modelRuns(): number {
  const asked = Number(process.env.MODEL_RUNS ?? '');
  return Number.isInteger(asked) && asked > 0 ? asked : 300;
}

/** statemachines/cutover.asl.json on a generated world: no real waits, approvals answered by the world. */
export function runCutoverWorld(world: CutoverWorld): Promise<ExecutionResult> {
  return runLocalMachine('cutover', world.handlers(), {
    input: world.input(),
    timeScale: 0,
    onTaskToken: ({ token }, sfn) => world.answerApproval(token, sfn),
  });
}
