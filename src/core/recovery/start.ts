import type { StartExecution } from '../../ports/executions.js';
import type { RecoveryStart } from './routing.js';

export interface StartedRecovery {
  readonly taskArn: string;
  readonly executionArn: string;
  /** This event already started it (a redelivery): no failure, or the event would go to the dead-letter queue as never started. */
  readonly duplicate: boolean;
}

/** One recover execution per routed task, in order; `started` hears of each as soon as it is started. */
export async function startRecoveries(
  start: StartExecution,
  stateMachineArn: string,
  starts: readonly RecoveryStart[],
  started: (recovery: StartedRecovery) => void,
): Promise<StartedRecovery[]> {
  const all: StartedRecovery[] = [];
  for (const recovery of starts) {
    const { executionArn, duplicate } = await start({
      stateMachineArn,
      name: recovery.name,
      input: JSON.stringify(recovery.input),
    });
    const one = { taskArn: String(recovery.input.taskArn), executionArn, duplicate };
    started(one);
    all.push(one);
  }
  return all;
}
