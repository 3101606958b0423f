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
import { CdcStopPosition, TaskArn } from '../src/adapters/aws/lambda-schemas.js';
import { createLogger } from '../src/adapters/aws/logger.js';
import { remedyInMessage } from '../src/adapters/aws/remedy-in-message.js';
import { decideStart, hasRun } from '../src/core/cdc/start-rule.js';
import type { Dms, StartType, TaskStatus } from '../src/ports/dms.js';

const Input = z.strictObject({
  taskArn: TaskArn,
  startType: z.enum(['start-replication', 'resume-processing', 'reload-target']).default('start-replication'),
  /**
   * A start other than resume-processing on a task that already ran is refused (TaskRestartRefusedError):
   * DMS recreates the slot on a restart and the changes it held are lost. true accepts that, and only that:
   * a first start is start-replication (FirstStartTypeError) and a CDC task never gets reload-target
   * (ReloadTargetOnCdcTaskError), whatever this says.
   */
  allowRestart: z.boolean().default(false),
  cdcStopPosition: CdcStopPosition.optional(),
});

export interface StartTaskResult {
  readonly taskArn: string;
  readonly startType: StartType;
  /** false when the task was already running or starting (an earlier attempt started it). */
  readonly started: boolean;
  readonly status: TaskStatus;
}
export interface StartTaskDeps {
  readonly dms: Dms;
  readonly logger: Logger;
}

/** The AWS calls this function makes, each simulated against its role in npm test. Reads the task, then starts it: only a task this stack created or one recoveryRoutes names. */
export const IAM_CALLS: readonly IamCall[] = [
  DESCRIBE_TASKS,
  ...onStackOrRoutedTask('dms:StartReplicationTask', 'DMS StartReplicationTask', 'StartRoutedTasks'),
  ...OWN_LOGS,
];

// Created once per execution environment and reused by every invocation.
const logger = createLogger();
const dms = buildAwsDms(createDmsClient());

/**
 * Starts a task, never restarting one that already ran unless told to. The start position is the
 * task's own (create-cdc-task checked it against the slot), so none is taken here. Returns at once:
 * poll describe-task for `running`.
 */
export function makeHandler(overrides: Partial<StartTaskDeps> = {}) {
  const deps: StartTaskDeps = { dms, logger, ...overrides };
  return middy<unknown, StartTaskResult>()
    .use(injectLambdaContext(deps.logger, { resetKeys: true }))
    .use(remedyInMessage())
    .handler(async (event) => {
      const input = parseLambdaInput(Input, event);
      const task = await deps.dms.describeTask(input.taskArn);
      const decision = decideStart(task, input.startType, input.allowRestart);
      if (decision.kind === 'already-running') {
        deps.logger.info('task already running', { taskArn: task.arn, status: task.status });
        return { taskArn: task.arn, startType: input.startType, started: false, status: task.status };
      }
      if (input.allowRestart && input.startType !== 'resume-processing' && hasRun(task)) {
        deps.logger.warn('restart allowed by the input: DMS recreates the slot', { taskArn: task.arn });
      }
      const started = await deps.dms.startTask(
        task.arn,
        input.startType,
        input.cdcStopPosition === undefined ? {} : { cdcStopPosition: input.cdcStopPosition },
      );
      deps.logger.info('task started', {
        taskArn: task.arn,
        startType: input.startType,
        status: started.status,
      });
      return { taskArn: task.arn, startType: input.startType, started: true, status: started.status };
    });
}

export const handler = makeHandler();
