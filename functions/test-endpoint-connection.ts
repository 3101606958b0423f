import { defaultDms } from '../src/adapters/aws/dms.js';
import { DMS_ENDPOINT_ANY, DMS_INSTANCE_ANY, type IamCall, OWN_LOGS } from '../src/adapters/aws/iam-calls.js';
import { type DmsLambdaDeps, defaultClock, lambda, withDefaults } from '../src/adapters/aws/lambda.js';
import { parseLambdaInput } from '../src/adapters/aws/lambda-input.js';
import { budgetMs } from '../src/adapters/aws/lambda-schemas.js';
import { sharedLogger } from '../src/adapters/aws/logger.js';
import { TestEndpointConnectionInput } from '../src/adapters/aws/payloads/endpoint.js';
import { type ConnectionTestProgress, followConnectionTest } from '../src/core/dms/connection-test.js';
import type { Clock } from '../src/ports/clock.js';

export type TestEndpointConnectionResult = ConnectionTestProgress;
export interface TestEndpointConnectionDeps extends DmsLambdaDeps {
  readonly clock: Clock;
  /** How often DescribeConnections is asked while waiting. */
  readonly pollMs: number;
}

/** The AWS calls this function makes, each simulated against its role in npm test. Tests the connection from the instance to the endpoint, then reads the test. */
export const IAM_CALLS: readonly IamCall[] = [
  // TestConnection is authorised on both the endpoint and the replication instance.
  { action: 'dms:TestConnection', resource: DMS_ENDPOINT_ANY, why: 'DMS TestConnection (endpoint)' },
  { action: 'dms:TestConnection', resource: DMS_INSTANCE_ANY, why: 'DMS TestConnection (instance)' },
  { action: 'dms:DescribeConnections', resource: '*', why: 'DMS DescribeConnections' },
  ...OWN_LOGS,
];

/** Tests the connection from the replication instance to an endpoint, within a slice of this invocation (src/core/dms/connection-test.ts). */
export function makeHandler(overrides: Partial<TestEndpointConnectionDeps> = {}) {
  const defaults = { dms: defaultDms, logger: sharedLogger, clock: defaultClock, pollMs: () => 5_000 };
  const deps = withDefaults(overrides, defaults);
  return lambda<ConnectionTestProgress>(deps.logger).handler(async (event, context) => {
    const input = parseLambdaInput(TestEndpointConnectionInput, event);
    const { replicationInstanceArn, endpointArn, waitSeconds } = input;
    const timeoutMs = () => budgetMs(waitSeconds * 1000, context.getRemainingTimeInMillis());
    const slice = () => ({ timeoutMs: timeoutMs(), pollMs: deps.pollMs });
    const progress = await followConnectionTest(deps, input, slice, (now, startedAt) => {
      const message = now ? 'started connection test' : 'following connection test';
      deps.logger.info(message, { replicationInstanceArn, endpointArn, startedAt });
    });
    if (progress.done) deps.logger.info('connection test successful', { endpointArn });
    return progress;
  });
}

export const handler = makeHandler();
