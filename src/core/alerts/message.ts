import type { AlertLevel, AlertStateRecord } from '../../ports/alert-state.js';
import type { AlertAttributes, AlertMessage, JsonObject, Severity } from '../../ports/alerts.js';
import { formatDuration } from '../health/sizes.js';
import type { NotificationKind } from './decide.js';
import { formatValue, type Observation } from './evaluate.js';
import { LOWER_IS_WORSE, METRIC_INFO } from './metrics.js';
import { fitSnsSubject, SNS_LIMITS } from './sns-message.js';

/** Identifies the payload format for programs reading it (SQS, HTTPS subscribers). */
export const PAYLOAD_SCHEMA = 'dms-cdc.health-alert/1';

/**
 * The SNS message for a notification: a subject under 100 characters
 * (`[CRITICAL] orders-db slot dms_slot: retained WAL 21.3 GiB >= 20 GiB`), a body with the numbers,
 * the trend, the likely cause and the remedy, a JSON payload, and the attributes subscription
 * filter policies match (severity, source, slot, metric, and task for DMS metrics).
 */
export function buildAlertMessage(
  observation: Observation,
  kind: NotificationKind,
  previous: AlertStateRecord | undefined,
  now: number,
): AlertMessage {
  const severity: Severity = kind === 'RESOLVED' ? 'RESOLVED' : (observation.level as Severity);
  const before: AlertLevel = previous?.state ?? 'OK';
  const attributes: AlertAttributes = {
    severity,
    source: observation.source,
    metric: observation.metric,
    ...(observation.slot === undefined ? {} : { slot: observation.slot }),
    ...(observation.task === undefined ? {} : { task: observation.task }),
  };
  const notice: Notice = { observation, kind, severity, before, previous, now };
  return {
    subject: buildSubject(notice),
    body: buildBody(notice),
    payload: buildPayload(notice),
    attributes,
  };
}

/** What the subject, the body and the payload are built from. */
interface Notice {
  readonly observation: Observation;
  readonly kind: NotificationKind;
  readonly severity: Severity;
  /** The level before this notification (OK when there was none). */
  readonly before: AlertLevel;
  readonly previous: AlertStateRecord | undefined;
  readonly now: number;
}

function scopeOf(observation: Observation): string {
  if (observation.slot !== undefined) return `${observation.source} slot ${observation.slot}`;
  if (observation.task !== undefined) return `${observation.source} task ${observation.task}`;
  return observation.source;
}

function buildSubject({ observation, kind, severity, before, previous, now }: Notice): string {
  let tail = '';
  if (kind === 'REMINDER' && previous) tail = `, for ${formatDuration((now - previous.since) / 1000)}`;
  else if (kind === 'ALERT' && before === 'CRITICAL') tail = ' (was CRITICAL)';
  return fitSubject(`[${severity}] `, scopeOf(observation), `: ${observation.summary}${tail}`);
}

/**
 * Printable ASCII, at most SNS_LIMITS.subjectMaxChars: the scope (source and slot names, up to 63
 * characters each) is shortened in the middle first, then the rest is cut.
 */
export function fitSubject(prefix: string, scope: string, rest: string): string {
  const clean = (text: string) => text.replace(/[^\x20-\x7e]/gu, '?');
  const [p, s, r] = [clean(prefix), clean(scope), clean(rest)];
  const max = SNS_LIMITS.subjectMaxChars;
  if (p.length + s.length + r.length <= max) return p + s + r;
  const roomForScope = max - p.length - Math.min(r.length, 60);
  const scopeShown = s.length <= roomForScope ? s : ellipsizeMiddle(s, Math.max(roomForScope, 9));
  return fitSnsSubject(p + scopeShown + r);
}

function ellipsizeMiddle(text: string, max: number): string {
  const keep = max - 3;
  const head = Math.ceil(keep / 2);
  return `${text.slice(0, head)}...${text.slice(text.length - (keep - head))}`;
}

function buildBody({ observation, kind, before, previous, now }: Notice): string {
  const info = METRIC_INFO[observation.metric];
  const lines = [headline(observation, kind, previous, now)];
  const trend = trendText(observation, previous);
  if (trend) lines.push(`Trend: ${trend}.`);
  if (kind !== 'RESOLVED') {
    lines.push(
      before === 'OK'
        ? `State: ${observation.level} since ${iso(now)} (was OK).`
        : kind === 'REMINDER' && previous
          ? `State: ${observation.level} since ${iso(previous.since)} (${formatDuration((now - previous.since) / 1000)}); reminders until it resolves.`
          : `State: ${observation.level} since ${iso(now)} (was ${before}).`,
    );
  }
  if (observation.contextText) lines.push(`Details: ${observation.contextText}.`);
  if (kind !== 'RESOLVED') {
    lines.push(`Likely cause: ${info.cause}.`, `Remedy: ${info.remedy}.`);
  }
  lines.push(`Measured at ${iso(observation.measuredAt)} (server time). Alert key: ${observation.key}.`);
  return lines.join('\n\n');
}

function headline(
  observation: Observation,
  kind: NotificationKind,
  previous: AlertStateRecord | undefined,
  now: number,
): string {
  const info = METRIC_INFO[observation.metric];
  const where =
    observation.slot !== undefined
      ? `slot ${observation.slot} on ${observation.source}`
      : observation.task !== undefined
        ? `DMS task ${observation.task} reading ${observation.source}`
        : observation.source;
  if (observation.metric === 'sourceCheck') {
    return kind === 'RESOLVED'
      ? `RESOLVED: ${observation.source} can be checked again${sinceText(previous, now)}.`
      : `${observation.level}: ${observation.source} could not be checked: ${observation.status}.`;
  }
  if (observation.metric === 'slotMissing') {
    return kind === 'RESOLVED'
      ? `RESOLVED: slot ${observation.slot} exists again on ${observation.source}${sinceText(previous, now)}.`
      : `${observation.level}: slot ${observation.slot} does not exist on ${observation.source}.`;
  }
  if (observation.metric === 'walStatus') {
    return kind === 'RESOLVED'
      ? `RESOLVED: wal_status of ${where} is ${observation.status} again${sinceText(previous, now)}.`
      : `${observation.level}: wal_status of ${where} is ${observation.summary.replace('wal_status ', '')}.`;
  }
  if (observation.value === null) {
    // A forecast with nothing shrinking: there is no number to give.
    return `${kind === 'RESOLVED' ? 'RESOLVED' : observation.level}: ${where}: ${observation.summary}${kind === 'RESOLVED' ? sinceText(previous, now) : ''}.`;
  }
  const value = observation.value;
  const exact = info.unit === 'bytes' ? ` (${Math.round(value).toLocaleString('en-US')} bytes)` : '';
  const shown = `${formatValue(observation.metric, value)}${exact}`;
  const thresholds = observation.thresholds as { warning: number | null; critical: number | null } | null;
  const scale = thresholds
    ? ` (warning ${show(observation, thresholds.warning)}, critical ${show(observation, thresholds.critical)})`
    : '';
  if (kind === 'RESOLVED') {
    return `RESOLVED: ${info.label} of ${where} is back to ${shown}${scale}${sinceText(previous, now)}.`;
  }
  const crossed = observation.threshold;
  const side = LOWER_IS_WORSE.has(observation.metric) ? 'below' : 'above';
  return (
    `${observation.level}: ${info.label} of ${where} is ${shown}, at or ${side} the ` +
    `${observation.level.toLowerCase()} threshold of ${crossed ? formatValue(observation.metric, Number(crossed.value)) : 'n/a'}${scale}.`
  );
}

function show(observation: Observation, value: number | null): string {
  return value === null ? 'off' : formatValue(observation.metric, value);
}

function sinceText(previous: AlertStateRecord | undefined, now: number): string {
  if (!previous || previous.state === 'OK') return '';
  return `; it was ${previous.state} since ${iso(previous.since)} (${formatDuration((now - previous.since) / 1000)})`;
}

/** The change since the value stored at the previous write, in words; null when there is none to compare. */
export function trendText(observation: Observation, previous: AlertStateRecord | undefined): string | null {
  if (observation.value === null) return null;
  if (!previous || previous.lastValue === null) return 'no earlier reading stored';
  const delta = observation.value - previous.lastValue;
  const when =
    previous.state === 'OK'
      ? `since ${iso(previous.since)} (the last stored reading, when it returned to OK)`
      : 'since the previous check';
  const before = formatValue(observation.metric, previous.lastValue);
  if (delta === 0) return `unchanged ${when} (${before})`;
  const magnitude = formatValue(observation.metric, Math.abs(delta));
  return `${delta > 0 ? 'up' : 'down'} ${magnitude} ${when} (was ${before})`;
}

function buildPayload({ observation, kind, severity, before, previous, now }: Notice): JsonObject {
  const info = METRIC_INFO[observation.metric];
  return {
    schema: PAYLOAD_SCHEMA,
    kind,
    severity,
    source: observation.source,
    slot: observation.slot ?? null,
    task: observation.task ?? null,
    metric: observation.metric,
    level: observation.level,
    previousLevel: before,
    value: observation.value,
    status: observation.status,
    unit: info.unit,
    summary: observation.summary,
    threshold: observation.threshold
      ? { level: observation.threshold.level, value: observation.threshold.value }
      : null,
    thresholds: observation.thresholds
      ? (JSON.parse(JSON.stringify(observation.thresholds)) as JsonObject)
      : null,
    since: iso(kind === 'REMINDER' && previous ? previous.since : now),
    measuredAt: iso(observation.measuredAt),
    trend:
      observation.value !== null && previous && previous.lastValue !== null
        ? { previousValue: previous.lastValue, delta: observation.value - previous.lastValue }
        : null,
    context: observation.context,
    cause: kind === 'RESOLVED' ? null : info.cause,
    remedy: kind === 'RESOLVED' ? null : info.remedy,
    key: observation.key,
  };
}

function iso(epochMs: number): string {
  return new Date(epochMs).toISOString();
}
