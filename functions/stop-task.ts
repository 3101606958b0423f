import { dmsLambdaDeps } from '../src/adapters/aws/dms-lambda.js';
import {
  DESCRIBE_TASKS,
  type IamCall,
  OWN_LOGS,
  onStackOrRoutedTask,
} from '../src/adapters/aws/iam-calls.js';
import { type DmsLambdaDeps, lambda } from '../src/adapters/aws/lambda.js';
import { parseLambdaInput } from '../src/adapters/aws/lambda-input.js';
import { TaskInput } from '../src/adapters/aws/payloads/task.js';
import { type StopOutcome, stopTaskUnlessAtRest } from '../src/core/dms/task-steps.js';

export type StopTaskDeps = DmsLambdaDeps;

/** The AWS calls this function makes, each simulated against its role in npm test. Reads the task, then stops it: only a task this stack created or one recoveryRoutes names. */
export const IAM_CALLS: readonly IamCall[] = [
  DESCRIBE_TASKS,
  ...onStackOrRoutedTask('dms:StopReplicationTask', 'DMS StopReplicationTask', 'StopRoutedTasks'),
  ...OWN_LOGS,
];

/** Stops a task unless it is at rest; returns at once: poll describe-task for `stopped`. */
export function makeHandler(overrides: Partial<StopTaskDeps> = {}) {
  const deps = dmsLambdaDeps(overrides);
  return lambda<StopOutcome>(deps.logger).handler(async (event) => {
    const input = parseLambdaInput(TaskInput, event);
    const outcome = await stopTaskUnlessAtRest(deps.dms, input.taskArn);
    deps.logger.info(outcome.stopped ? 'task stopping' : 'nothing to stop', { ...outcome });
    return outcome;
  });
}

export const handler = makeHandler();
