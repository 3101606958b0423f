import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import * as z from 'zod';
import { buildAwsDms, createDmsClient } from '../src/adapters/aws/dms.js';
import { DESCRIBE_TASKS, type IamCall, OWN_LOGS } from '../src/adapters/aws/iam-calls.js';
import { parseLambdaInput } from '../src/adapters/aws/lambda-input.js';
import { IdentifierPrefix, SourceName } from '../src/adapters/aws/lambda-schemas.js';
import { createLogger } from '../src/adapters/aws/logger.js';
import { remedyInMessage } from '../src/adapters/aws/remedy-in-message.js';
import { cdcTaskIdentifier } from '../src/core/dms/identifiers.js';
import { validateSlotName } from '../src/core/identifiers.js';
import type { Dms, TaskStatus } from '../src/ports/dms.js';

const Input = z.strictObject({
  identifierPrefix: IdentifierPrefix,
  sourceName: SourceName,
  slotName: z.string(),
});

export interface FindTaskResult {
  readonly taskIdentifier: string;
  readonly exists: boolean;
  readonly taskArn: string | null;
  readonly status: TaskStatus | null;
  /** The task is already reading the slot: a re-run continues it rather than re-checking the slot. */
  readonly replicating: boolean;
}
export interface FindTaskDeps {
  readonly dms: Dms;
  readonly logger: Logger;
}

/** The AWS calls this function makes, each simulated against its role in npm test. DescribeReplicationTasks by identifier. */
export const IAM_CALLS: readonly IamCall[] = [DESCRIBE_TASKS, ...OWN_LOGS];

const logger = createLogger();
const dms = buildAwsDms(createDmsClient());

/**
 * Looks up the CDC task a cutover with this name, source and slot creates (the same deterministic
 * identifier create-cdc-task derives). A re-run whose task is already replicating skips preflight:
 * the slot is active because that task holds it, which preflight would rightly call a blocker.
 */
export function makeHandler(overrides: Partial<FindTaskDeps> = {}) {
  const deps: FindTaskDeps = { dms, logger, ...overrides };
  return middy<unknown, FindTaskResult>()
    .use(injectLambdaContext(deps.logger, { resetKeys: true }))
    .use(remedyInMessage())
    .handler(async (event) => {
      const input = parseLambdaInput(Input, event);
      const taskIdentifier = cdcTaskIdentifier({
        prefix: input.identifierPrefix,
        sourceName: input.sourceName,
        slotName: validateSlotName(input.slotName),
      });
      const task = await deps.dms.findTask(taskIdentifier);
      deps.logger.info('looked up cutover task', { taskIdentifier, status: task?.status ?? null });
      return {
        taskIdentifier,
        exists: task !== undefined,
        taskArn: task?.arn ?? null,
        status: task?.status ?? null,
        replicating: task?.status === 'running' || task?.status === 'starting',
      };
    });
}

export const handler = makeHandler();
