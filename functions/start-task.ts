import { dmsLambdaDeps } from '../src/adapters/aws/dms-lambda.js';
import {
  DESCRIBE_TASKS,
  type IamCall,
  OWN_LOGS,
  onStackOrRoutedTask,
} from '../src/adapters/aws/iam-calls.js';
import { type DmsLambdaDeps, lambda } from '../src/adapters/aws/lambda.js';
import { parseLambdaInput } from '../src/adapters/aws/lambda-input.js';
import { StartTaskInput } from '../src/adapters/aws/payloads/task.js';
import { type StartOutcome, startTaskByRule } from '../src/core/dms/task-steps.js';

export type StartTaskDeps = DmsLambdaDeps;
export type StartTaskResult = Omit<StartOutcome, 'restarted'>;

/** The AWS calls this function makes, each simulated against its role in npm test. Reads the task, then starts it: only a task this stack created or one recoveryRoutes names. */
export const IAM_CALLS: readonly IamCall[] = [
  DESCRIBE_TASKS,
  ...onStackOrRoutedTask('dms:StartReplicationTask', 'DMS StartReplicationTask', 'StartRoutedTasks'),
  ...OWN_LOGS,
];

/**
 * Starts a task, never restarting one that already ran unless told to. The start position is the
 * task's own (create-cdc-task checked it against the slot), so none is taken here. Returns at once:
 * poll describe-task for `running`.
 */
export function makeHandler(overrides: Partial<StartTaskDeps> = {}) {
  const deps = dmsLambdaDeps(overrides);
  return lambda<StartTaskResult>(deps.logger).handler(async (event) => {
    const { restarted, ...result } = await startTaskByRule(deps.dms, parseLambdaInput(StartTaskInput, event));
    if (restarted) deps.logger.warn('restart allowed by the input: DMS recreates the slot', { ...result });
    deps.logger.info(result.started ? 'task started' : 'task already running', { ...result });
    return result;
  });
}

export const handler = makeHandler();
