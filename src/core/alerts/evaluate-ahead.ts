import type { JsonObject } from '../../ports/alerts.js';
import type { ResolvedSource } from '../health/config.js';
import type { Forecasts } from '../health/forecast.js';
import type { SlotHealth, SourceMeasurement } from '../health/measurement.js';
import { safeWalBytes } from '../health/safe-wal.js';
import { formatDuration, formatSize } from '../health/sizes.js';
import {
  alertKey,
  describeSlot,
  evaluateSource,
  numeric,
  type Observation,
  slotContext,
  statusObservation,
} from './evaluate.js';
import { METRIC_INFO } from './metrics.js';

/**
 * The observations that warn before a slot is lost rather than after: safe_wal_size against
 * max_slot_wal_keep_size, the time until it reaches zero and until the WAL disk is full at the
 * measured rates, and the time before idle_replication_slot_timeout (PostgreSQL 18) invalidates an
 * inactive slot. All are "less is worse".
 */
export function evaluateAhead(
  source: ResolvedSource,
  measurement: SourceMeasurement,
  forecasts: Forecasts | null,
): Observation[] {
  const at = measurement.measuredAt;
  const out: Observation[] = [];
  const limit = measurement.slotWalLimit;
  for (const health of measurement.slots) {
    const name = health.reading.slot.slotName;
    const context = slotContext(health);
    const text = describeSlot(health);
    const safe = health.reading.slot.safeWalSizeBytes;
    if (safe !== null && typeof limit === 'object') {
      const thresholds = {
        warning: safeWalBytes(source.thresholds.safeWal.warning, limit.bytes),
        critical: safeWalBytes(source.thresholds.safeWal.critical, limit.bytes),
      };
      const ofLimit = `${text}; max_slot_wal_keep_size ${formatSize(limit.bytes)}`;
      out.push(numeric(source, name, undefined, 'safeWal', Number(safe), at, context, ofLimit, thresholds));
      const slotForecast = forecasts?.slots.get(name);
      if (forecasts && slotForecast) {
        out.push(
          timeLeft(source, name, 'safeWalForecast', slotForecast.secondsLeft, at, context, [
            text,
            `safe_wal_size ${formatSize(Number(safe))}`,
            rateText(forecasts, slotForecast.shrinkBytesPerSecond, 'the slot falls behind by'),
          ]),
        );
      }
    }
    const idle = idleLeft(health);
    if (idle !== null) {
      out.push(numeric(source, name, undefined, 'idleTimeoutLeft', idle, at, context, text));
    }
  }
  const disk = forecasts?.walDisk;
  if (forecasts && disk) {
    out.push(
      timeLeft(source, undefined, 'walDiskForecast', disk.secondsLeft, at, { freeBytes: disk.freeBytes }, [
        `${formatSize(disk.freeBytes)} left for WAL`,
        rateText(forecasts, disk.shrinkBytesPerSecond, 'free space shrinks by'),
      ]),
    );
  }
  return out;
}

function idleLeft(health: SlotHealth): number | null {
  const left = health.idleTimeoutLeftSeconds;
  return typeof left === 'number' ? left : null;
}

/** A forecast as an observation; with nothing shrinking it is OK and has no value (resolves an alert). */
function timeLeft(
  source: ResolvedSource,
  slot: string | undefined,
  metric: 'safeWalForecast' | 'walDiskForecast',
  secondsLeft: number | null,
  at: number,
  context: JsonObject,
  parts: readonly string[],
): Observation {
  const text = parts.join('; ');
  if (secondsLeft !== null) {
    const rounded = Math.round(secondsLeft);
    return numeric(source, slot, undefined, metric, rounded, at, { ...context, forecast: text }, text);
  }
  const observation = statusObservation(
    source.name,
    slot,
    metric,
    'OK',
    'not shrinking',
    `${METRIC_INFO[metric].label} never (not shrinking)`,
    at,
    { ...context, forecast: text },
  );
  return { ...observation, key: alertKey(source.name, slot, undefined, metric), contextText: text };
}

function rateText(forecasts: Forecasts, shrink: number, what: string): string {
  const wal = forecasts.walRateBytesPerSecond;
  return (
    `WAL written at ${wal === null ? 'n/a' : `${formatSize(Math.round(wal))}/s`}, ${what} ` +
    `${formatSize(Math.round(Math.max(0, shrink)))}/s (${forecasts.samples} samples over ` +
    `${formatDuration(forecasts.spanSeconds)})`
  );
}

/**
 * Every observation of a measured source: its values now (evaluateSource) and what is ahead
 * (evaluateAhead). The one list the function and the CLI judge, so both see the same metrics.
 */
export function evaluateMeasurement(
  source: ResolvedSource,
  measurement: SourceMeasurement,
  forecasts: Forecasts | null,
): Observation[] {
  return [...evaluateSource(source, measurement), ...evaluateAhead(source, measurement, forecasts)];
}
