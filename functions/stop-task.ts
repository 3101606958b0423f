import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import * as z from 'zod';
import { buildAwsDms, createDmsClient } from '../src/adapters/aws/dms.js';
import {
  DESCRIBE_TASKS,
  type IamCall,
  OWN_LOGS,
  onStackOrRoutedTask,
} from '../src/adapters/aws/iam-calls.js';
import { parseLambdaInput } from '../src/adapters/aws/lambda-input.js';
import { TaskArn } from '../src/adapters/aws/lambda-schemas.js';
import { createLogger } from '../src/adapters/aws/logger.js';
import { remedyInMessage } from '../src/adapters/aws/remedy-in-message.js';
import type { Dms, TaskStatus } from '../src/ports/dms.js';

const Input = z.strictObject({ taskArn: TaskArn });

export interface StopTaskResult {
  readonly taskArn: string;
  /** false when there was nothing to stop (already stopping, stopped, failed or never started). */
  readonly stopped: boolean;
  readonly status: TaskStatus;
}
export interface StopTaskDeps {
  readonly dms: Dms;
  readonly logger: Logger;
}

/** The AWS calls this function makes, each simulated against its role in npm test. Reads the task, then stops it: only a task this stack created or one recoveryRoutes names. */
export const IAM_CALLS: readonly IamCall[] = [
  DESCRIBE_TASKS,
  ...onStackOrRoutedTask('dms:StopReplicationTask', 'DMS StopReplicationTask', 'StopRoutedTasks'),
  ...OWN_LOGS,
];

// Created once per execution environment and reused by every invocation.
const logger = createLogger();
const dms = buildAwsDms(createDmsClient());

// Statuses a stop request has nothing to do in; a retried stop step lands here.
// failed-move is at rest too: the move failed, the task does not run, and DMS refuses to stop it.
const AT_REST: readonly TaskStatus[] = ['stopping', 'stopped', 'failed', 'failed-move', 'ready'];

/**
 * Stops a task. Stopping keeps its RecoveryCheckpoint, so resume-processing can continue later (a
 * delete would lose it). Returns at once: poll describe-task for `stopped`. Other statuses (creating,
 * modifying, ...) are sent on and DMS's refusal comes back as DmsInvalidStateError.
 */
export function makeHandler(overrides: Partial<StopTaskDeps> = {}) {
  const deps: StopTaskDeps = { dms, logger, ...overrides };
  return middy<unknown, StopTaskResult>()
    .use(injectLambdaContext(deps.logger, { resetKeys: true }))
    .use(remedyInMessage())
    .handler(async (event) => {
      const input = parseLambdaInput(Input, event);
      const task = await deps.dms.describeTask(input.taskArn);
      if (AT_REST.includes(task.status)) {
        deps.logger.info('nothing to stop', { taskArn: task.arn, status: task.status });
        return { taskArn: task.arn, stopped: false, status: task.status };
      }
      const stopping = await deps.dms.stopTask(task.arn);
      deps.logger.info('task stopping', { taskArn: task.arn, status: stopping.status });
      return { taskArn: task.arn, stopped: true, status: stopping.status };
    });
}

export const handler = makeHandler();
