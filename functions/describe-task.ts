import { dmsLambdaDeps } from '../src/adapters/aws/dms-lambda.js';
import { DESCRIBE_TASKS, type IamCall, OWN_LOGS } from '../src/adapters/aws/iam-calls.js';
import { type DmsLambdaDeps, lambda } from '../src/adapters/aws/lambda.js';
import { parseLambdaInput } from '../src/adapters/aws/lambda-input.js';
import { TaskInput } from '../src/adapters/aws/payloads/task.js';
import { describeForMachine, type TaskDescription } from '../src/core/dms/task-steps.js';

export type DescribeTaskDeps = DmsLambdaDeps;
export type DescribeTaskResult = TaskDescription;

/** The AWS calls this function makes, each simulated against its role in npm test. DescribeReplicationTasks by ARN. */
export const IAM_CALLS: readonly IamCall[] = [DESCRIBE_TASKS, ...OWN_LOGS];

/** Reads a task for a wait loop or a recovery decision: a failed task is a result the machine branches on. */
export function makeHandler(overrides: Partial<DescribeTaskDeps> = {}) {
  const deps = dmsLambdaDeps(overrides);
  return lambda<TaskDescription>(deps.logger).handler(async (event) => {
    const input = parseLambdaInput(TaskInput, event);
    const task = describeForMachine(await deps.dms.describeTask(input.taskArn));
    const { taskArn, status, checkpointLsn } = task;
    deps.logger.info('described task', { taskArn, status, checkpointLsn });
    return task;
  });
}

export const handler = makeHandler();
