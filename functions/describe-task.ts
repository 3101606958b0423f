import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import * as z from 'zod';
import { buildAwsDms, createDmsClient } from '../src/adapters/aws/dms.js';
import { DESCRIBE_TASKS, type IamCall, OWN_LOGS } from '../src/adapters/aws/iam-calls.js';
import { parseLambdaInput } from '../src/adapters/aws/lambda-input.js';
import { TaskArn } from '../src/adapters/aws/lambda-schemas.js';
import { createLogger } from '../src/adapters/aws/logger.js';
import { remedyInMessage } from '../src/adapters/aws/remedy-in-message.js';
import { formatLsn, lsnFromCheckpoint } from '../src/core/lsn.js';
import type { Dms, Task, TaskStatus } from '../src/ports/dms.js';

const Input = z.strictObject({ taskArn: TaskArn });

/** Every field present (null when DMS has no value), so JSONPath in a Choice state never misses a key. */
export interface DescribeTaskResult {
  readonly taskArn: string;
  readonly taskIdentifier: string;
  readonly status: TaskStatus;
  readonly migrationType: Task['migrationType'];
  readonly stopReason: string | null;
  readonly lastFailureMessage: string | null;
  readonly recoveryCheckpoint: string | null;
  /** The LSN inside recoveryCheckpoint: where resume-processing continues (a valid CdcStartPosition). */
  readonly checkpointLsn: string | null;
  readonly cdcStartPosition: string | null;
  readonly cdcStopPosition: string | null;
  readonly replicationInstanceArn: string;
  readonly sourceEndpointArn: string;
  readonly targetEndpointArn: string;
  readonly startDate: string | null;
  readonly stopDate: string | null;
}
export interface DescribeTaskDeps {
  readonly dms: Dms;
  readonly logger: Logger;
}

/** The AWS calls this function makes, each simulated against its role in npm test. DescribeReplicationTasks by ARN. */
export const IAM_CALLS: readonly IamCall[] = [DESCRIBE_TASKS, ...OWN_LOGS];

// Created once per execution environment and reused by every invocation.
const logger = createLogger();
const dms = buildAwsDms(createDmsClient());

/**
 * Reads a task for a wait loop or a recovery decision. A failed task is a result, not an error: the
 * state machine branches on `status`. A checkpoint that cannot be read throws InvalidCheckpointError
 * rather than passing for "no checkpoint".
 */
export function makeHandler(overrides: Partial<DescribeTaskDeps> = {}) {
  const deps: DescribeTaskDeps = { dms, logger, ...overrides };
  return middy<unknown, DescribeTaskResult>()
    .use(injectLambdaContext(deps.logger, { resetKeys: true }))
    .use(remedyInMessage())
    .handler(async (event) => {
      const input = parseLambdaInput(Input, event);
      const task = await deps.dms.describeTask(input.taskArn);
      const checkpointLsn =
        task.recoveryCheckpoint === undefined ? null : formatLsn(lsnFromCheckpoint(task.recoveryCheckpoint));
      deps.logger.info('described task', { taskArn: task.arn, status: task.status, checkpointLsn });
      return {
        taskArn: task.arn,
        taskIdentifier: task.identifier,
        status: task.status,
        migrationType: task.migrationType,
        stopReason: task.stopReason ?? null,
        lastFailureMessage: task.lastFailureMessage ?? null,
        recoveryCheckpoint: task.recoveryCheckpoint ?? null,
        checkpointLsn,
        cdcStartPosition: task.cdcStartPosition ?? null,
        cdcStopPosition: task.cdcStopPosition ?? null,
        replicationInstanceArn: task.replicationInstanceArn,
        sourceEndpointArn: task.sourceEndpointArn,
        targetEndpointArn: task.targetEndpointArn,
        startDate: task.startDate?.toISOString() ?? null,
        stopDate: task.stopDate?.toISOString() ?? null,
      };
    });
}

export const handler = makeHandler();
