import type { AlertLevel } from '../../ports/alert-state.js';
import type { JsonObject } from '../../ports/alerts.js';
import type { NumericThreshold, ResolvedSource, WalStatusThreshold } from '../health/config.js';
import type { SlotHealth, SourceMeasurement } from '../health/measurement.js';
import { formatDuration, formatSize, groupDigits } from '../health/sizes.js';
import { formatLsn } from '../lsn.js';
import { LOWER_IS_WORSE, METRIC_INFO, type MetricName, type NumericMetric } from './metrics.js';

/**
 * One metric of one slot (or source, or DMS task), measured and judged against its thresholds.
 * Pure data: what the alert-state store keys on, what a message is built from, what the CLI prints.
 */
export interface Observation {
  /** The alert-state key: `source#slot#metric`, `source#task:<id>#metric` or `source#-#metric`. */
  readonly key: string;
  readonly source: string;
  readonly slot: string | undefined;
  /** The DMS task resource ID (CloudWatch's ReplicationTaskIdentifier) for task metrics. */
  readonly task: string | undefined;
  readonly metric: MetricName;
  readonly level: AlertLevel;
  /** The number compared (bytes, percent, seconds, transactions); null for status metrics. */
  readonly value: number | null;
  /** For status metrics: wal_status, `missing`, or the error that stopped the check. */
  readonly status: string | null;
  /** The threshold crossed (for OK: the lowest one, to say what it is back under); null if none applies. */
  readonly threshold: { readonly level: 'WARNING' | 'CRITICAL'; readonly value: number | string } | null;
  readonly thresholds: NumericThreshold | WalStatusThreshold | null;
  /** What the subject says after the scope: `retained WAL 21.3 GiB >= 20 GiB`. */
  readonly summary: string;
  /** Facts about the slot or source, for the message body and the JSON payload. */
  readonly context: JsonObject;
  readonly contextText: string;
  /** Epoch milliseconds (the server's clock when the source was read). */
  readonly measuredAt: number;
}

/** Every observation for a source that could be measured (including `sourceCheck` OK). */
export function evaluateSource(source: ResolvedSource, measurement: SourceMeasurement): Observation[] {
  const at = measurement.measuredAt;
  const observations: Observation[] = [
    statusObservation(source.name, undefined, 'sourceCheck', 'OK', 'checked', 'can be checked again', at, {
      serverVersion: measurement.serverVersion,
      inRecovery: measurement.inRecovery,
    }),
  ];
  const named = Array.isArray(source.slots);
  for (const slot of measurement.slots) {
    observations.push(...evaluateSlot(source, slot, at));
    // A configured slot that is there: the OK side of slotMissing, so its return resolves the alert.
    if (named) {
      const name = slot.reading.slot.slotName;
      observations.push(
        statusObservation(source.name, name, 'slotMissing', 'OK', 'present', 'slot exists again', at, {
          slot: name,
        }),
      );
    }
  }
  for (const name of measurement.missingSlots) {
    observations.push(
      statusObservation(source.name, name, 'slotMissing', 'CRITICAL', 'missing', 'slot does not exist', at, {
        slot: name,
        inRecovery: measurement.inRecovery,
      }),
    );
  }
  const wal = measurement.wal;
  if (wal) {
    const walContext = {
      via: wal.via,
      bytes: wal.bytes,
      files: wal.files,
      capacityBytes: wal.capacityBytes,
      percent: wal.percent,
      freeStorageBytes: wal.freeStorageBytes,
      replicationSlotDiskBytes: wal.replicationSlotDiskBytes,
    };
    const walText = describeWal(wal);
    if (wal.bytes !== null) {
      observations.push(
        numeric(source, undefined, undefined, 'walDiskBytes', wal.bytes, at, walContext, walText),
      );
    }
    if (wal.percent !== null) {
      observations.push(
        numeric(source, undefined, undefined, 'walDiskPercent', wal.percent, at, walContext, walText),
      );
    }
  }
  for (const latency of measurement.dms) {
    const context = {
      taskArn: latency.task.taskArn,
      replicationInstanceIdentifier: latency.task.replicationInstanceIdentifier,
    };
    const text = `DMS task ${latency.task.taskArn} on replication instance ${latency.task.replicationInstanceIdentifier}`;
    for (const metric of ['cdcLatencySource', 'cdcLatencyTarget'] as const) {
      const value = latency[metric];
      if (value !== null) {
        observations.push(numeric(source, undefined, latency.task.taskId, metric, value, at, context, text));
      }
    }
  }
  return observations;
}

/** The one observation for a source that could not be checked at all. */
export function evaluateUnreachable(source: ResolvedSource, reason: string, at: number): Observation[] {
  return [
    statusObservation(
      source.name,
      undefined,
      'sourceCheck',
      'CRITICAL',
      reason,
      `cannot be checked: ${reason}`,
      at,
      { error: reason },
    ),
  ];
}

function evaluateSlot(source: ResolvedSource, health: SlotHealth, at: number): Observation[] {
  const { reading } = health;
  const name = reading.slot.slotName;
  const context = slotContext(health);
  const text = describeSlot(health);
  const out: Observation[] = [];
  const push = (metric: NumericMetric, value: number | bigint | null) => {
    if (value !== null) out.push(numeric(source, name, undefined, metric, Number(value), at, context, text));
  };
  push('slotLag', reading.lagBytes);
  push('retainedWal', reading.retainedWalBytes);
  // A synced copy on a standby is never read there; its inactivity means nothing.
  const syncedOnStandby = reading.inRecovery && reading.slot.synced === true;
  push('inactiveTime', syncedOnStandby ? null : reading.slot.active ? 0 : health.inactiveSeconds);
  push('xminAge', health.xminAge);
  const walStatus = reading.slot.walStatus;
  if (walStatus !== null) {
    const rule = source.thresholds.walStatus;
    const level: AlertLevel = rule.critical.includes(walStatus)
      ? 'CRITICAL'
      : rule.warning.includes(walStatus)
        ? 'WARNING'
        : 'OK';
    const reason = health.invalidationReason ? ` (invalidated: ${health.invalidationReason})` : '';
    out.push({
      key: alertKey(source.name, name, undefined, 'walStatus'),
      source: source.name,
      slot: name,
      task: undefined,
      metric: 'walStatus',
      level,
      value: null,
      status: walStatus,
      threshold: level === 'OK' ? null : { level, value: walStatus },
      thresholds: rule,
      summary: `wal_status ${walStatus}${reason}`,
      context,
      contextText: text,
      measuredAt: at,
    });
  }
  return out;
}

export function numeric(
  source: ResolvedSource,
  slot: string | undefined,
  task: string | undefined,
  metric: NumericMetric | 'safeWal',
  value: number,
  at: number,
  context: JsonObject,
  contextText: string,
  thresholds: NumericThreshold = source.thresholds[metric as NumericMetric],
): Observation {
  const lower = LOWER_IS_WORSE.has(metric);
  const level = levelOf(value, thresholds, lower);
  const crossed =
    level === 'CRITICAL' ? thresholds.critical : level === 'WARNING' ? thresholds.warning : null;
  const lowest = thresholds.warning ?? thresholds.critical;
  const label = METRIC_INFO[metric].label;
  const shown = formatValue(metric, value);
  const [worse, better] = lower ? ['<=', '>'] : ['>=', '<'];
  let summary: string;
  if (crossed !== null) summary = `${label} ${shown} ${worse} ${formatValue(metric, crossed)}`;
  else if (lowest !== null) summary = `${label} ${shown} ${better} ${formatValue(metric, lowest)}`;
  else summary = `${label} ${shown}`;
  return {
    key: alertKey(source.name, slot, task, metric),
    source: source.name,
    slot,
    task,
    metric,
    level,
    value,
    status: null,
    threshold:
      crossed !== null && level !== 'OK'
        ? { level, value: crossed }
        : lowest !== null
          ? { level: thresholds.warning !== null ? 'WARNING' : 'CRITICAL', value: lowest }
          : null,
    thresholds,
    summary,
    context,
    contextText,
    measuredAt: at,
  };
}

export function statusObservation(
  source: string,
  slot: string | undefined,
  metric: MetricName,
  level: AlertLevel,
  status: string,
  summary: string,
  at: number,
  context: JsonObject,
): Observation {
  return {
    key: alertKey(source, slot, undefined, metric),
    source,
    slot,
    task: undefined,
    metric,
    level,
    value: null,
    status,
    threshold: null,
    thresholds: null,
    summary,
    context,
    contextText: '',
    measuredAt: at,
  };
}

/**
 * A value against a warning/critical pair: at or above critical is CRITICAL, then WARNING, else OK;
 * for a metric where less is worse (`lower`), at or below.
 */
export function levelOf(value: number, thresholds: NumericThreshold, lower = false): AlertLevel {
  const reached = (threshold: number | null) =>
    threshold !== null && (lower ? value <= threshold : value >= threshold);
  if (reached(thresholds.critical)) return 'CRITICAL';
  if (reached(thresholds.warning)) return 'WARNING';
  return 'OK';
}

export function alertKey(
  source: string,
  slot: string | undefined,
  task: string | undefined,
  metric: MetricName,
): string {
  return `${source}#${slot ?? (task ? `task:${task}` : '-')}#${metric}`;
}

/** A metric value for people: sizes with units, durations, percent, grouped transaction counts. */
export function formatValue(metric: MetricName, value: number): string {
  switch (METRIC_INFO[metric].unit) {
    case 'bytes':
      return formatSize(value);
    case 'percent':
      return `${Math.round(value * 10) / 10}%`;
    case 'seconds':
      return formatDuration(value);
    case 'transactions':
      return `${groupDigits(value)} xids`;
    case 'status':
      return String(value);
  }
}

export function slotContext(health: SlotHealth): JsonObject {
  const { reading } = health;
  const { slot } = reading;
  return {
    slot: slot.slotName,
    slotType: slot.slotType,
    plugin: slot.plugin,
    database: slot.database,
    active: slot.active,
    activePid: slot.activePid,
    activeApplication: slot.activeApplication,
    walStatus: slot.walStatus,
    invalidationReason: health.invalidationReason,
    safeWalSizeBytes: slot.safeWalSizeBytes === null ? null : Number(slot.safeWalSizeBytes),
    restartLsn: slot.restartLsn === null ? null : formatLsn(slot.restartLsn),
    confirmedFlushLsn: slot.confirmedFlushLsn === null ? null : formatLsn(slot.confirmedFlushLsn),
    serverLsn: formatLsn(reading.serverLsn),
    inRecovery: reading.inRecovery,
    inactiveSince: slot.inactiveSince,
    lagBytes: reading.lagBytes === null ? null : Number(reading.lagBytes),
    retainedWalBytes: reading.retainedWalBytes === null ? null : Number(reading.retainedWalBytes),
    xminAge: health.xminAge,
  };
}

export function describeSlot(health: SlotHealth): string {
  const { reading } = health;
  const { slot } = reading;
  const holder = slot.active
    ? `active (pid ${slot.activePid ?? '?'}${slot.activeApplication ? `, ${slot.activeApplication}` : ''})`
    : health.inactiveSeconds !== null
      ? `inactive for ${formatDuration(health.inactiveSeconds)} (since ${slot.inactiveSince})`
      : 'inactive';
  const parts = [
    `${slot.slotType} slot${slot.plugin ? ` (${slot.plugin})` : ''}${slot.database ? ` on database ${slot.database}` : ''}`,
    holder,
    `wal_status ${slot.walStatus ?? 'n/a'}${health.invalidationReason ? ` (${health.invalidationReason})` : ''}`,
    `safe_wal_size ${slot.safeWalSizeBytes === null ? 'unlimited' : formatSize(Number(slot.safeWalSizeBytes))}`,
    `restart_lsn ${slot.restartLsn === null ? 'none' : formatLsn(slot.restartLsn)}`,
    `confirmed_flush_lsn ${slot.confirmedFlushLsn === null ? 'none' : formatLsn(slot.confirmedFlushLsn)}`,
    `server at ${formatLsn(reading.serverLsn)}${reading.inRecovery ? ' (standby replay)' : ''}`,
  ];
  if (health.xminAge !== null) parts.push(`xmin age ${groupDigits(health.xminAge)}`);
  return parts.join('; ');
}

function describeWal(wal: NonNullable<SourceMeasurement['wal']>): string {
  const parts = [
    wal.via === 'pg_ls_waldir'
      ? `pg_wal holds ${wal.bytes === null ? 'n/a' : formatSize(wal.bytes)} in ${wal.files ?? '?'} files`
      : `TransactionLogsDiskUsage ${wal.bytes === null ? 'n/a' : formatSize(wal.bytes)}`,
  ];
  if (wal.capacityBytes !== null) parts.push(`of ${formatSize(wal.capacityBytes)} it can grow into`);
  if (wal.freeStorageBytes !== null) parts.push(`FreeStorageSpace ${formatSize(wal.freeStorageBytes)}`);
  if (wal.replicationSlotDiskBytes !== null) {
    parts.push(`ReplicationSlotDiskUsage ${formatSize(wal.replicationSlotDiskBytes)}`);
  }
  return parts.join('; ');
}
