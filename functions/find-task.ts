import { dmsLambdaDeps } from '../src/adapters/aws/dms-lambda.js';
import { DESCRIBE_TASKS, type IamCall, OWN_LOGS } from '../src/adapters/aws/iam-calls.js';
import { type DmsLambdaDeps, lambda } from '../src/adapters/aws/lambda.js';
import { parseLambdaInput } from '../src/adapters/aws/lambda-input.js';
import { FindTaskInput } from '../src/adapters/aws/payloads/task.js';
import { cdcTaskIdentifier } from '../src/core/dms/identifiers.js';
import { type FoundTask, findByIdentifier } from '../src/core/dms/task-steps.js';
import { validateSlotName } from '../src/core/identifiers.js';

export type FindTaskDeps = DmsLambdaDeps;

/** The AWS calls this function makes, each simulated against its role in npm test. DescribeReplicationTasks by identifier. */
export const IAM_CALLS: readonly IamCall[] = [DESCRIBE_TASKS, ...OWN_LOGS];

/**
 * Looks up the CDC task a cutover with this name, source and slot creates (the same deterministic
 * identifier create-cdc-task derives). A re-run whose task is already replicating skips preflight:
 * the slot is active because that task holds it, which preflight would rightly call a blocker.
 */
export function makeHandler(overrides: Partial<FindTaskDeps> = {}) {
  const deps = dmsLambdaDeps(overrides);
  return lambda<FoundTask>(deps.logger).handler(async (event) => {
    const input = parseLambdaInput(FindTaskInput, event);
    const slotName = validateSlotName(input.slotName);
    const identifier = cdcTaskIdentifier({
      prefix: input.identifierPrefix,
      sourceName: input.sourceName,
      slotName,
    });
    const found = await findByIdentifier(deps.dms, identifier);
    deps.logger.info('looked up cutover task', { taskIdentifier: identifier, status: found.status });
    return found;
  });
}

export const handler = makeHandler();
