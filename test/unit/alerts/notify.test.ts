import { describe, expect, it } from 'vitest';
import { MemoryAlertStateStore } from '../../../src/adapters/local/alert-state-store.js';
import { evaluateSource, type Observation } from '../../../src/core/alerts/evaluate.js';
import { AlertDeliveryError, mapLimit, processObservations } from '../../../src/core/alerts/notify.js';
import type { AlertMessage, Alerts } from '../../../src/ports/alerts.js';
import type { Clock } from '../../../src/ports/clock.js';
import { MiB, measurement, slot, source, T0 } from './fixtures.js';

const THRESHOLDS = { retainedWal: { warning: '10MB', critical: '20MB' } };

function retained(mib: number): Observation[] {
  const s = source({ thresholds: THRESHOLDS });
  return evaluateSource(s, measurement({ slots: [slot({ retained: mib * MiB })], wal: null })).filter(
    (o) => o.metric === 'retainedWal',
  );
}

function recordingAlerts(options: { failures?: number } = {}): Alerts & { sent: AlertMessage[] } {
  let failures = options.failures ?? 0;
  const sent: AlertMessage[] = [];
  return {
    sent,
    async publish(alert) {
      if (failures > 0) {
        failures -= 1;
        throw Object.assign(new Error('Topic does not exist'), { name: 'NotFoundException' });
      }
      sent.push(alert);
      return { messageId: `m-${sent.length}` };
    },
  };
}

function clockAt(start: number): Clock & { advance(ms: number): void } {
  let now = start;
  return { now: () => now, sleep: async () => undefined, advance: (ms) => (now += ms) };
}

describe('processObservations', () => {
  it('WARNING, CRITICAL, a reminder after the interval, RESOLVED: one message each, quiet in between', async () => {
    const state = new MemoryAlertStateStore();
    const alerts = recordingAlerts();
    const clock = clockAt(T0);
    const run = async (mib: number) => {
      clock.advance(60_000);
      return processObservations(retained(mib), 60, { state, alerts, clock });
    };
    for (const mib of [5, 12, 14, 25, 26]) await run(mib);
    clock.advance(60 * 60_000);
    await run(27); // 62 min after the CRITICAL alert (at 25 MiB): a reminder
    await run(28);
    await run(3);
    await run(2);
    expect(alerts.sent.map((m) => m.subject)).toEqual([
      '[WARNING] orders-db slot dms_slot: retained WAL 12 MiB >= 10 MiB',
      '[CRITICAL] orders-db slot dms_slot: retained WAL 25 MiB >= 20 MiB',
      '[CRITICAL] orders-db slot dms_slot: retained WAL 27 MiB >= 20 MiB, for 1 h 2 min',
      '[RESOLVED] orders-db slot dms_slot: retained WAL 3 MiB < 10 MiB',
    ]);
    expect(await state.get('orders-db#dms_slot#retainedWal')).toMatchObject({
      state: 'OK',
      lastValue: 3 * MiB,
    });
  });

  it('two overlapping runs from the same stored version send the alert once; the other learns it lost', async () => {
    const state = new MemoryAlertStateStore();
    const alerts = recordingAlerts();
    const clock = clockAt(T0);
    const [a, b] = await Promise.all([
      processObservations(retained(25), 60, { state, alerts, clock }),
      processObservations(retained(25), 60, { state, alerts, clock }),
    ]);
    expect(alerts.sent).toHaveLength(1);
    expect([a[0]?.lostRace, b[0]?.lostRace].sort()).toEqual([false, true]);
    expect([a[0]?.sent, b[0]?.sent].filter(Boolean)).toHaveLength(1);
  });

  it('a failed publish puts the state back, so the next run sends it; the failure is reported after all observations', async () => {
    const state = new MemoryAlertStateStore();
    const alerts = recordingAlerts({ failures: 1 });
    const clock = clockAt(T0);
    const error = await processObservations(retained(25), 60, { state, alerts, clock }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AlertDeliveryError);
    expect((error as AlertDeliveryError).failures).toEqual([
      { key: 'orders-db#dms_slot#retainedWal', error: 'NotFoundException: Topic does not exist' },
    ]);
    expect(await state.get('orders-db#dms_slot#retainedWal')).toMatchObject({
      state: 'OK',
      lastNotifiedAt: null,
    });

    clock.advance(60_000);
    await processObservations(retained(25), 60, { state, alerts, clock });
    expect(alerts.sent.map((m) => m.attributes.severity)).toEqual(['CRITICAL']);
  });

  it('mapLimit keeps at most `limit` calls in flight and keeps the order of results', async () => {
    let inFlight = 0;
    let most = 0;
    const results = await mapLimit([5, 1, 4, 2, 3, 0], 2, async (n) => {
      inFlight += 1;
      most = Math.max(most, inFlight);
      await new Promise((resolve) => setTimeout(resolve, n));
      inFlight -= 1;
      if (n === 0) throw new Error('zero');
      return n * 10;
    });
    expect(most).toBe(2);
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value : 'x'))).toEqual([50, 10, 40, 20, 30, 'x']);
  });
});
