import { describe, expect, it } from 'vitest';
import { decide } from '../../../src/core/alerts/decide.js';
import { evaluateSource, type Observation } from '../../../src/core/alerts/evaluate.js';
import type { AlertLevel, AlertStateRecord } from '../../../src/ports/alert-state.js';
import { MiB, measurement, slot, source, T0 } from './fixtures.js';

const RENOTIFY = 60 * 60_000;

/** The retainedWal observation for `retained` bytes against 10 MiB / 20 MiB. */
function retained(mib: number): Observation {
  const s = source({ thresholds: { retainedWal: { warning: '10MB', critical: '20MB' } } });
  const found = evaluateSource(s, measurement({ slots: [slot({ retained: mib * MiB })] })).find(
    (o) => o.metric === 'retainedWal',
  );
  if (!found) throw new Error('no retainedWal observation');
  return found;
}

function stored(state: AlertLevel, extra: Partial<AlertStateRecord> = {}): AlertStateRecord {
  return {
    state,
    since: T0 - 600_000,
    lastNotifiedAt: T0 - 600_000,
    lastValue: 5 * MiB,
    version: 3,
    ...extra,
  };
}

describe('decide', () => {
  it('OK with no record, or an OK record: no write, no notification', () => {
    expect(decide(retained(1), undefined, T0, RENOTIFY)).toEqual({ write: null, notify: null, level: 'OK' });
    expect(decide(retained(1), stored('OK'), T0, RENOTIFY)).toEqual({
      write: null,
      notify: null,
      level: 'OK',
    });
  });

  it.each<[AlertLevel | undefined, number, AlertLevel]>([
    [undefined, 12, 'WARNING'],
    [undefined, 25, 'CRITICAL'],
    ['OK', 12, 'WARNING'],
    ['WARNING', 25, 'CRITICAL'],
    ['CRITICAL', 12, 'WARNING'],
  ])('%s -> %d MiB fires an ALERT at %s and stores it since now', (before, mib, level) => {
    const decision = decide(retained(mib), before ? stored(before) : undefined, T0, RENOTIFY);
    expect(decision).toEqual({
      write: { state: level, since: T0, lastNotifiedAt: T0, lastValue: mib * MiB },
      notify: 'ALERT',
      level,
    });
  });

  it.each<AlertLevel>(['WARNING', 'CRITICAL'])('%s -> OK is RESOLVED', (before) => {
    expect(decide(retained(1), stored(before), T0, RENOTIFY)).toEqual({
      write: { state: 'OK', since: T0, lastNotifiedAt: T0, lastValue: 1 * MiB },
      notify: 'RESOLVED',
      level: 'OK',
    });
  });

  it('WARNING that persists is rewritten with the new value, never re-notified', () => {
    const before = stored('WARNING', { lastNotifiedAt: T0 - 10 * RENOTIFY });
    expect(decide(retained(15), before, T0, RENOTIFY)).toEqual({
      write: {
        state: 'WARNING',
        since: before.since,
        lastNotifiedAt: before.lastNotifiedAt,
        lastValue: 15 * MiB,
      },
      notify: null,
      level: 'WARNING',
    });
  });

  it('CRITICAL that persists is re-notified once the interval has passed since the last notification', () => {
    const recent = stored('CRITICAL', { lastNotifiedAt: T0 - RENOTIFY + 1 });
    expect(decide(retained(30), recent, T0, RENOTIFY)).toEqual({
      write: {
        state: 'CRITICAL',
        since: recent.since,
        lastNotifiedAt: recent.lastNotifiedAt,
        lastValue: 30 * MiB,
      },
      notify: null,
      level: 'CRITICAL',
    });
    const due = stored('CRITICAL', { lastNotifiedAt: T0 - RENOTIFY });
    expect(decide(retained(30), due, T0, RENOTIFY)).toEqual({
      write: { state: 'CRITICAL', since: due.since, lastNotifiedAt: T0, lastValue: 30 * MiB },
      notify: 'REMINDER',
      level: 'CRITICAL',
    });
  });
});
