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
import { TaskFailedError, TaskWaitTimeoutError } from '../src/core/dms/errors.js';
import { type StopReasonCode, stopReasonCode } from '../src/core/stop-reason.js';
import { type Clock, systemClock } from '../src/ports/clock.js';
import { type Dms, TASK_STATUSES, type TaskStatus } from '../src/ports/dms.js';

const Input = z.strictObject({
  taskArn: TaskArn,
  until: z.array(z.enum(TASK_STATUSES)).min(1),
  /** From the first poll of this wait. Seven days: the longest wait the cutover input allows (stopTimeoutSeconds). */
  timeoutSeconds: z
    .number()
    .int()
    .min(1)
    .max(7 * 86_400),
  /** The previous poll's output (extra keys ignored), or null on the first poll of a wait. */
  previous: z
    .object({ since: z.iso.datetime(), polls: z.number().int().min(0) })
    .nullable()
    .default(null),
});

export interface PollTaskResult {
  readonly status: TaskStatus;
  /** As DMS reports it, e.g. `Stop Reason STOPPED_AT_SERVER_TIME` or a long `Last Error ... Stop Reason ...`. */
  readonly stopReason: string | null;
  /** The code read out of it (`STOPPED_AT_SERVER_TIME`, `FATAL_ERROR`, ...), for Choice states to compare exactly. */
  readonly stopCode: StopReasonCode | null;
  readonly lastFailureMessage: string | null;
  /** status is one of `until`: the Choice state leaves the loop. */
  readonly done: boolean;
  /** When this wait began (the first poll), carried from poll to poll for the deadline. */
  readonly since: string;
  readonly polls: number;
}
export interface PollTaskDeps {
  readonly dms: Dms;
  readonly clock: Clock;
  readonly logger: Logger;
}

/** The AWS calls this function makes, each simulated against its role in npm test. DescribeReplicationTasks by ARN. */
export const IAM_CALLS: readonly IamCall[] = [DESCRIBE_TASKS, ...OWN_LOGS];

// Created once per execution environment and reused by every invocation.
const logger = createLogger();
const dms = buildAwsDms(createDmsClient());

/**
 * One DescribeReplicationTasks per call: the state machine's Wait state does the waiting, so no Lambda
 * time is billed for sleeping and the loop survives any single invocation. `failed` always ends the wait
 * with TaskFailedError (unless awaited), and so does `stopped` unless it is awaited: a task that stops
 * while we wait for `running` will not get there. The deadline counts from the first poll of the wait.
 */
export function makeHandler(overrides: Partial<PollTaskDeps> = {}) {
  const deps: PollTaskDeps = { dms, clock: systemClock, logger, ...overrides };
  return middy<unknown, PollTaskResult>()
    .use(injectLambdaContext(deps.logger, { resetKeys: true }))
    .use(remedyInMessage())
    .handler(async (event) => {
      const input = parseLambdaInput(Input, event);
      const now = deps.clock.now();
      const since = input.previous?.since ?? new Date(now).toISOString();
      const polls = (input.previous?.polls ?? 0) + 1;
      const task = await deps.dms.describeTask(input.taskArn);
      const done = input.until.includes(task.status);
      const failing: readonly TaskStatus[] = ['failed', 'stopped'];
      if (!done && failing.includes(task.status)) {
        throw new TaskFailedError(task.arn, task.status, task.stopReason, task.lastFailureMessage);
      }
      const timeoutMs = input.timeoutSeconds * 1000;
      if (!done && now > Date.parse(since) + timeoutMs) {
        throw new TaskWaitTimeoutError(task.arn, input.until, task.status, timeoutMs);
      }
      deps.logger.info('polled task', {
        taskArn: task.arn,
        status: task.status,
        until: input.until,
        done,
        polls,
      });
      return {
        status: task.status,
        stopReason: task.stopReason ?? null,
        stopCode: stopReasonCode(task.stopReason) ?? null,
        lastFailureMessage: task.lastFailureMessage ?? null,
        done,
        since,
        polls,
      };
    });
}

export const handler = makeHandler();
