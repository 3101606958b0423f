import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type CatchUpProgress,
  type CatchUpThresholds,
  evaluateCatchUp,
  worstLatency,
} from '../../../src/core/cutover/catch-up.js';
import { CatchUpTimeoutError } from '../../../src/core/cutover/errors.js';
import type { TaskStatus } from '../../../src/ports/dms.js';
import { thrown } from '../../support/thrown.js';

/** The catch-up wait, poll by poll, at every threshold boundary (mutation testing). */
const T0 = Date.parse('2026-03-01T10:00:00.000Z');
const THRESHOLDS: CatchUpThresholds = {
  maxLagBytes: 1000,
  maxLatencySeconds: 30,
  consecutivePolls: 3,
  catchUpTimeoutSeconds: 600,
};
const obs = (
  lagBytes: number | null,
  latencySeconds: number | null = null,
  taskStatus: TaskStatus = 'running',
) => ({
  slotName: 'dms_slot',
  lagBytes,
  latencySeconds,
  taskStatus,
});
const started = (consecutive: number, polls = consecutive): CatchUpProgress => ({
  consecutive,
  polls,
  since: new Date(T0).toISOString(),
});

describe('evaluateCatchUp', () => {
  it('starts the clock and the poll count on the first poll', () => {
    expect(evaluateCatchUp(obs(5000), THRESHOLDS, null, T0 + 1234)).toEqual({
      caughtUp: false,
      consecutive: 0,
      polls: 1,
      since: '2026-03-01T10:00:01.234Z',
      withinThresholds: false,
    });
  });

  it('counts a first poll within thresholds as one in a row', () => {
    expect(evaluateCatchUp(obs(0, 0), THRESHOLDS, null, T0)).toEqual({
      caughtUp: false,
      consecutive: 1,
      polls: 1,
      since: '2026-03-01T10:00:00.000Z',
      withinThresholds: true,
    });
  });

  it('keeps the start time and adds one poll to what the previous poll returned', () => {
    const verdict = evaluateCatchUp(obs(0), THRESHOLDS, started(1, 7), T0 + 60_000);
    expect(verdict).toEqual({
      caughtUp: false,
      consecutive: 2,
      polls: 8,
      since: '2026-03-01T10:00:00.000Z',
      withinThresholds: true,
    });
  });

  it('is within thresholds at exactly maxLagBytes and maxLatencySeconds, and not one past either', () => {
    expect(evaluateCatchUp(obs(1000, 30), THRESHOLDS, null, T0).withinThresholds).toBe(true);
    expect(evaluateCatchUp(obs(1001, 30), THRESHOLDS, null, T0).withinThresholds).toBe(false);
    expect(evaluateCatchUp(obs(1000, 30.001), THRESHOLDS, null, T0).withinThresholds).toBe(false);
  });

  it('lets a missing latency pass only together with a known lag', () => {
    expect(evaluateCatchUp(obs(0, null), THRESHOLDS, null, T0).withinThresholds).toBe(true);
    expect(evaluateCatchUp(obs(null, 0), THRESHOLDS, null, T0).withinThresholds).toBe(false);
    expect(evaluateCatchUp(obs(null, null), THRESHOLDS, null, T0).withinThresholds).toBe(false);
  });

  it('with zero thresholds, accepts only zero lag and zero latency', () => {
    const zero = { ...THRESHOLDS, maxLagBytes: 0, maxLatencySeconds: 0 };
    expect(evaluateCatchUp(obs(0, 0), zero, null, T0).withinThresholds).toBe(true);
    expect(evaluateCatchUp(obs(1, 0), zero, null, T0).withinThresholds).toBe(false);
    expect(evaluateCatchUp(obs(0, 1), zero, null, T0).withinThresholds).toBe(false);
  });

  it('is caught up at exactly consecutivePolls in a row, not one before', () => {
    expect(evaluateCatchUp(obs(0), THRESHOLDS, started(1), T0).caughtUp).toBe(false);
    expect(evaluateCatchUp(obs(0), THRESHOLDS, started(2), T0)).toMatchObject({
      caughtUp: true,
      consecutive: 3,
    });
    expect(evaluateCatchUp(obs(0), { ...THRESHOLDS, consecutivePolls: 1 }, null, T0).caughtUp).toBe(true);
  });

  it('resets the count to zero on one poll outside the thresholds', () => {
    expect(evaluateCatchUp(obs(1001), THRESHOLDS, started(2, 5), T0)).toMatchObject({
      caughtUp: false,
      consecutive: 0,
      polls: 6,
      withinThresholds: false,
    });
  });

  it('waits until exactly the deadline and times out one millisecond after it', () => {
    const deadline = T0 + 600_000;
    expect(evaluateCatchUp(obs(5000), THRESHOLDS, started(0, 20), deadline).caughtUp).toBe(false);
    const error = thrown(() => evaluateCatchUp(obs(5000, 45), THRESHOLDS, started(0, 20), deadline + 1));
    expect(error).toBeInstanceOf(CatchUpTimeoutError);
    expect(error).toMatchObject({ lagBytes: 5000, latencySeconds: 45, timeoutSeconds: 600 });
    expect((error as Error).message).toBe(
      'the CDC task did not catch up with slot dms_slot within 600 s ' +
        '(21 polls; last: lag 5000 bytes, DMS latency 45 s, 0 of 3 polls in a row within thresholds)',
    );
  });

  it('reports the count of polls in a row when it times out while within thresholds', () => {
    const error = thrown(() => evaluateCatchUp(obs(10), THRESHOLDS, started(1, 4), T0 + 600_001));
    expect((error as Error).message).toContain(
      '(5 polls; last: lag 10 bytes, DMS latency unknown s, 2 of 3 polls',
    );
  });

  it('does not time out a poll that catches up after the deadline', () => {
    expect(evaluateCatchUp(obs(0), THRESHOLDS, started(2), T0 + 10_000_000)).toMatchObject({
      caughtUp: true,
    });
  });

  it('times out a first poll only when the timeout is already spent (never with a fresh clock)', () => {
    expect(evaluateCatchUp(obs(null), { ...THRESHOLDS, catchUpTimeoutSeconds: 0 }, null, T0).caughtUp).toBe(
      false,
    );
  });

  it('counts exactly the length of the final run of in-threshold polls (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 2000 }), { minLength: 1, maxLength: 30 }), (lags) => {
        let previous: CatchUpProgress | null = null;
        let run = 0;
        for (const [i, lag] of lags.entries()) {
          const verdict = evaluateCatchUp(
            obs(lag),
            { ...THRESHOLDS, consecutivePolls: 100 },
            previous,
            T0 + i,
          );
          run = lag <= 1000 ? run + 1 : 0;
          if (verdict.consecutive !== run || verdict.polls !== i + 1) return false;
          if (verdict.caughtUp) return false;
          previous = verdict;
        }
        return true;
      }),
    );
  });
});

describe('worstLatency', () => {
  it('is the larger of the two known sides', () => {
    expect(worstLatency({ source: 3, target: 7 })).toBe(7);
    expect(worstLatency({ source: 7, target: 3 })).toBe(7);
  });

  it('uses the one known side when the other is unknown, including a zero', () => {
    expect(worstLatency({ source: null, target: 4 })).toBe(4);
    expect(worstLatency({ source: 4, target: null })).toBe(4);
    expect(worstLatency({ source: 0, target: null })).toBe(0);
  });

  it('is null when neither side is known', () => {
    expect(worstLatency({ source: null, target: null })).toBeNull();
  });
});

describe('evaluateCatchUp on a task that is not running', () => {
  it('never counts a stopped or starting task as within thresholds, however small the lag', () => {
    for (const status of ['stopped', 'starting', 'failed'] as const) {
      const verdict = evaluateCatchUp(
        obs(0, 0, status),
        THRESHOLDS,
        { consecutive: 9, polls: 9, since: new Date(T0).toISOString() },
        T0 + 1000,
      );
      expect(verdict).toMatchObject({ withinThresholds: false, consecutive: 0, caughtUp: false });
    }
  });

  it('leaves a stopped task to the machine past the deadline instead of timing out', () => {
    const late = T0 + 10 * 86_400_000;
    const since = new Date(T0).toISOString();
    expect(
      evaluateCatchUp(obs(0, 0, 'stopped'), THRESHOLDS, { consecutive: 0, polls: 3, since }, late),
    ).toMatchObject({
      caughtUp: false,
    });
    expect(
      thrown(() =>
        evaluateCatchUp(obs(0, 0, 'starting'), THRESHOLDS, { consecutive: 0, polls: 3, since }, late),
      ),
    ).toBeInstanceOf(CatchUpTimeoutError);
  });
});
