import * as z from 'zod';
import type { AlarmView } from '../../../core/alarms/notification.js';
import { parseLambdaInput } from '../lambda-input.js';

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
