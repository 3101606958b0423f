import { describe, expect, it } from 'vitest';
import { evaluateAhead } from '../../../src/core/alerts/evaluate-ahead.js';
import { buildAlertMessage } from '../../../src/core/alerts/message.js';
import type { Forecasts } from '../../../src/core/health/forecast.js';
import type { SlotHealth } from '../../../src/core/health/measurement.js';
import { MiB, measurement, slot, source, T0 } from './fixtures.js';

function withSafe(bytes: number, extra: Partial<SlotHealth> = {}): SlotHealth {
  const base = slot({ active: false, inactiveSeconds: 600 });
  return {
    ...base,
    ...extra,
    reading: { ...base.reading, slot: { ...base.reading.slot, safeWalSizeBytes: BigInt(bytes) } },
  };
}

const LIMIT = { bytes: 64 * MiB };

function forecasts(secondsLeft: number | null): Forecasts {
  return {
    walRateBytesPerSecond: 2048,
    samples: 5,
    spanSeconds: 240,
    slots: new Map([['dms_slot', { shrinkBytesPerSecond: secondsLeft === null ? 0 : 2048, secondsLeft }]]),
    walDisk: null,
  };
}

describe('evaluateAhead', () => {
  it.each([
    [40, 'OK', 'safe WAL 40 MiB > 32 MiB'],
    [32, 'WARNING', 'safe WAL 32 MiB <= 32 MiB'],
    [12, 'CRITICAL', 'safe WAL 12 MiB <= 12.8 MiB'],
  ])('safe WAL %d MiB of a 64 MiB limit is %s', (mib, level, summary) => {
    const [observation] = evaluateAhead(
      source(),
      measurement({ slots: [withSafe(mib * MiB)], slotWalLimit: LIMIT }),
      null,
    );
    expect(observation).toMatchObject({
      metric: 'safeWal',
      level,
      summary,
      key: 'orders-db#dms_slot#safeWal',
    });
  });

  it('does not apply with max_slot_wal_keep_size unlimited or on PostgreSQL 12', () => {
    for (const slotWalLimit of ['unlimited', 'unavailable'] as const) {
      expect(evaluateAhead(source(), measurement({ slots: [withSafe(MiB)], slotWalLimit }), null)).toEqual(
        [],
      );
    }
  });

  it('the forecast: its level, its message with the forecast, the rate and the remedy', () => {
    const found = evaluateAhead(
      source(),
      measurement({ slots: [withSafe(40 * MiB)], slotWalLimit: LIMIT }),
      forecasts(40 * 512),
    ).find((o) => o.metric === 'safeWalForecast');
    expect(found).toMatchObject({
      level: 'WARNING',
      value: 20_480,
      summary: 'safe WAL gone in 5 h 41 min <= 6 h',
    });
    const message = buildAlertMessage(found as never, 'ALERT', undefined, T0);
    expect(message.subject).toBe('[WARNING] orders-db slot dms_slot: safe WAL gone in 5 h 41 min <= 6 h');
    expect(message.body).toContain('is 5 h 41 min, at or below the warning threshold of 6 h');
    expect(message.body).toContain(
      'WAL written at 2 KiB/s, the slot falls behind by 2 KiB/s (5 samples over 4 min)',
    );
    expect(message.body).toContain('Remedy: make the consumer read the slot before then');
  });

  it('a slot that stopped shrinking: an OK forecast without a value, which resolves an open one', () => {
    const found = evaluateAhead(
      source(),
      measurement({ slots: [withSafe(40 * MiB)], slotWalLimit: LIMIT }),
      forecasts(null),
    ).find((o) => o.metric === 'safeWalForecast');
    expect(found).toMatchObject({
      level: 'OK',
      value: null,
      summary: 'safe WAL gone in never (not shrinking)',
    });
    const message = buildAlertMessage(found as never, 'RESOLVED', undefined, T0);
    expect(message.body.split('\n')[0]).toBe(
      'RESOLVED: slot dms_slot on orders-db: safe WAL gone in never (not shrinking).',
    );
  });

  it('PostgreSQL 18: the time before idle_replication_slot_timeout invalidates an inactive slot', () => {
    const found = evaluateAhead(
      source(),
      measurement({ slots: [withSafe(MiB, { idleTimeoutLeftSeconds: 1800 })], slotWalLimit: 'unlimited' }),
      null,
    );
    expect(found).toMatchObject([
      { metric: 'idleTimeoutLeft', level: 'CRITICAL', summary: 'idle timeout in 30 min <= 1 h' },
    ]);
  });
});
