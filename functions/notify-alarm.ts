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
import { type AlarmView, buildAlarmNotification } from '../src/core/alarms/notification.js';
import type { Alerts } from '../src/ports/alerts.js';

/** The event a CloudWatch alarm's Lambda action sends (CloudWatch User Guide, "Lambda alarm actions"). */
const State = z.looseObject({
  value: z.string().min(1),
  reason: z.string().default(''),
  timestamp: z.string(),
});
const Metric = z.looseObject({
  metricStat: z
    .looseObject({
      metric: z.looseObject({
        namespace: z.string(),
        name: z.string(),
        dimensions: z.record(z.string(), z.string()).default({}),
      }),
    })
    .optional(),
});
const Event = z.looseObject({
  source: z.literal('aws.cloudwatch'),
  alarmArn: z.string().min(1),
  alarmData: z.looseObject({
    alarmName: z.string().min(1),
    state: State,
    previousState: State.partial().optional(),
    configuration: z
      .looseObject({ description: z.string().optional(), metrics: z.array(Metric).optional() })
      .default({}),
  }),
});
const Env = z.object({ ALERT_SOURCE: z.string().min(1).max(256) });

export interface NotifyAlarmResult {
  readonly published: boolean;
  readonly messageId?: string;
}
export interface NotifyAlarmDeps {
  readonly alerts: Alerts;
  readonly logger: Logger;
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** The AWS calls this function makes, each simulated against its role in npm test. Publishes to the KMS-encrypted alert topic. */
export const IAM_CALLS: readonly IamCall[] = [...PUBLISH_ALERT, ...OWN_LOGS];

// Created once per execution environment and reused by every invocation.
const logger = createLogger();
const alerts: Alerts = alertTopicFromEnvironment(new SNSClient({}));

/** Publishes one alarm state change of the stack's operational alarms (ALARM and OK) to the alert topic. */
export function makeHandler(overrides: Partial<NotifyAlarmDeps> = {}) {
  const deps: NotifyAlarmDeps = { alerts, logger, env: process.env, ...overrides };
  return middy<unknown, NotifyAlarmResult>()
    .use(injectLambdaContext(deps.logger, { resetKeys: true }))
    .use(remedyInMessage())
    .handler(async (event) => {
      const input = parseLambdaInput(Event, event);
      const { ALERT_SOURCE } = parseLambdaInput(Env, { ...deps.env }, 'environment');
      const { alarmData } = input;
      const metric = alarmData.configuration.metrics?.find((m) => m.metricStat)?.metricStat?.metric;
      const view: AlarmView = {
        alarmName: alarmData.alarmName,
        alarmArn: input.alarmArn,
        state: alarmData.state.value,
        previousState: alarmData.previousState?.value ?? 'unknown',
        reason: alarmData.state.reason,
        time: alarmData.state.timestamp,
        description: alarmData.configuration.description ?? null,
        metric: metric
          ? { namespace: metric.namespace, name: metric.name, dimensions: metric.dimensions }
          : null,
      };
      const message = buildAlarmNotification(view, ALERT_SOURCE);
      if (!message) {
        deps.logger.info('alarm state not notified', { alarmName: view.alarmName, state: view.state });
        return { published: false };
      }
      const { messageId } = await deps.alerts.publish(message);
      deps.logger.info('published alarm notification', {
        alarmName: view.alarmName,
        state: view.state,
        severity: message.attributes.severity,
        messageId,
      });
      return { published: true, messageId };
    });
}

export const handler = makeHandler();
