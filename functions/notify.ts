import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { SNSClient } from '@aws-sdk/client-sns';
import middy from '@middy/core';
import * as z from 'zod';
import { type IamCall, OWN_LOGS, PUBLISH_ALERT } from '../src/adapters/aws/iam-calls.js';
import { parseLambdaInput } from '../src/adapters/aws/lambda-input.js';
import { createLogger } from '../src/adapters/aws/logger.js';
import { remedyInMessage } from '../src/adapters/aws/remedy-in-message.js';
import { alertTopicFromEnvironment } from '../src/adapters/aws/sns.js';
import { buildCutoverNotification, NOTIFICATION_KINDS } from '../src/core/cutover/notifications.js';
import { InvalidInputError } from '../src/core/errors.js';
import type { Alerts } from '../src/ports/alerts.js';
import { type Clock, systemClock } from '../src/ports/clock.js';

const Input = z.strictObject({
  kind: z.enum(NOTIFICATION_KINDS),
  /** The whole execution state: read field by field, never published as it is. */
  state: z.record(z.string(), z.unknown()),
  /** $$.Task.Token of a .waitForTaskToken state (SendTaskSuccess allows up to 2048 characters). */
  taskToken: z.string().min(1).max(2048).optional(),
});

export interface NotifyResult {
  readonly messageId: string;
}
export interface NotifyDeps {
  readonly alerts: Alerts;
  readonly clock: Clock;
  readonly logger: Logger;
}

/** The AWS calls this function makes, each simulated against its role in npm test. Publishes to the KMS-encrypted alert topic. */
export const IAM_CALLS: readonly IamCall[] = [...PUBLISH_ALERT, ...OWN_LOGS];

// Created once per execution environment and reused by every invocation.
const logger = createLogger();
const sns = new SNSClient({});
const alerts: Alerts = alertTopicFromEnvironment(sns);

/**
 * Publishes the cutover's success, failure, blocked or approval-request notification, built by the pure
 * buildCutoverNotification from the execution state. For approval-request it is the worker of a
 * .waitForTaskToken state: it only publishes how to answer; the answer comes from `dms-cdc approve|reject`.
 */
export function makeHandler(overrides: Partial<NotifyDeps> = {}) {
  const deps: NotifyDeps = { alerts, clock: systemClock, logger, ...overrides };
  return middy<unknown, NotifyResult>()
    .use(injectLambdaContext(deps.logger, { resetKeys: true }))
    .use(remedyInMessage())
    .handler(async (event) => {
      const input = parseLambdaInput(Input, event);
      if (input.kind === 'approval-request' && input.taskToken === undefined) {
        throw new InvalidInputError(
          'taskToken',
          'is required for an approval request',
          'Pass "taskToken.$": "$$.Task.Token" from a lambda:invoke.waitForTaskToken state',
        );
      }
      const message = buildCutoverNotification(
        {
          kind: input.kind,
          state: input.state,
          ...(input.taskToken === undefined ? {} : { taskToken: input.taskToken }),
        },
        new Date(deps.clock.now()),
      );
      const { messageId } = await deps.alerts.publish(message);
      // The subject only: the body of an approval request carries the task token.
      deps.logger.info('published cutover notification', {
        kind: input.kind,
        subject: message.subject,
        messageId,
      });
      return { messageId };
    });
}

export const handler = makeHandler();
