import { type IamCall, OWN_LOGS, PUBLISH_ALERT } from '../src/adapters/aws/iam-calls.js';
import { lambda } from '../src/adapters/aws/lambda.js';
import { parseLambdaInput } from '../src/adapters/aws/lambda-input.js';
import { type NotifyLambdaDeps, notifyLambdaDeps } from '../src/adapters/aws/notify-lambda.js';
import { RecoveryNotifyInput } from '../src/adapters/aws/payloads/recovery-notify.js';
import { buildRecoveryNotification } from '../src/core/recovery/notifications.js';

export interface NotifyRecoveryResult {
  readonly messageId: string;
  readonly subject: string;
}
export type NotifyRecoveryDeps = NotifyLambdaDeps;

/** The AWS calls this function makes, each simulated against its role in npm test. Publishes to the KMS-encrypted alert topic. */
export const IAM_CALLS: readonly IamCall[] = [...PUBLISH_ALERT, ...OWN_LOGS];

/** Publishes one recover-machine notification, built by the pure buildRecoveryNotification from the execution state. */
export function makeHandler(overrides: Partial<NotifyRecoveryDeps> = {}) {
  const deps = notifyLambdaDeps(overrides);
  return lambda<NotifyRecoveryResult>(deps.logger).handler(async (event) => {
    const input = parseLambdaInput(RecoveryNotifyInput, event);
    const message = buildRecoveryNotification(input, new Date(deps.clock.now()));
    const { messageId } = await deps.alerts.publish(message);
    const { subject, attributes } = message;
    deps.logger.info('published recovery notification', {
      kind: input.kind,
      subject,
      severity: attributes.severity,
      messageId,
    });
    return { messageId, subject };
  });
}

export const handler = makeHandler();
