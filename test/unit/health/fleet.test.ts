import { afterEach, describe, expect, it } from 'vitest';
import { parseHealthConfig } from '../../../src/core/health/config.js';
import {
  type BatchSummary,
  checkBatch,
  FAILURES_PER_BATCH,
  FAILURES_PER_RUN,
  failureOf,
  MAX_SOURCES,
  outcomeOf,
  type SourceOutcome,
  summarizeBatch,
  summarizeRun,
} from '../../../src/core/health/fleet.js';
import type { HealthCheckResult } from '../../../src/core/health/run.js';
import { clearSecrets, registerSecret } from '../../../src/core/redact.js';
import type { Clock } from '../../../src/ports/clock.js';

const ok = (source: string): SourceOutcome => ({ source, level: 'OK' });
const failed = (source: string): SourceOutcome => ({
  source,
  level: 'FAILED',
  error: 'SourceUnreachableError',
  cause: 'cannot reach',
});

afterEach(() => clearSecrets());

describe('summarizeBatch and summarizeRun', () => {
  it('a batch counts every level and lists at most FAILURES_PER_BATCH failures', () => {
    const outcomes: SourceOutcome[] = [
      ok('a'),
      { source: 'b', level: 'WARNING' },
      { source: 'c', level: 'CRITICAL' },
      ...Array.from({ length: FAILURES_PER_BATCH + 2 }, (_, i) => failed(`f${i}`)),
    ];
    const summary = summarizeBatch(3, outcomes);
    expect(summary).toMatchObject({ batch: 3, sources: 10, ok: 1, warning: 1, critical: 1, failed: 7 });
    expect(summary.failures.map((f) => f.source)).toEqual(['f0', 'f1', 'f2', 'f3', 'f4']);
    expect(summary.failuresOmitted).toBe(2);
  });

  it('a run adds the batches up; a batch that failed whole is listed once and stands for all its sources', () => {
    const batches: BatchSummary[] = [
      summarizeBatch(0, [ok('a'), failed('b')]),
      {
        batch: 1,
        sources: 25,
        ok: 0,
        warning: 0,
        critical: 0,
        failed: 25,
        failures: [],
        failuresOmitted: 0,
        error: 'States.Timeout',
      },
    ];
    expect(summarizeRun(batches)).toEqual({
      sources: 27,
      batches: 2,
      ok: 1,
      warning: 0,
      critical: 0,
      failed: 26,
      failures: [
        { source: 'b', error: 'SourceUnreachableError', cause: 'cannot reach' },
        { source: 'batch 1', error: 'States.Timeout', cause: 'none of its 25 sources was checked' },
      ],
      failuresOmitted: 0,
    });
  });

  it('a run lists at most FAILURES_PER_RUN failures and counts the rest as omitted', () => {
    const batches = Array.from({ length: 10 }, (_, b) =>
      summarizeBatch(
        b,
        Array.from({ length: 7 }, (_, i) => failed(`s${b}-${i}`)),
      ),
    );
    const run = summarizeRun(batches);
    expect(run.failed).toBe(70);
    expect(run.failures).toHaveLength(FAILURES_PER_RUN);
    expect(run.failuresOmitted).toBe(50);
  });
});

describe('failureOf and outcomeOf', () => {
  it('a failure carries the error name and one redacted line of at most 160 characters', () => {
    registerSecret('hunter2-secret');
    const error = Object.assign(new Error(`login failed for password hunter2-secret\n${'x'.repeat(400)}`), {
      name: 'SourceAuthenticationError',
    });
    const outcome = failureOf('orders-db', error);
    expect(outcome).toMatchObject({
      source: 'orders-db',
      level: 'FAILED',
      error: 'SourceAuthenticationError',
    });
    const cause = (outcome as { cause: string }).cause;
    expect(cause).toBe('login failed for password ***');
    expect(failureOf('db hunter2-secret', error).source).toBe('db ***');
    const long = failureOf('orders-db', new Error('y'.repeat(400))) as { cause: string };
    expect(long.cause).toHaveLength(160);
    expect(long.cause.endsWith('…')).toBe(true);
  });

  it('a checked source counts at its worst level; an unreachable one is FAILED with its error name', () => {
    const base = { source: 'orders-db', measuredAt: '', slots: 0, breaches: [], alerts: [], lostRaces: 0 };
    const result = (over: Partial<HealthCheckResult>) =>
      ({ ...base, problems: [], ...over }) as HealthCheckResult;
    expect(outcomeOf(result({ status: 'CHECKED', state: 'WARNING', error: null }))).toEqual({
      source: 'orders-db',
      level: 'WARNING',
    });
    expect(
      outcomeOf(
        result({
          status: 'UNREACHABLE',
          state: 'CRITICAL',
          error: 'SourceUnreachableError: cannot reach postgres@10.0.0.1:5432/app (ECONNREFUSED)',
        }),
      ),
    ).toEqual({
      source: 'orders-db',
      level: 'FAILED',
      error: 'SourceUnreachableError',
      cause: 'cannot reach postgres@10.0.0.1:5432/app (ECONNREFUSED)',
    });
  });
});

/** A clock whose sleeps end only when the test says the deadline has come. */
function manualClock(): Clock & { expire(): void } {
  let expire: () => void = () => undefined;
  const expired = new Promise<void>((resolve) => {
    expire = resolve;
  });
  return { now: () => 0, sleep: () => expired, expire: () => expire() };
}

describe('checkBatch', () => {
  it('runs at most `concurrency` checks at once and keeps every outcome in order', async () => {
    const clock = manualClock();
    let inFlight = 0;
    let most = 0;
    const outcomes = await checkBatch([...'abcdefgh'], {
      concurrency: 3,
      deadlineMs: 45_000,
      clock,
      nameOf: (name) => name,
      check: async (name) => {
        inFlight += 1;
        most = Math.max(most, inFlight);
        await new Promise((resolve) => setTimeout(resolve, 5));
        inFlight -= 1;
        if (name === 'c') throw Object.assign(new Error('no route'), { name: 'SourceUnreachableError' });
        return ok(name);
      },
    });
    expect(most).toBe(3);
    expect(outcomes.map((o) => `${o.source}:${o.level}`)).toEqual([
      'a:OK',
      'b:OK',
      'c:FAILED',
      'd:OK',
      'e:OK',
      'f:OK',
      'g:OK',
      'h:OK',
    ]);
  });

  it('at the deadline it returns: running checks and the ones never started are failures', async () => {
    const clock = manualClock();
    const started: string[] = [];
    const pending = checkBatch([...'abcd'], {
      concurrency: 2,
      deadlineMs: 3000,
      clock,
      nameOf: (name) => name,
      check: async (name) => {
        started.push(name);
        if (name === 'a') return ok(name);
        return new Promise<SourceOutcome>(() => undefined);
      },
    });
    await new Promise((resolve) => setTimeout(resolve, 10));
    clock.expire();
    const outcomes = await pending;
    expect(started).toEqual(['a', 'b', 'c']);
    expect(outcomes).toEqual([
      ok('a'),
      {
        source: 'b',
        level: 'FAILED',
        error: 'HealthCheckDeadlineError',
        cause: 'still running when the 3 s budget of its batch ran out',
      },
      {
        source: 'c',
        level: 'FAILED',
        error: 'HealthCheckDeadlineError',
        cause: 'still running when the 3 s budget of its batch ran out',
      },
      {
        source: 'd',
        level: 'FAILED',
        error: 'HealthCheckDeadlineError',
        cause: 'not started: the 3 s budget of its batch ran out',
      },
    ]);
  });

  it('an empty batch returns at once', async () => {
    expect(
      await checkBatch([], {
        concurrency: 10,
        deadlineMs: 1000,
        clock: manualClock(),
        nameOf: String,
        check: async () => ok('x'),
      }),
    ).toEqual([]);
  });
});

describe('the configuration document', () => {
  const sources = (n: number) =>
    Array.from({ length: n }, (_, i) => ({ name: `db-${i}`, url: `postgres://u@db-${i}.example:5432/app` }));

  it('accepts MAX_SOURCES sources and refuses one more, naming the field', () => {
    expect(parseHealthConfig({ sources: sources(MAX_SOURCES) }).sources).toHaveLength(1000);
    expect(() => parseHealthConfig({ sources: sources(MAX_SOURCES + 1) })).toThrow(
      expect.objectContaining({ name: 'InvalidInputError', field: 'config.sources' }),
    );
  });
});
