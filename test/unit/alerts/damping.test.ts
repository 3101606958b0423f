import { describe, expect, it } from 'vitest';
import { decide } from '../../../src/core/alerts/decide.js';
import { evaluateSource, type Observation } from '../../../src/core/alerts/evaluate.js';
import { heldLevel } from '../../../src/core/alerts/hysteresis.js';
import type { AlertLevel, AlertStateRecord } from '../../../src/ports/alert-state.js';
import { MiB, measurement, slot, source, T0 } from './fixtures.js';

const RENOTIFY = 60 * 60_000;
const POLICY = { hysteresisPercent: 10, minNotifyMs: 10 * 60_000 };

/** retainedWal against 10 MiB / 20 MiB ("higher is worse"). */
function retained(mib: number): Observation {
  const s = source({ thresholds: { retainedWal: { warning: '10MB', critical: '20MB' } } });
  const found = evaluateSource(s, measurement({ slots: [slot({ retained: Math.round(mib * MiB) })] })).find(
    (o) => o.metric === 'retainedWal',
  );
  if (!found) throw new Error('no observation');
  return found;
}

/** A "less is worse" observation: seconds left against 6 h / 1 h. */
function left(hours: number): Observation {
  const seconds = hours * 3600;
  const level: AlertLevel = seconds <= 3600 ? 'CRITICAL' : seconds <= 6 * 3600 ? 'WARNING' : 'OK';
  return {
    ...retained(1),
    key: 'orders-db#dms_slot#safeWalForecast',
    metric: 'safeWalForecast',
    value: seconds,
    level,
    thresholds: { warning: 6 * 3600, critical: 3600 },
  };
}

function stored(state: AlertLevel, notifiedMinutesAgo: number): AlertStateRecord {
  const at = T0 - notifiedMinutesAgo * 60_000;
  return { state, since: at, lastNotifiedAt: at, lastValue: null, version: 2 };
}

describe('hysteresis', () => {
  it('higher is worse: a level is kept until the value is under 90% of its threshold', () => {
    expect(heldLevel(retained(9.5), 'WARNING', 10)).toBe('WARNING');
    expect(heldLevel(retained(8.9), 'WARNING', 10)).toBe('OK');
    expect(heldLevel(retained(19), 'CRITICAL', 10)).toBe('CRITICAL');
    expect(heldLevel(retained(17), 'CRITICAL', 10)).toBe('WARNING');
    expect(heldLevel(retained(9.5), 'CRITICAL', 10)).toBe('WARNING');
    // Entering needs the threshold itself.
    expect(heldLevel(retained(9.9), 'OK', 10)).toBe('OK');
  });

  it('less is worse: kept until the value is above 110% of its threshold', () => {
    expect(heldLevel(left(6.5), 'WARNING', 10)).toBe('WARNING');
    expect(heldLevel(left(6.7), 'WARNING', 10)).toBe('OK');
    expect(heldLevel(left(1.05), 'CRITICAL', 10)).toBe('CRITICAL');
    expect(heldLevel(left(1.2), 'CRITICAL', 10)).toBe('WARNING');
  });

  it('an observation without a value (nothing shrinks any more) is not held', () => {
    expect(heldLevel({ ...left(2), value: null, level: 'OK' }, 'WARNING', 10)).toBe('OK');
  });
});

describe('decide with damping', () => {
  it('inside the band: stays WARNING, rewrites the value, sends nothing', () => {
    const decision = decide(retained(9.5), stored('WARNING', 60), T0, RENOTIFY, POLICY);
    expect(decision).toMatchObject({ level: 'WARNING', notify: null, write: { state: 'WARNING' } });
  });

  it('a step down waits for the minimum interval since the last notification, then resolves', () => {
    expect(decide(retained(5), stored('WARNING', 3), T0, RENOTIFY, POLICY)).toMatchObject({
      level: 'WARNING',
      notify: null,
    });
    expect(decide(retained(5), stored('WARNING', 10), T0, RENOTIFY, POLICY)).toMatchObject({
      level: 'OK',
      notify: 'RESOLVED',
    });
  });

  it('a rise to WARNING right after a RESOLVED waits; a rise to CRITICAL never does', () => {
    expect(decide(retained(12), stored('OK', 2), T0, RENOTIFY, POLICY)).toMatchObject({
      level: 'OK',
      notify: null,
      write: null,
    });
    expect(decide(retained(25), stored('OK', 2), T0, RENOTIFY, POLICY)).toMatchObject({
      level: 'CRITICAL',
      notify: 'ALERT',
    });
    expect(decide(retained(25), stored('WARNING', 1), T0, RENOTIFY, POLICY)).toMatchObject({
      level: 'CRITICAL',
      notify: 'ALERT',
    });
  });

  it('without a policy (as before): every change is notified at once', () => {
    expect(decide(retained(9.5), stored('WARNING', 1), T0, RENOTIFY)).toMatchObject({
      level: 'OK',
      notify: 'RESOLVED',
    });
  });
});
