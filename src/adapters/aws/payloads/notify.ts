import * as z from 'zod';
import type { AlarmView } from '../../../core/alarms/notification.js';
import { NOTIFICATION_KINDS } from '../../../core/cutover/notifications.js';
import { InvalidInputError } from '../../../core/errors.js';
import { RECOVERY_NOTIFICATION_KINDS } from '../../../core/recovery/notifications.js';
import { parseLambdaInput } from '../lambda-input.js';

/** The inputs of the notifying functions: the machines' notifications and the stack's alarm actions. */

const CutoverNotifyInput = z.strictObject({
  kind: z.enum(NOTIFICATION_KINDS),
  /** The whole execution state: read field by field, never published as it is. */
  state: z.record(z.string(), z.unknown()),
  /** $$.Task.Token of a .waitForTaskToken state (SendTaskSuccess allows up to 2048 characters). */
  taskToken: z.string().min(1).max(2048).optional(),
});
export type CutoverNotifyInput = z.output<typeof CutoverNotifyInput>;

/** The cutover notification to send; an approval request without its task token could never be answered. */
export function parseCutoverNotify(event: unknown): CutoverNotifyInput {
  const input = parseLambdaInput(CutoverNotifyInput, event);
  if (input.kind === 'approval-request' && input.taskToken === undefined) {
    throw new InvalidInputError(
      'taskToken',
      'is required for an approval request',
      'Pass "taskToken.$": "$$.Task.Token" from a lambda:invoke.waitForTaskToken state',
    );
  }
  return input;
}

export const RecoveryNotifyInput = z.strictObject({
  kind: z.enum(RECOVERY_NOTIFICATION_KINDS),
  /** The whole execution state: read field by field, never published as it is. */
  state: z.record(z.string(), z.unknown()),
});

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
const AlarmEvent = z.looseObject({
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
export const AlarmEnv = z.object({ ALERT_SOURCE: z.string().min(1).max(256) });

/** What the alarm notification is built from, read out of the alarm action's event. */
export function parseAlarmEvent(event: unknown): AlarmView {
  const { alarmArn, alarmData } = parseLambdaInput(AlarmEvent, event);
  const metric = alarmData.configuration.metrics?.find((m) => m.metricStat)?.metricStat?.metric;
  return {
    alarmName: alarmData.alarmName,
    alarmArn,
    state: alarmData.state.value,
    previousState: alarmData.previousState?.value ?? 'unknown',
    reason: alarmData.state.reason,
    time: alarmData.state.timestamp,
    description: alarmData.configuration.description ?? null,
    metric: metric ? { namespace: metric.namespace, name: metric.name, dimensions: metric.dimensions } : null,
  };
}
