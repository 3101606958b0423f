import { defaultDms } from '../src/adapters/aws/dms.js';
import { DESCRIBE_TASKS, type IamCall, OWN_LOGS } from '../src/adapters/aws/iam-calls.js';
import { type DmsLambdaDeps, defaultClock, lambda, withDefaults } from '../src/adapters/aws/lambda.js';
import { parseLambdaInput } from '../src/adapters/aws/lambda-input.js';
import { sharedLogger } from '../src/adapters/aws/logger.js';
import { PollTaskInput } from '../src/adapters/aws/payloads/task.js';
import { type PollOutcome, pollTaskOnce } from '../src/core/dms/task-steps.js';
import type { Clock } from '../src/ports/clock.js';

export interface PollTaskDeps extends DmsLambdaDeps {
  readonly clock: Clock;
}
export type PollTaskResult = PollOutcome;

/** The AWS calls this function makes, each simulated against its role in npm test. DescribeReplicationTasks by ARN. */
export const IAM_CALLS: readonly IamCall[] = [DESCRIBE_TASKS, ...OWN_LOGS];

/** One DescribeReplicationTasks per call: the state machine's Wait state does the waiting (pollTaskOnce). */
export function makeHandler(overrides: Partial<PollTaskDeps> = {}) {
  const deps = withDefaults(overrides, { dms: defaultDms, clock: defaultClock, logger: sharedLogger });
  return lambda<PollOutcome>(deps.logger).handler(async (event) => {
    const input = parseLambdaInput(PollTaskInput, event);
    const outcome = await pollTaskOnce(deps.dms, input, deps.clock.now());
    const { status, done, polls } = outcome;
    deps.logger.info('polled task', { taskArn: input.taskArn, status, until: input.until, done, polls });
    return outcome;
  });
}

export const handler = makeHandler();
