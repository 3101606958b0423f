import type { Alerts } from '../../ports/alerts.js';
import type { Clock } from '../../ports/clock.js';
import { defaultClock, type LambdaDeps, withDefaults } from './lambda.js';
import { sharedLogger } from './logger.js';
import { defaultAlerts } from './sns.js';

/** A function that publishes a notification: the alert topic, and the clock the message is stamped with. */
export interface NotifyLambdaDeps extends LambdaDeps {
  readonly alerts: Alerts;
  readonly clock: Clock;
}

/** The production defaults of a notifying function, for what the caller did not inject. */
export function notifyLambdaDeps(overrides: Partial<NotifyLambdaDeps>): NotifyLambdaDeps {
  return withDefaults(overrides, { alerts: defaultAlerts, clock: defaultClock, logger: sharedLogger });
}
