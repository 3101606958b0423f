import type { AlertAttributes, AlertMessage, Severity } from '../../ports/alerts.js';
import { fitSnsSubject } from '../alerts/sns-message.js';

/**
 * The stack's operational alarms as alerts on the alert topic, with the same
 * `severity`/`kind`/`source` attributes as every other alert, so the subscriptions' filter policies
 * deliver them like the rest. CloudWatch alarm actions can only publish to SNS without attributes;
 * the alarms invoke notify-alarm instead, which builds the message here. Pure.
 */
export const ALARM_NOTIFICATION_SCHEMA = 'dms-cdc.alarm-notification/1';

export interface AlarmView {
  readonly alarmName: string;
  readonly alarmArn: string;
  /** ALARM | OK | INSUFFICIENT_DATA */
  readonly state: string;
  readonly previousState: string;
  readonly reason: string;
  readonly time: string;
  readonly description: string | null;
  /** The alarm's metric, when it watches one (namespace, name, dimensions). */
  readonly metric: {
    readonly namespace: string;
    readonly name: string;
    readonly dimensions: Readonly<Record<string, string>>;
  } | null;
}

const SEVERITY: Record<string, Severity> = { ALARM: 'CRITICAL', OK: 'RESOLVED' };

/** What a person does about each alarm the stack defines, by its metric. */
function remedy(metric: AlarmView['metric']): string {
  switch (`${metric?.namespace}/${metric?.name}`) {
    case 'AWS/SQS/ApproximateNumberOfMessagesVisible':
      return (
        'EventBridge could not deliver a DMS task failure or RDS failover event to route-recovery-event: no ' +
        'recovery started for it. Read the events in the dead-letter queue, start each recovery with ' +
        '`dms-cdc recover`, then delete the messages.'
      );
    case 'AWS/States/ExecutionsFailed':
      return (
        'An execution of the state machine failed. Open it in the Step Functions console (its failed state ' +
        'names the step and the error); for a cutover or a recovery, `dms-cdc recover decide` shows what to do next.'
      );
    case 'AWS/Lambda/Errors':
      return "The function returned errors. Read its log group (the error's name and remedy are in the message).";
    default:
      return 'See the alarm in the CloudWatch console.';
  }
}

export function buildAlarmNotification(alarm: AlarmView, source: string): AlertMessage | null {
  const severity = SEVERITY[alarm.state];
  // INSUFFICIENT_DATA is no news for alarms that treat missing data as not breaching.
  if (!severity) return null;
  const what = alarm.description ?? alarm.alarmName;
  const attributes: AlertAttributes = {
    severity,
    source,
    kind: 'operational-alarm',
    alarm: alarm.alarmName,
    ...(alarm.metric ? { metric: alarm.metric.name } : {}),
  };
  const headline =
    severity === 'RESOLVED'
      ? `Resolved: ${what} (alarm ${alarm.alarmName} is OK again, was ${alarm.previousState}).`
      : `${what} (alarm ${alarm.alarmName} is in ALARM, was ${alarm.previousState}).`;
  const body = [
    headline,
    '',
    `Reason: ${alarm.reason}`,
    ...(alarm.metric
      ? [
          `Metric: ${alarm.metric.namespace} ${alarm.metric.name} ${Object.entries(alarm.metric.dimensions)
            .map(([k, v]) => `${k}=${v}`)
            .join(' ')}`.trimEnd(),
        ]
      : []),
    `At: ${alarm.time}`,
    ...(severity === 'RESOLVED' ? [] : ['', `Remedy: ${remedy(alarm.metric)}`]),
  ].join('\n');
  return {
    subject: fitSnsSubject(`[${severity}] ${source}: ${alarm.alarmName}`),
    body,
    payload: {
      schema: ALARM_NOTIFICATION_SCHEMA,
      severity,
      source,
      alarmName: alarm.alarmName,
      alarmArn: alarm.alarmArn,
      state: alarm.state,
      previousState: alarm.previousState,
      reason: alarm.reason,
      time: alarm.time,
      metric: alarm.metric
        ? {
            namespace: alarm.metric.namespace,
            name: alarm.metric.name,
            dimensions: { ...alarm.metric.dimensions },
          }
        : null,
    },
    attributes,
  };
}
