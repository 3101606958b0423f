import { describe, expect, it } from 'vitest';
import { MemoryAlertStateStore } from '../../../src/adapters/local/alert-state-store.js';
import {
  appendSample,
  forecast,
  HISTORY_MAX_AGE_MS,
  HISTORY_MAX_SAMPLES,
  mergeHistories,
  sampleOf,
  slopeOf,
  timeLeft,
} from '../../../src/core/health/forecast.js';
import { viewHistory } from '../../../src/core/health/history.js';
import type { SlotHealth } from '../../../src/core/health/measurement.js';
import { lsnFromBigInt } from '../../../src/core/lsn.js';
import type { HealthSample } from '../../../src/ports/alert-state.js';
import { MiB, measurement, slot, T0 } from '../alerts/fixtures.js';

const MINUTE = 60_000;

/** A sample `i` minutes after T0 with `walMiB` written since T0 and the slot's restart_lsn at `restartMiB`. */
function sample(
  i: number,
  walMiB: number,
  restartMiB: number | null,
  free: number | null = null,
): HealthSample {
  return {
    at: T0 + i * MINUTE,
    lsn: String(1_000_000_000 + walMiB * MiB),
    walFreeBytes: free,
    slots: { dms_slot: restartMiB === null ? null : String(1_000_000_000 + restartMiB * MiB) },
  };
}

function withSafe(bytes: number): SlotHealth {
  const base = slot();
  return {
    ...base,
    reading: { ...base.reading, slot: { ...base.reading.slot, safeWalSizeBytes: BigInt(bytes) } },
  };
}

describe('slopeOf', () => {
  it('is the least-squares rate per second; null under three points or with no time between them', () => {
    const points = [0, 1, 2, 3].map((i) => [T0 + i * 1000, BigInt(i * 100 + (i === 2 ? 10 : 0))] as const);
    expect(slopeOf(points)).toBeCloseTo(101, 6);
    expect(slopeOf(points.slice(0, 2))).toBeNull();
    expect(slopeOf([0, 0, 0].map(() => [T0, 5n] as const))).toBeNull();
  });

  it('keeps LSNs past 2^53 exact by measuring from the first point', () => {
    const big = 2n ** 60n;
    expect(slopeOf([0, 1, 2].map((i) => [T0 + i * 1000, big + BigInt(i)] as const))).toBe(1);
  });
});

describe('timeLeft', () => {
  it('room over rate; none when nothing shrinks; zero once the room is gone', () => {
    expect(timeLeft(3600, 1)).toBe(3600);
    expect(timeLeft(3600, 0)).toBeNull();
    expect(timeLeft(3600, -2)).toBeNull();
    expect(timeLeft(-10, 1)).toBe(0);
  });
});

describe('forecast', () => {
  it('an inactive slot: safe_wal_size shrinks at the WAL rate and is gone in safe/rate', () => {
    const history = [0, 1, 2, 3].map((i) => sample(i, i * 6, 0));
    const result = forecast(history, measurement({ slots: [withSafe(36 * MiB)] }));
    expect(result.walRateBytesPerSecond).toBeCloseTo((6 * MiB) / 60, 3);
    expect(result.slots.get('dms_slot')?.secondsLeft).toBeCloseTo(360, 3);
    expect(result).toMatchObject({ samples: 4, spanSeconds: 180 });
  });

  it('a slot that keeps up does not shrink: no time left to forecast', () => {
    const history = [0, 1, 2, 3].map((i) => sample(i, i * 6, i * 6));
    const result = forecast(history, measurement({ slots: [withSafe(36 * MiB)] }));
    expect(result.slots.get('dms_slot')).toEqual({ shrinkBytesPerSecond: 0, secondsLeft: null });
  });

  it('without safe_wal_size (unlimited, lost, 12) or with too few samples: no slot forecast', () => {
    const history = [0, 1, 2].map((i) => sample(i, i, 0));
    expect(forecast(history, measurement()).slots.size).toBe(0);
    expect(forecast(history.slice(0, 2), measurement({ slots: [withSafe(MiB)] })).slots.size).toBe(0);
  });

  it('the WAL disk: time until the free space it grows into is used up', () => {
    const history = [0, 1, 2].map((i) => sample(i, i, 0, 600 * MiB - i * 60 * MiB));
    expect(forecast(history, measurement()).walDisk).toEqual({
      freeBytes: 480 * MiB,
      shrinkBytesPerSecond: MiB,
      secondsLeft: 480,
    });
  });
});

describe('the sample history', () => {
  it('sampleOf: the server position, the free space (capacity minus pg_wal, else FreeStorageSpace), restart_lsn per slot', () => {
    const m = measurement({ serverLsn: lsnFromBigInt(5000n) });
    const wal = m.wal as NonNullable<typeof m.wal>;
    expect(sampleOf({ ...m, wal: { ...wal, capacityBytes: 100 * MiB } }, T0)).toMatchObject({
      at: T0,
      lsn: '5000',
      walFreeBytes: 36 * MiB,
      slots: { dms_slot: expect.stringMatching(/^\d+$/) },
    });
    expect(sampleOf({ ...m, wal: { ...wal, freeStorageBytes: 7 } }, T0)?.walFreeBytes).toBe(7);
    expect(sampleOf(measurement(), T0)).toBeNull();
  });

  it('is bounded by count and age, replaces a sample taken at the same moment, and merges two writers', () => {
    let history: HealthSample[] = [];
    for (let i = 0; i < HISTORY_MAX_SAMPLES + 5; i += 1) history = appendSample(history, sample(i, i, 0));
    expect(history).toHaveLength(HISTORY_MAX_SAMPLES);
    expect(history[0]?.at).toBe(T0 + 5 * MINUTE);
    const again = appendSample(history, { ...sample(HISTORY_MAX_SAMPLES + 4, 99, 0) });
    expect(again).toHaveLength(HISTORY_MAX_SAMPLES);
    expect(again.at(-1)?.lsn).toBe(String(1_000_000_000 + 99 * MiB));
    const late = appendSample(history, sample(HISTORY_MAX_AGE_MS / MINUTE + HISTORY_MAX_SAMPLES + 10, 1, 0));
    expect(late).toHaveLength(1);
    const merged = mergeHistories([sample(0, 0, 0), sample(2, 2, 0)], [sample(1, 1, 0), sample(2, 2, 0)]);
    expect(merged.map((s) => s.at)).toEqual([T0, T0 + MINUTE, T0 + 2 * MINUTE]);
  });
});

describe('viewHistory', () => {
  it('a slot gone since the previous sample is dropped, unless configured by name (that is slotMissing)', async () => {
    const store = new MemoryAlertStateStore();
    const previous = { ...sample(0, 0, 0), slots: { dms_slot: '1', old_slot: '1', named_slot: '1' } };
    await store.putHistory('orders-db', null, [previous]);
    const now = measurement({ serverLsn: lsnFromBigInt(2n), missingSlots: ['named_slot'] });
    const view = await viewHistory(store, now, T0 + MINUTE, 0);
    expect(view.droppedSlots).toEqual(['old_slot']);
    await view.save();
    expect((await store.getHistory('orders-db'))?.samples).toHaveLength(2);
  });

  it('stores a sample only 4.5 min after the last stored one; each check still forecasts with its own', async () => {
    const store = new MemoryAlertStateStore();
    await store.putHistory('orders-db', null, [sample(0, 0, 0), sample(5, 5, 0)]);
    const check = (minute: number) =>
      viewHistory(
        store,
        measurement({ serverLsn: lsnFromBigInt(BigInt(minute * 10)) }),
        T0 + minute * MINUTE,
      );
    const early = await check(6);
    expect(early.forecasts?.samples).toBe(3);
    await early.save();
    expect((await store.getHistory('orders-db'))?.version).toBe(1);
    await (await check(9.5)).save();
    expect((await store.getHistory('orders-db'))?.samples.map((s) => (s.at - T0) / MINUTE)).toEqual([
      0, 5, 9.5,
    ]);
  });
});
