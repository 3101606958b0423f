import type { HealthSample } from '../../ports/alert-state.js';
import type { SourceMeasurement } from './measurement.js';

/**
 * Forecasts from the sample history of one source: the WAL write rate, per slot the time until
 * safe_wal_size reaches zero, and the time until the space WAL grows into is full. Rates are
 * least-squares slopes over the kept samples, so one odd reading (a segment recycled, a checkpoint)
 * moves them little.
 */

/** Samples kept per source: half an hour of one-minute checks. */
export const HISTORY_MAX_SAMPLES = 30;
/** Older samples describe another workload; they are dropped even when fewer than the maximum remain. */
export const HISTORY_MAX_AGE_MS = 2 * 3600_000;
/** Two points always make a line: a rate needs a third to mean anything. */
export const MIN_SAMPLES_FOR_RATE = 3;

export interface SlotForecast {
  /** Bytes per second by which safe_wal_size shrinks: WAL written minus what the slot advanced. */
  readonly shrinkBytesPerSecond: number;
  /** Seconds until safe_wal_size reaches zero; null when it does not shrink. */
  readonly secondsLeft: number | null;
}

export interface DiskForecast {
  readonly freeBytes: number;
  readonly shrinkBytesPerSecond: number;
  readonly secondsLeft: number | null;
}

export interface Forecasts {
  /** WAL written per second on the source (pg_current_wal_lsn over time); null without enough samples. */
  readonly walRateBytesPerSecond: number | null;
  /** The samples the rates come from and the time they span. */
  readonly samples: number;
  readonly spanSeconds: number;
  readonly slots: ReadonlyMap<string, SlotForecast>;
  readonly walDisk: DiskForecast | null;
}

/** What a measurement adds to the history; null for a server that gave no WAL position. */
export function sampleOf(measurement: SourceMeasurement, at: number): HealthSample | null {
  if (measurement.serverLsn === undefined) return null;
  const wal = measurement.wal;
  const walFreeBytes =
    wal?.capacityBytes != null && wal.bytes !== null
      ? Math.max(0, wal.capacityBytes - wal.bytes)
      : (wal?.freeStorageBytes ?? null);
  const slots: Record<string, string | null> = {};
  for (const { reading } of measurement.slots) {
    slots[reading.slot.slotName] =
      reading.slot.restartLsn === null ? null : reading.slot.restartLsn.toString();
  }
  return { at, lsn: measurement.serverLsn.toString(), walFreeBytes, slots };
}

/** The history with `sample` added (replacing one taken at the same moment), oldest first, bounded. */
export function appendSample(history: readonly HealthSample[], sample: HealthSample): HealthSample[] {
  return bounded([...history.filter((s) => s.at !== sample.at), sample], sample.at);
}

/** Two histories written by overlapping checks, as one: every sample once, bounded. */
export function mergeHistories(a: readonly HealthSample[], b: readonly HealthSample[]): HealthSample[] {
  const byTime = new Map<number, HealthSample>();
  for (const sample of [...a, ...b]) byTime.set(sample.at, sample);
  const all = [...byTime.values()];
  return bounded(all, Math.max(...all.map((s) => s.at)));
}

function bounded(samples: HealthSample[], newest: number): HealthSample[] {
  return samples
    .filter((s) => s.at > newest - HISTORY_MAX_AGE_MS)
    .sort((x, y) => x.at - y.at)
    .slice(-HISTORY_MAX_SAMPLES);
}

/** Rates and times left from the history (the current sample last) and the current measurement. */
export function forecast(history: readonly HealthSample[], measurement: SourceMeasurement): Forecasts {
  const first = history[0];
  const last = history.at(-1);
  const spanSeconds = first && last ? (last.at - first.at) / 1000 : 0;
  const walRate = slopeOf(history.map((s) => [s.at, BigInt(s.lsn)] as const));
  const slots = new Map<string, SlotForecast>();
  for (const health of measurement.slots) {
    const name = health.reading.slot.slotName;
    const safe = health.reading.slot.safeWalSizeBytes;
    if (safe === null || walRate === null) continue;
    const restart = history.flatMap((s) => {
      const lsn = s.slots[name];
      return typeof lsn === 'string' ? [[s.at, BigInt(lsn)] as const] : [];
    });
    // A slot seen in fewer samples than the source has not been watched long enough to judge.
    const advance = slopeOf(restart);
    if (advance === null) continue;
    const shrink = walRate - advance;
    slots.set(name, { shrinkBytesPerSecond: shrink, secondsLeft: timeLeft(Number(safe), shrink) });
  }
  return {
    walRateBytesPerSecond: walRate,
    samples: history.length,
    spanSeconds,
    slots,
    walDisk: diskForecast(history),
  };
}

function diskForecast(history: readonly HealthSample[]): DiskForecast | null {
  const points = history.flatMap((s) =>
    s.walFreeBytes === null ? [] : [[s.at, BigInt(s.walFreeBytes)] as const],
  );
  const slope = slopeOf(points);
  const latest = history.at(-1)?.walFreeBytes;
  if (slope === null || latest === null || latest === undefined) return null;
  return { freeBytes: latest, shrinkBytesPerSecond: -slope, secondsLeft: timeLeft(latest, -slope) };
}

/** Seconds until `room` is used up at `shrinkPerSecond`; null when it does not shrink. */
export function timeLeft(room: number, shrinkPerSecond: number): number | null {
  if (!(shrinkPerSecond > 0)) return null;
  return Math.max(0, room) / shrinkPerSecond;
}

/**
 * Least-squares slope of y over time, per second; null with fewer than MIN_SAMPLES_FOR_RATE points
 * or no time between them. y is a bigint (LSNs pass 2^53); it is taken relative to the first point.
 */
export function slopeOf(points: readonly (readonly [number, bigint])[]): number | null {
  const origin = points[0];
  if (!origin || points.length < MIN_SAMPLES_FOR_RATE) return null;
  const xs = points.map(([at]) => (at - origin[0]) / 1000);
  const ys = points.map(([, y]) => Number(y - origin[1]));
  const n = points.length;
  const meanX = xs.reduce((a, b) => a + b, 0) / n;
  const meanY = ys.reduce((a, b) => a + b, 0) / n;
  let covariance = 0;
  let variance = 0;
  xs.forEach((x, i) => {
    covariance += (x - meanX) * ((ys[i] ?? 0) - meanY);
    variance += (x - meanX) ** 2;
  });
  return variance === 0 ? null : covariance / variance;
}
