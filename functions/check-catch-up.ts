import { defaultDmsMetrics } from '../src/adapters/aws/dms-metrics.js';
import {
  DESCRIBE_TASKS,
  type IamCall,
  OWN_LOGS,
  SOURCE_SECRET,
  VPC_NETWORK_INTERFACES,
} from '../src/adapters/aws/iam-calls.js';
import { defaultClock } from '../src/adapters/aws/lambda.js';
import { parseLambdaInput } from '../src/adapters/aws/lambda-input.js';
import { CheckCatchUpInput } from '../src/adapters/aws/payloads/slot.js';
import { type SourceDmsLambdaDeps, sourceDmsDeps } from '../src/adapters/aws/source-dms-lambda.js';
import { sourceLambda, sourceOf } from '../src/adapters/aws/source-middleware.js';
import { type CatchUpPollResult, pollCatchUp } from '../src/core/cutover/catch-up-poll.js';
import { validateSlotName } from '../src/core/identifiers.js';
import type { Clock } from '../src/ports/clock.js';
import type { DmsMetrics } from '../src/ports/dms-metrics.js';

export type CheckCatchUpResult = CatchUpPollResult;
export interface CheckCatchUpDeps extends SourceDmsLambdaDeps {
  readonly metrics: DmsMetrics;
  readonly clock: Clock;
}

/** The AWS calls this function makes, each simulated against its role in npm test. Reads the slot over PostgreSQL, the task, its instance and its CDC latency metrics. */
export const IAM_CALLS: readonly IamCall[] = [
  ...SOURCE_SECRET,
  DESCRIBE_TASKS,
  { action: 'dms:DescribeReplicationInstances', resource: '*', why: 'DMS DescribeReplicationInstances' },
  { action: 'cloudwatch:GetMetricData', resource: '*', why: 'CloudWatch GetMetricData (CDC latency)' },
  ...OWN_LOGS,
  ...VPC_NETWORK_INTERFACES,
];

/** One poll of the catch-up wait (src/core/cutover/catch-up-poll.ts); CatchUpTimeoutError past the plan's deadline. */
export function makeHandler(overrides: Partial<CheckCatchUpDeps> = {}) {
  const deps = sourceDmsDeps<CheckCatchUpDeps>(overrides, {
    metrics: defaultDmsMetrics,
    clock: defaultClock,
  });
  return sourceLambda<CatchUpPollResult>(deps, 'dms-cdc-check-catch-up').handler(async (event, context) => {
    const { source: at, ...input } = parseLambdaInput(CheckCatchUpInput, event);
    const slotName = validateSlotName(input.slotName);
    const source = await sourceOf(context).open({ secretArn: at.secretArn, database: at.database });
    const pollDeps = { ...deps, sourceDb: source.db, now: () => deps.clock.now() };
    const result = await pollCatchUp(pollDeps, { ...input, slotName }, source.describe);
    deps.logger.info('checked catch-up', { taskArn: input.taskArn, ...result });
    return result;
  });
}

export const handler = makeHandler();
