import { describe, expect, it } from 'vitest';
import { MemoryAlertStateStore } from '../../../src/adapters/local/alert-state-store.js';
import { decide } from '../../../src/core/alerts/decide.js';
import { resolveDroppedSlot } from '../../../src/core/alerts/dropped.js';
import type { Observation } from '../../../src/core/alerts/evaluate.js';
import { evaluateAhead } from '../../../src/core/alerts/evaluate-ahead.js';
import { heldLevel } from '../../../src/core/alerts/hysteresis.js';
import type { Forecasts } from '../../../src/core/health/forecast.js';
import type { SlotHealth } from '../../../src/core/health/measurement.js';
import type { AlertLevel, AlertStateRecord } from '../../../src/ports/alert-state.js';
import type { AlertMessage, Alerts } from '../../../src/ports/alerts.js';
import { MiB, measurement, slot, source, T0 } from './fixtures.js';

/**
 * Hysteresis, the alerting decision, the early-warning observations and the dropped-slot
 * resolution at their edges (mutation testing).
 */

/** A numeric observation of `metric` at `value` against warning/critical, at the level it stands at alone. */
function observed(
  metric: 'retainedWal' | 'safeWalForecast',
  value: number,
  level: AlertLevel,
  thresholds: { warning: number | null; critical: number | null } | null,
): Observation {
  return {
    key: `orders-db#dms_slot#${metric}`,
    source: 'orders-db',
    slot: 'dms_slot',
    task: undefined,
    metric,
    level,
    value,
    status: null,
    threshold: null,
    thresholds,
    summary: '',
    context: {},
    contextText: '',
    measuredAt: T0,
  };
}

describe('heldLevel', () => {
  it('holds a level exactly at its hysteresis bound, on either side of "worse"', () => {
    // Higher is worse, WARNING at 10 with 10%: held down to 9 inclusive.
    expect(heldLevel(observed('retainedWal', 9, 'OK', { warning: 10, critical: 20 }), 'WARNING', 10)).toBe(
      'WARNING',
    );
    // Less is worse, CRITICAL at 3600 s with 10%: held up to 3960 s inclusive.
    const left = (seconds: number) =>
      observed('safeWalForecast', seconds, 'WARNING', { warning: 21_600, critical: 3600 });
    expect(heldLevel(left(3960), 'CRITICAL', 10)).toBe('CRITICAL');
    expect(heldLevel(left(3961), 'CRITICAL', 10)).toBe('WARNING');
  });

  it('never raises a level above the one stored, even inside a higher level band', () => {
    // CRITICAL at 11 is within 10% of 9.95 too, but the metric stood at WARNING: it stays there.
    expect(heldLevel(observed('retainedWal', 9.95, 'OK', { warning: 10, critical: 11 }), 'WARNING', 10)).toBe(
      'WARNING',
    );
  });

  it('holds a level whose other level is disabled, and never holds a disabled level', () => {
    const noWarning = { warning: null, critical: 20 };
    expect(heldLevel(observed('retainedWal', 19, 'OK', noWarning), 'CRITICAL', 10)).toBe('CRITICAL');
    expect(heldLevel(observed('retainedWal', 5, 'OK', noWarning), 'CRITICAL', 10)).toBe('OK');
    const noCritical = { warning: 10, critical: null };
    expect(heldLevel(observed('retainedWal', 9.5, 'OK', noCritical), 'WARNING', 10)).toBe('WARNING');
  });

  it('does not hold an observation without thresholds', () => {
    expect(heldLevel(observed('retainedWal', 9, 'OK', null), 'WARNING', 10)).toBe('OK');
  });
});

describe('decide', () => {
  const POLICY = { hysteresisPercent: 10, minNotifyMs: 10 * 60_000 };
  const RENOTIFY = 3_600_000;

  it('alerts, not reminds, for a CRITICAL stored without a notification yet', () => {
    const record: AlertStateRecord = {
      state: 'CRITICAL',
      since: T0 - 1000,
      lastNotifiedAt: null,
      lastValue: 25,
      version: 3,
    };
    const decision = decide(
      observed('retainedWal', 25, 'CRITICAL', { warning: 10, critical: 20 }),
      record,
      T0,
      RENOTIFY,
    );
    expect(decision).toEqual({
      write: { state: 'CRITICAL', since: T0 - 1000, lastNotifiedAt: T0, lastValue: 25 },
      notify: 'ALERT',
      level: 'CRITICAL',
    });
  });

  it('without damping holds nothing back, even after a notification stamped later than its own clock', () => {
    // Another checker whose clock runs a few seconds ahead notified last.
    const record: AlertStateRecord = {
      state: 'WARNING',
      since: T0,
      lastNotifiedAt: T0 + 5000,
      lastValue: 12,
      version: 4,
    };
    const decision = decide(
      observed('retainedWal', 2, 'OK', { warning: 10, critical: 20 }),
      record,
      T0,
      RENOTIFY,
    );
    expect(decision).toMatchObject({ notify: 'RESOLVED', level: 'OK' });
  });

  it('does not alert for a first value just under its threshold', () => {
    const decision = decide(
      observed('retainedWal', 9.5, 'OK', { warning: 10, critical: 20 }),
      undefined,
      T0,
      RENOTIFY,
      POLICY,
    );
    expect(decision).toEqual({ write: null, notify: null, level: 'OK' });
  });
});

describe('evaluateAhead', () => {
  const LIMIT = { bytes: 64 * MiB };
  const safe = (bytes: bigint | null): SlotHealth => {
    const base = slot();
    return { ...base, reading: { ...base.reading, slot: { ...base.reading.slot, safeWalSizeBytes: bytes } } };
  };
  const forecasts = (over: Partial<Forecasts> = {}): Forecasts => ({
    walRateBytesPerSecond: 2048,
    samples: 5,
    spanSeconds: 240,
    slots: new Map(),
    walDisk: null,
    ...over,
  });

  it('judges no safe WAL for a slot that reports none', () => {
    expect(
      evaluateAhead(source(), measurement({ slots: [safe(null)], slotWalLimit: LIMIT }), forecasts()),
    ).toEqual([]);
  });

  it('judges safe WAL without a forecast for a slot the history has not judged yet', () => {
    const found = evaluateAhead(
      source(),
      measurement({ slots: [safe(40n * BigInt(MiB))], slotWalLimit: LIMIT }),
      forecasts(),
    );
    expect(found.map((o) => o.metric)).toEqual(['safeWal']);
    expect(found[0]?.contextText).toMatch(/; max_slot_wal_keep_size 64 MiB$/);
  });

  it('writes what a forecast comes from into its text and context', () => {
    const slots = new Map([['dms_slot', { shrinkBytesPerSecond: 1024, secondsLeft: 7200.4 }]]);
    const [, forecast] = evaluateAhead(
      source(),
      measurement({ slots: [safe(40n * BigInt(MiB))], slotWalLimit: LIMIT }),
      forecasts({ slots, walRateBytesPerSecond: null }),
    );
    expect(forecast?.value).toBe(7200);
    expect(forecast?.contextText).toMatch(
      /; safe_wal_size 40 MiB; WAL written at n\/a, the slot falls behind by 1 KiB\/s \(5 samples over 4 min\)$/,
    );
    expect(forecast?.context.forecast).toBe(forecast?.contextText);
  });

  it('says a slot that stopped shrinking is not shrinking, keeping what the forecast comes from', () => {
    const slots = new Map([['dms_slot', { shrinkBytesPerSecond: 0, secondsLeft: null }]]);
    const [, forecast] = evaluateAhead(
      source(),
      measurement({ slots: [safe(40n * BigInt(MiB))], slotWalLimit: LIMIT }),
      forecasts({ slots }),
    );
    expect(forecast).toMatchObject({ level: 'OK', status: 'not shrinking', value: null });
    expect(forecast?.contextText).toMatch(
      /; safe_wal_size 40 MiB; WAL written at 2 KiB\/s, the slot falls behind by 0 B\/s/,
    );
    expect(forecast?.context.forecast).toBe(forecast?.contextText);
  });

  it('forecasts when the WAL disk is full, as a source observation', () => {
    const walDisk = { freeBytes: 512 * MiB, shrinkBytesPerSecond: MiB, secondsLeft: 512 };
    const found = evaluateAhead(source(), measurement({ slots: [] }), forecasts({ walDisk }));
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({
      key: 'orders-db#-#walDiskForecast',
      metric: 'walDiskForecast',
      slot: undefined,
      value: 512,
      contextText:
        '512 MiB left for WAL; WAL written at 2 KiB/s, free space shrinks by 1 MiB/s (5 samples over 4 min)',
    });
    expect(found[0]?.context).toMatchObject({ freeBytes: 512 * MiB, forecast: found[0]?.contextText });
    expect(evaluateAhead(source(), measurement({ slots: [] }), null)).toEqual([]);
  });
});

describe('resolveDroppedSlot', () => {
  const clock = { now: () => T0, sleep: async () => {} };
  const open = (state: AlertLevel) => ({ state, since: T0 - 1000, lastNotifiedAt: T0 - 1000, lastValue: 1 });

  function alerts(fail = false): Alerts & { sent: AlertMessage[] } {
    const sent: AlertMessage[] = [];
    return {
      sent,
      async publish(message) {
        if (fail) throw new Error('topic gone');
        sent.push(message);
        return { messageId: 'm-1' };
      },
    };
  }

  it('closes the slot metrics, leaving the missing-slot alert to its own check, in one message', async () => {
    const state = new MemoryAlertStateStore();
    await state.transition('orders-db#gone#retainedWal', null, open('WARNING'));
    await state.transition('orders-db#gone#safeWal', null, open('CRITICAL'));
    await state.transition('orders-db#gone#slotMissing', null, open('CRITICAL'));
    const sink = alerts();
    const sent = await resolveDroppedSlot('orders-db', 'gone', { state, alerts: sink, clock });
    expect(sent).toEqual({
      kind: 'RESOLVED',
      severity: 'RESOLVED',
      subject: sink.sent[0]?.subject,
      messageId: 'm-1',
    });
    expect((await state.get('orders-db#gone#slotMissing'))?.state).toBe('CRITICAL');
    expect((await state.get('orders-db#gone#retainedWal'))?.state).toBe('OK');
    const [message] = sink.sent;
    expect(message?.subject).toBe('[RESOLVED] orders-db slot gone: slot dropped');
    expect(message?.body.split('\n\n')).toHaveLength(3);
    expect(message?.body.split('\n\n')[0]).toMatch(/its alerts are closed: [^,]+ WARNING, [^,]+ CRITICAL\.$/);
    expect(message?.body.split('\n\n')[1]).toBe(
      'If the slot was dropped by mistake while a DMS task still needed it, run `dms-cdc recover` for that task: the changes since its confirmed_flush_lsn are not on the target.',
    );
    expect(message?.body.split('\n\n')[2]).toBe('Checked at 2026-03-01T10:00:00.000Z.');
    expect(message?.payload).toMatchObject({
      kind: 'RESOLVED',
      severity: 'RESOLVED',
      source: 'orders-db',
      slot: 'gone',
      metric: 'slotDropped',
      closed: { retainedWal: 'WARNING', safeWal: 'CRITICAL' },
      at: '2026-03-01T10:00:00.000Z',
    });
    expect(message?.attributes).toEqual({
      severity: 'RESOLVED',
      source: 'orders-db',
      slot: 'gone',
      metric: 'slotDropped',
    });
  });

  it('throws the publish error, not a failure to put the states back', async () => {
    const state = new MemoryAlertStateStore();
    await state.transition('orders-db#gone#safeWal', null, open('CRITICAL'));
    const failing = Object.assign(state, {
      transition: (() => {
        const real = state.transition.bind(state);
        let calls = 0;
        return (key: string, version: number | null, next: never) => {
          calls += 1;
          return calls === 1 ? real(key, version, next) : Promise.reject(new Error('throttled'));
        };
      })(),
    });
    const error = await resolveDroppedSlot('orders-db', 'gone', {
      state: failing,
      alerts: alerts(true),
      clock,
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({ message: 'topic gone' });
  });
});
