import { type IamCall, OWN_LOGS, PUBLISH_ALERT } from '../src/adapters/aws/iam-calls.js';
import { lambda } from '../src/adapters/aws/lambda.js';
import { type NotifyLambdaDeps, notifyLambdaDeps } from '../src/adapters/aws/notify-lambda.js';
import { parseCutoverNotify } from '../src/adapters/aws/payloads/notify.js';
import { buildCutoverNotification } from '../src/core/cutover/notifications.js';

export interface NotifyResult {
  readonly messageId: string;
}
export type NotifyDeps = NotifyLambdaDeps;

/** The AWS calls this function makes, each simulated against its role in npm test. Publishes to the KMS-encrypted alert topic. */
export const IAM_CALLS: readonly IamCall[] = [...PUBLISH_ALERT, ...OWN_LOGS];

/**
 * Publishes the cutover's success, failure, blocked or approval-request notification, built by the pure
 * buildCutoverNotification from the execution state. For approval-request it is the worker of a
 * .waitForTaskToken state: it only publishes how to answer; the answer comes from `dms-cdc approve|reject`.
 */
export function makeHandler(overrides: Partial<NotifyDeps> = {}) {
  const deps = notifyLambdaDeps(overrides);
  return lambda<NotifyResult>(deps.logger).handler(async (event) => {
    const input = parseCutoverNotify(event);
    const message = buildCutoverNotification(input, new Date(deps.clock.now()));
    const { messageId } = await deps.alerts.publish(message);
    // The subject only: the body of an approval request carries the task token.
    const { subject } = message;
    deps.logger.info('published cutover notification', { kind: input.kind, subject, messageId });
    return { messageId };
  });
}

export const handler = makeHandler();
