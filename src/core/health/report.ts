import type { AlertLevel } from '../../ports/alert-state.js';
import type { Observation } from '../alerts/evaluate.js';
import { worstLevel } from '../alerts/metrics.js';
import type { Forecasts } from './forecast.js';
import type { SourceMeasurement } from './measurement.js';

export interface Breach {
  readonly metric: string;
  readonly level: 'WARNING' | 'CRITICAL';
  /** The measured number, or the status (wal_status, `missing`). */
  readonly value: number | string | null;
  /** The threshold it reached (a number, or the wal_status value listed as WARNING/CRITICAL). */
  readonly threshold: number | string | null;
  readonly message: string;
}

export interface SlotHealthReport {
  readonly slot: string;
  readonly active: boolean;
  readonly walStatus: string | null;
  readonly lagBytes: number | null;
  readonly retainedBytes: number | null;
  /** safe_wal_size (13+): WAL that can still be written before the slot passes max_slot_wal_keep_size. */
  readonly safeWalBytes: number | null;
  /** Seconds until safe_wal_size reaches zero at the measured rates; only with enough history and shrinking. */
  readonly safeWalGoneInSeconds?: number;
  /** PostgreSQL 17+: why the slot was invalidated (wal_removed, rows_removed, idle_timeout, ...); else null. */
  readonly invalidationReason: string | null;
  /** PostgreSQL 18+: seconds before idle_replication_slot_timeout invalidates the slot; only when it applies. */
  readonly idleTimeoutLeftSeconds?: number;
  readonly state: AlertLevel;
  readonly breaches: readonly Breach[];
}

/** `dms-cdc health --json`: exactly this shape. */
export interface HealthReport {
  readonly source: string;
  readonly slots: readonly SlotHealthReport[];
  readonly wal: { readonly bytes: number | null; readonly files: number | null };
  /** Bytes, `unlimited` (-1: safe WAL does not apply) or `not available` (PostgreSQL 12 has no such limit). */
  readonly maxSlotWalKeepSize: number | 'unlimited' | 'not available';
  /** WAL written per second over the kept samples; null without enough history. */
  readonly walRateBytesPerSecond: number | null;
  readonly state: AlertLevel;
}

/**
 * The report of one source: per slot its numbers, its worst level and what it breaches; WAL on disk;
 * and the overall state, the worst of everything evaluated (so a WAL disk breach raises it too).
 */
export function toHealthReport(
  source: string,
  measurement: SourceMeasurement,
  observations: readonly Observation[],
  forecasts: Forecasts | null = null,
): HealthReport {
  const bySlot = new Map<string, Observation[]>();
  for (const observation of observations) {
    if (observation.slot === undefined) continue;
    const list = bySlot.get(observation.slot) ?? [];
    list.push(observation);
    bySlot.set(observation.slot, list);
  }
  const slots: SlotHealthReport[] = measurement.slots.map((health) => {
    const { reading, idleTimeoutLeftSeconds } = health;
    const own = bySlot.get(reading.slot.slotName) ?? [];
    const goneIn = forecasts?.slots.get(reading.slot.slotName)?.secondsLeft;
    return {
      slot: reading.slot.slotName,
      active: reading.slot.active,
      walStatus: reading.slot.walStatus,
      lagBytes: reading.lagBytes === null ? null : Number(reading.lagBytes),
      retainedBytes: reading.retainedWalBytes === null ? null : Number(reading.retainedWalBytes),
      safeWalBytes: reading.slot.safeWalSizeBytes === null ? null : Number(reading.slot.safeWalSizeBytes),
      ...(typeof goneIn === 'number' && { safeWalGoneInSeconds: Math.round(goneIn) }),
      invalidationReason: health.invalidationReason,
      ...(typeof idleTimeoutLeftSeconds === 'number' && { idleTimeoutLeftSeconds }),
      state: worstLevel(own.map((o) => o.level)),
      breaches: breachesOf(own),
    };
  });
  for (const name of measurement.missingSlots) {
    const own = bySlot.get(name) ?? [];
    slots.push({
      slot: name,
      active: false,
      walStatus: null,
      lagBytes: null,
      retainedBytes: null,
      safeWalBytes: null,
      invalidationReason: null,
      state: worstLevel(own.map((o) => o.level)),
      breaches: breachesOf(own),
    });
  }
  return {
    source,
    slots,
    wal: { bytes: measurement.wal?.bytes ?? null, files: measurement.wal?.files ?? null },
    maxSlotWalKeepSize: limitOf(measurement),
    walRateBytesPerSecond:
      forecasts?.walRateBytesPerSecond == null ? null : Math.round(forecasts.walRateBytesPerSecond),
    state: worstLevel(observations.map((o) => o.level)),
  };
}

function limitOf(measurement: SourceMeasurement): HealthReport['maxSlotWalKeepSize'] {
  const limit = measurement.slotWalLimit;
  if (limit === undefined || limit === 'unavailable') return 'not available';
  return limit === 'unlimited' ? 'unlimited' : limit.bytes;
}

export function breachesOf(observations: readonly Observation[]): Breach[] {
  return observations.flatMap((o) =>
    o.level === 'OK'
      ? []
      : [
          {
            metric: o.metric,
            level: o.level,
            value: o.value ?? o.status,
            threshold: o.threshold?.value ?? null,
            message: o.summary,
          },
        ],
  );
}

/** The CLI exit status: 0 all OK, 1 a warning, 2 something critical (3, could not run, is the caller's). */
export function exitStatusOf(state: AlertLevel): 0 | 1 | 2 {
  return state === 'CRITICAL' ? 2 : state === 'WARNING' ? 1 : 0;
}
