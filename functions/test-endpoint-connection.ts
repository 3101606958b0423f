import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import * as z from 'zod';
import { buildAwsDms, createDmsClient } from '../src/adapters/aws/dms.js';
import { DMS_ENDPOINT_ANY, DMS_INSTANCE_ANY, type IamCall, OWN_LOGS } from '../src/adapters/aws/iam-calls.js';
import { parseLambdaInput } from '../src/adapters/aws/lambda-input.js';
import { budgetMs, EndpointArn, ReplicationInstanceArn } from '../src/adapters/aws/lambda-schemas.js';
import { createLogger } from '../src/adapters/aws/logger.js';
import { remedyInMessage } from '../src/adapters/aws/remedy-in-message.js';
import { ConnectionTestTimeoutError } from '../src/core/dms/errors.js';
import { waitForConnectionTest } from '../src/core/dms/waits.js';
import { type Clock, systemClock } from '../src/ports/clock.js';
import type { Dms } from '../src/ports/dms.js';

/*
 * Waiting: both, each for what it is good at. A connection test usually settles within seconds, so
 * this step starts it and polls it inside the invocation for a short slice (`waitSeconds`, default 20 s,
 * never past the Lambda deadline): the common case is one call. A test whose packets are dropped can
 * stay `testing` for minutes; sleeping in a Lambda bills that time and caps it at 15 minutes, while a
 * Step Functions Wait state costs nothing. So when the slice ends still `testing`, the step returns
 * `done: false` and the state machine waits and invokes it again with this output as its input (the
 * extra fields are ignored). `startedAt` in that output makes the next invocation continue the same
 * test instead of starting another, and gives the whole test one deadline (`timeoutSeconds`): past it
 * the step throws ConnectionTestTimeoutError. A failed test throws ConnectionTestFailedError with DMS's
 * message. Throttling surfaces as DmsThrottledError for the state machine's Retry.
 */
const Input = z.strictObject({
  replicationInstanceArn: ReplicationInstanceArn,
  endpointArn: EndpointArn,
  waitSeconds: z.number().int().min(0).max(600).default(20),
  timeoutSeconds: z.number().int().min(1).max(3600).default(600),
  /** Set by an earlier invocation (its output): continue that test. */
  startedAt: z.iso.datetime().optional(),
  // The rest of an earlier invocation's output, which the machine passes back whole.
  status: z.enum(['successful', 'testing']).optional(),
  done: z.boolean().optional(),
  // The source endpoint step's output, which the cutover machine merges in (States.JsonMerge): not read.
  sourceEndpointArn: EndpointArn.optional(),
  created: z.boolean().optional(),
});

export interface TestEndpointConnectionResult {
  readonly replicationInstanceArn: string;
  readonly endpointArn: string;
  readonly status: 'successful' | 'testing';
  /** true once DMS reports `successful`; false: wait, then invoke again with this object. */
  readonly done: boolean;
  readonly startedAt: string;
  readonly timeoutSeconds: number;
}
export interface TestEndpointConnectionDeps {
  readonly dms: Dms;
  readonly logger: Logger;
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

// Created once per execution environment and reused by every invocation.
const logger = createLogger();
const dms = buildAwsDms(createDmsClient());

/** Tests the connection from the replication instance to an endpoint; see the comment above on waiting. */
export function makeHandler(overrides: Partial<TestEndpointConnectionDeps> = {}) {
  const deps: TestEndpointConnectionDeps = { dms, logger, clock: systemClock, pollMs: 5_000, ...overrides };
  return middy<unknown, TestEndpointConnectionResult>()
    .use(injectLambdaContext(deps.logger, { resetKeys: true }))
    .use(remedyInMessage())
    .handler(async (event, context) => {
      const input = parseLambdaInput(Input, event);
      const { replicationInstanceArn, endpointArn } = input;
      const existing = await deps.dms.describeConnectionTest(replicationInstanceArn, endpointArn);
      // A first call joins a test already running for this pair (DMS refuses a second one) and otherwise
      // starts a fresh one, whatever an older test said; a later call restarts only a test that vanished.
      const start = input.startedAt === undefined ? existing?.status !== 'testing' : existing === undefined;
      if (start) await deps.dms.testConnection(replicationInstanceArn, endpointArn);
      const startedAt = input.startedAt ?? new Date(deps.clock.now()).toISOString();
      deps.logger.info(start ? 'started connection test' : 'following connection test', {
        replicationInstanceArn,
        endpointArn,
        startedAt,
      });
      const result = (status: 'successful' | 'testing') => ({
        replicationInstanceArn,
        endpointArn,
        status,
        done: status === 'successful',
        startedAt,
        timeoutSeconds: input.timeoutSeconds,
      });
      const sliceMs = budgetMs(input.waitSeconds * 1000, context.getRemainingTimeInMillis());
      try {
        await waitForConnectionTest(deps.dms, deps.clock, replicationInstanceArn, endpointArn, {
          timeoutMs: sliceMs,
          pollMs: deps.pollMs,
        });
        deps.logger.info('connection test successful', { endpointArn });
        return result('successful');
      } catch (error) {
        if (!(error instanceof ConnectionTestTimeoutError)) throw error;
        const elapsedMs = deps.clock.now() - Date.parse(startedAt);
        if (elapsedMs >= input.timeoutSeconds * 1000) {
          throw new ConnectionTestTimeoutError(endpointArn, error.lastStatus, elapsedMs);
        }
        return result('testing');
      }
    });
}

export const handler = makeHandler();
