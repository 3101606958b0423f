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
import {
  buildRecoveryNotification,
  RECOVERY_NOTIFICATION_KINDS,
} from '../src/core/recovery/notifications.js';
import type { Alerts } from '../src/ports/alerts.js';
import { type Clock, systemClock } from '../src/ports/clock.js';

const Input = z.strictObject({
  kind: z.enum(RECOVERY_NOTIFICATION_KINDS),
  /** The whole execution state: read field by field, never published as it is. */
  state: z.record(z.string(), z.unknown()),
});

export interface NotifyRecoveryResult {
  readonly messageId: string;
  readonly subject: string;
}
export interface NotifyRecoveryDeps {
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
 * Publishes one recover-machine notification (waiting, terminated, recovered, no-action, data-gap,
 * escalate, failure), built by the pure buildRecoveryNotification from the execution state.
 */
export function makeHandler(overrides: Partial<NotifyRecoveryDeps> = {}) {
  const deps: NotifyRecoveryDeps = { alerts, clock: systemClock, logger, ...overrides };
  return middy<unknown, NotifyRecoveryResult>()
    .use(injectLambdaContext(deps.logger, { resetKeys: true }))
    .use(remedyInMessage())
    .handler(async (event) => {
      const input = parseLambdaInput(Input, event);
      const message = buildRecoveryNotification(
        { kind: input.kind, state: input.state },
        new Date(deps.clock.now()),
      );
      const { messageId } = await deps.alerts.publish(message);
      deps.logger.info('published recovery notification', {
        kind: input.kind,
        subject: message.subject,
        severity: message.attributes.severity,
        messageId,
      });
      return { messageId, subject: message.subject };
    });
}

export const handler = makeHandler();
