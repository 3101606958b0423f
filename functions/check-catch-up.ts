import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import middy from '@middy/core';
import * as z from 'zod';
import { buildAwsDms, createDmsClient } from '../src/adapters/aws/dms.js';
import { buildCloudWatchDmsMetrics } from '../src/adapters/aws/dms-metrics.js';
import {
  DESCRIBE_TASKS,
  type IamCall,
  OWN_LOGS,
  SOURCE_SECRET,
  VPC_NETWORK_INTERFACES,
} from '../src/adapters/aws/iam-calls.js';
import { parseLambdaInput } from '../src/adapters/aws/lambda-input.js';
import { DatabaseName, TaskArn } from '../src/adapters/aws/lambda-schemas.js';
import { createLogger } from '../src/adapters/aws/logger.js';
import { remedyInMessage } from '../src/adapters/aws/remedy-in-message.js';
import { buildSecretsManagerStore } from '../src/adapters/aws/secrets.js';
import {
  type SourceLambdaDeps,
  sourceDbPerCall,
  sourceFromSecret,
} from '../src/adapters/aws/source-session.js';
import { connectPg } from '../src/adapters/pg/client.js';
import { evaluateCatchUp, worstLatency } from '../src/core/cutover/catch-up.js';
import { TaskFailedError } from '../src/core/dms/errors.js';
import { validateSlotName } from '../src/core/identifiers.js';
import { formatLsn } from '../src/core/lsn.js';
import { SlotNotFoundError } from '../src/core/slot-errors.js';
import { type StopReasonCode, stopReasonCode } from '../src/core/stop-reason.js';
import { type Clock, systemClock } from '../src/ports/clock.js';
import type { Dms, TaskStatus } from '../src/ports/dms.js';
import type { DmsMetrics } from '../src/ports/dms-metrics.js';

const Count = z.number().int().min(0);
const Input = z.strictObject({
  taskArn: TaskArn,
  source: z.strictObject({ secretArn: z.string().min(1).max(2048), database: DatabaseName }),
  slotName: z.string(),
  /** The cutover plan's thresholds; keys this step does not use are ignored. */
  thresholds: z.object({
    maxLagBytes: Count,
    maxLatencySeconds: z.number().min(0),
    consecutivePolls: z.number().int().min(1),
    pollSeconds: z.number().int().min(1).optional(),
    catchUpTimeoutSeconds: z.number().int().min(1),
  }),
  /** The previous poll's output, or null on the first poll. */
  previous: z.object({ consecutive: Count, polls: Count, since: z.iso.datetime() }).nullable().default(null),
});

export interface CheckCatchUpResult {
  readonly caughtUp: boolean;
  /** Polls in a row within thresholds, this one included. */
  readonly consecutive: number;
  readonly polls: number;
  readonly since: string;
  readonly lagBytes: number | null;
  readonly latencySeconds: number | null;
  readonly confirmedFlushLsn: string | null;
  readonly serverLsn: string;
  readonly withinThresholds: boolean;
  /**
   * The task's status at this poll. Not a failure unless `failed`: a task that reached its
   * CdcStopPosition is `stopped` and no longer moves the slot, which the state machine may branch on.
   */
  readonly taskStatus: TaskStatus;
  readonly stopReason: string | null;
  /** The code inside stopReason: a task that stopped at its CdcStopPosition during catch-up reached its end. */
  readonly stopCode: StopReasonCode | null;
}
export interface CheckCatchUpDeps extends SourceLambdaDeps {
  readonly dms: Dms;
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

// Created once per execution environment and reused by every invocation.
const logger = createLogger();
const secrets = buildSecretsManagerStore(new SecretsManagerClient({}));
const dmsClient = createDmsClient();
const dms = buildAwsDms(dmsClient);
const metrics = buildCloudWatchDmsMetrics(
  new CloudWatchClient({ maxAttempts: 5, retryMode: 'adaptive' }),
  dmsClient,
);

/**
 * One poll of the catch-up wait: slot lag on the source (one round trip), the task (failed ends the
 * cutover), and DMS CDC latency. Caught up after thresholds.consecutivePolls polls in a row within the
 * thresholds (see evaluateCatchUp); CatchUpTimeoutError past thresholds.catchUpTimeoutSeconds.
 */
export function makeHandler(overrides: Partial<CheckCatchUpDeps> = {}) {
  const deps: CheckCatchUpDeps = {
    dms,
    metrics,
    secrets,
    connect: connectPg,
    clock: systemClock,
    logger,
    env: process.env,
    ...overrides,
  };
  return middy<unknown, CheckCatchUpResult>()
    .use(injectLambdaContext(deps.logger, { resetKeys: true }))
    .use(remedyInMessage())
    .handler(async (event) => {
      const input = parseLambdaInput(Input, event);
      const slotName = validateSlotName(input.slotName);
      const source = await sourceFromSecret(deps.secrets, deps.env, {
        secretArn: input.source.secretArn,
        database: input.source.database,
        applicationName: 'dms-cdc-check-catch-up',
      });
      const [task, reading] = await Promise.all([
        deps.dms.describeTask(input.taskArn),
        sourceDbPerCall(source.config, deps.connect).readSlot(slotName),
      ]);
      if (task.status === 'failed') {
        throw new TaskFailedError(task.arn, task.status, task.stopReason, task.lastFailureMessage);
      }
      if (!reading) throw new SlotNotFoundError(slotName, source.describe);
      const latencySeconds = worstLatency(
        await deps.metrics.cdcLatencySeconds({
          arn: task.arn,
          replicationInstanceArn: task.replicationInstanceArn,
        }),
      );
      // Below 2^53 bytes (8 PiB) the number is exact.
      const lagBytes = reading.lagBytes === null ? null : Number(reading.lagBytes);
      const verdict = evaluateCatchUp(
        { slotName, lagBytes, latencySeconds, taskStatus: task.status },
        input.thresholds,
        input.previous,
        deps.clock.now(),
      );
      const confirmedFlushLsn =
        reading.slot.confirmedFlushLsn === null ? null : formatLsn(reading.slot.confirmedFlushLsn);
      const result = {
        caughtUp: verdict.caughtUp,
        consecutive: verdict.consecutive,
        polls: verdict.polls,
        since: verdict.since,
        lagBytes,
        latencySeconds,
        confirmedFlushLsn,
        serverLsn: formatLsn(reading.serverLsn),
        withinThresholds: verdict.withinThresholds,
        taskStatus: task.status,
        stopReason: task.stopReason ?? null,
        stopCode: stopReasonCode(task.stopReason) ?? null,
      };
      deps.logger.info('checked catch-up', { taskArn: task.arn, ...result });
      return result;
    });
}

export const handler = makeHandler();
