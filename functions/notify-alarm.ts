import { type IamCall, OWN_LOGS, PUBLISH_ALERT } from '../src/adapters/aws/iam-calls.js';
import { type LambdaDeps, lambda, withDefaults } from '../src/adapters/aws/lambda.js';
import { parseLambdaInput } from '../src/adapters/aws/lambda-input.js';
import { sharedLogger } from '../src/adapters/aws/logger.js';
import { AlarmEnv, parseAlarmEvent } from '../src/adapters/aws/payloads/alarm.js';
import { defaultAlerts } from '../src/adapters/aws/sns.js';
import { buildAlarmNotification } from '../src/core/alarms/notification.js';
import type { Alerts } from '../src/ports/alerts.js';

export interface NotifyAlarmResult {
  readonly published: boolean;
  readonly messageId?: string;
}
export interface NotifyAlarmDeps extends LambdaDeps {
  readonly alerts: Alerts;
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** The AWS calls this function makes, each simulated against its role in npm test. Publishes to the KMS-encrypted alert topic. */
export const IAM_CALLS: readonly IamCall[] = [...PUBLISH_ALERT, ...OWN_LOGS];

/** Publishes one alarm state change of the stack's operational alarms (ALARM and OK) to the alert topic. */
export function makeHandler(overrides: Partial<NotifyAlarmDeps> = {}) {
  const deps = withDefaults(overrides, {
    alerts: defaultAlerts,
    logger: sharedLogger,
    env: () => process.env,
  });
  return lambda<NotifyAlarmResult>(deps.logger).handler(async (event) => {
    const view = parseAlarmEvent(event);
    const { ALERT_SOURCE } = parseLambdaInput(AlarmEnv, { ...deps.env }, 'environment');
    const message = buildAlarmNotification(view, ALERT_SOURCE);
    const { alarmName, state } = view;
    if (!message) {
      deps.logger.info('alarm state not notified', { alarmName, state });
      return { published: false };
    }
    const { messageId } = await deps.alerts.publish(message);
    const severity = message.attributes.severity;
    deps.logger.info('published alarm notification', { alarmName, state, severity, messageId });
    return { published: true, messageId };
  });
}

export const handler = makeHandler();
