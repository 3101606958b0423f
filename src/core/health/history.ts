import type { HealthHistoryStore, HealthSample } from '../../ports/alert-state.js';
import { appendSample, type Forecasts, forecast, mergeHistories, sampleOf } from './forecast.js';
import type { SourceMeasurement } from './measurement.js';

/** What the sample history says about this check, and how to keep the new sample once it is done. */
export interface HistoryView {
  readonly forecasts: Forecasts | null;
  /** Slots in the previous sample that are gone now (and not configured by name: those are slotMissing). */
  readonly droppedSlots: readonly string[];
  /** Stores the history with this check's sample (after alerts went out, so a failed one is retried). */
  readonly save: () => Promise<void>;
}

/** How often a write that lost to an overlapping check re-reads, merges and tries again. */
const SAVE_ATTEMPTS = 3;

/**
 * A sample is stored only this long after the last stored one (a one-minute schedule stores every
 * fifth): the history is one item of a few KB, and writing it every minute for every source would
 * cost more than every other write of the check. Each check still forecasts with its own sample.
 */
export const DEFAULT_SAMPLE_SPACING_MS = 270_000;

/**
 * Reads the source's history, adds this check's sample (taken at `at`, the checker's clock: forecasts
 * need the time between checks, and a clock the tests can drive), and forecasts from it.
 */
export async function viewHistory(
  store: HealthHistoryStore,
  measurement: SourceMeasurement,
  at: number,
  spacingMs = DEFAULT_SAMPLE_SPACING_MS,
): Promise<HistoryView> {
  const sample = sampleOf(measurement, at);
  if (!sample) return { forecasts: null, droppedSlots: [], save: async () => {} };
  const stored = await store.getHistory(measurement.source);
  const before = stored?.samples ?? [];
  const samples = appendSample(before, sample);
  const previous = before.filter((s) => s.at < sample.at).at(-1);
  // A configured slot that is gone is not a resolution: it is the slotMissing CRITICAL alert.
  const droppedSlots = previous
    ? Object.keys(previous.slots).filter(
        (name) => !(name in sample.slots) && !measurement.missingSlots.includes(name),
      )
    : [];
  const due = !previous || sample.at - previous.at >= spacingMs;
  return {
    forecasts: forecast(samples, measurement),
    droppedSlots,
    save: async () => {
      if (due) await saveSample(store, measurement.source, sample, samples, stored?.version ?? null);
    },
  };
}

// Idempotent: a retried check writes the same sample (same time) again, replacing itself; a write
// that lost to another check merges both histories.
async function saveSample(
  store: HealthHistoryStore,
  source: string,
  sample: HealthSample,
  samples: readonly HealthSample[],
  version: number | null,
): Promise<void> {
  let next = samples;
  let expected = version;
  for (let attempt = 1; attempt <= SAVE_ATTEMPTS; attempt += 1) {
    if (await store.putHistory(source, expected, next)) return;
    const current = await store.getHistory(source);
    next = mergeHistories(current?.samples ?? [], [sample]);
    expected = current?.version ?? null;
  }
}
