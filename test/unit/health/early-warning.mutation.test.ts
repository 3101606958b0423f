import { describe, expect, it } from 'vitest';
import {
  BatchInputSchema,
  checkBatch,
  failureOf,
  outcomeOf,
  SummarizeInputSchema,
  shortCause,
} from '../../../src/core/health/fleet.js';
import { appendSample, forecast, mergeHistories, sampleOf } from '../../../src/core/health/forecast.js';
import { viewHistory } from '../../../src/core/health/history.js';
import type { HealthCheckResult } from '../../../src/core/health/run.js';
import {
  SafeWalLevelSchema,
  safeWalBytes,
  safeWalOrderProblem,
  show,
} from '../../../src/core/health/safe-wal.js';
import { lsnFromBigInt } from '../../../src/core/lsn.js';
import type {
  HealthHistoryRecord,
  HealthHistoryStore,
  HealthSample,
} from '../../../src/ports/alert-state.js';
import { MiB, measurement, slot, T0 } from '../alerts/fixtures.js';

/**
 * The early-warning health parts at their edges (mutation testing): safe_wal_size levels, the
 * forecasts' sample history, its store with compare-and-set, and the fleet's batch accounting.
 */

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

const sample = (
  at: number,
  lsn: bigint,
  slots: Record<string, string | null> = {},
  walFreeBytes: number | null = null,
) => ({
  at,
  lsn: lsn.toString(),
  walFreeBytes,
  slots,
});

describe('safe_wal_size levels', () => {
  const parse = (value: unknown) => SafeWalLevelSchema.safeParse(value);

  it('reads a share with blanks around it, up to 100% inclusive, with decimals', () => {
    expect(parse(' 50 % ')).toEqual({ success: true, data: { percent: 50 } });
    expect(parse('100%')).toEqual({ success: true, data: { percent: 100 } });
    expect(parse('12.25%')).toEqual({ success: true, data: { percent: 12.25 } });
    expect(parse('512MB')).toEqual({ success: true, data: { bytes: 512 * MiB } });
    expect(parse(1024)).toEqual({ success: true, data: { bytes: 1024 } });
  });

  it('refuses a share over 100% or with text around it, as a custom issue naming the value', () => {
    const over = parse('100.5%');
    expect(over.success).toBe(false);
    expect(over.error?.issues).toMatchObject([
      { code: 'custom', message: '"100.5%" is over 100% of max_slot_wal_keep_size' },
    ]);
    for (const text of ['x50%', '50%x', '50.%', '5.a%']) {
      const result = parse(text);
      expect(result.success, text).toBe(false);
      expect(result.error?.issues[0]).toMatchObject({ code: 'custom' });
      expect(result.error?.issues[0]?.message).toMatch(/, or a share of max_slot_wal_keep_size like 50%$/);
    }
  });

  it('turns a level into bytes against the server limit, none for no level', () => {
    expect(safeWalBytes(null, 1000)).toBeNull();
    expect(safeWalBytes({ percent: 25 }, 1000)).toBe(250);
    expect(safeWalBytes({ bytes: 7 }, 1000)).toBe(7);
    expect(show({ bytes: 7 })).toBe('7 bytes');
    expect(show({ percent: 7 })).toBe('7%');
  });

  it('finds a warning below its critical level of the same kind, and nothing otherwise', () => {
    expect(safeWalOrderProblem({ warning: { bytes: 100 }, critical: { bytes: 200 } })).toBe(
      'warning 100 bytes is below critical 200 bytes (less safe WAL is worse)',
    );
    expect(safeWalOrderProblem({ warning: { percent: 10 }, critical: { percent: 20 } })).toBe(
      'warning 10% is below critical 20% (less safe WAL is worse)',
    );
    expect(safeWalOrderProblem({ warning: { bytes: 200 }, critical: { bytes: 200 } })).toBeNull();
    expect(safeWalOrderProblem({ warning: { percent: 20 }, critical: { percent: 20 } })).toBeNull();
    expect(safeWalOrderProblem({ warning: { bytes: 1 }, critical: { percent: 20 } })).toBeNull();
    expect(safeWalOrderProblem({ warning: null, critical: { percent: 20 } })).toBeNull();
    expect(safeWalOrderProblem({ warning: { percent: 20 }, critical: null })).toBeNull();
  });
});

describe('samples and their history', () => {
  const lsn = lsnFromBigInt(10_000n);

  it('takes free WAL space from capacity when pg_wal is measured, else from free storage, else none', () => {
    const wal = measurement().wal;
    const base = { serverLsn: lsn };
    expect(sampleOf(measurement({ ...base, wal: null }), T0)?.walFreeBytes).toBeNull();
    const capacity = { ...wal, capacityBytes: 100 * MiB, bytes: 64 * MiB, freeStorageBytes: 5 } as never;
    expect(sampleOf(measurement({ ...base, wal: capacity }), T0)?.walFreeBytes).toBe(36 * MiB);
    const unmeasured = { ...wal, capacityBytes: 100 * MiB, bytes: null, freeStorageBytes: 5 } as never;
    expect(sampleOf(measurement({ ...base, wal: unmeasured }), T0)?.walFreeBytes).toBe(5);
    expect(sampleOf(measurement(), T0)).toBeNull();
  });

  it('records a slot without restart_lsn as null', () => {
    const noRestart = slot();
    const state = { ...noRestart.reading.slot, restartLsn: null };
    const health = { ...noRestart, reading: { ...noRestart.reading, slot: state } };
    expect(sampleOf(measurement({ serverLsn: lsn, slots: [health] }), T0)?.slots).toEqual({ dms_slot: null });
  });

  it('replaces a sample taken at the same moment', () => {
    expect(appendSample([sample(T0, 1n), sample(T0 + MINUTE, 2n)], sample(T0 + MINUTE, 3n))).toEqual([
      sample(T0, 1n),
      sample(T0 + MINUTE, 3n),
    ]);
  });

  it('drops samples two hours older than the newest, counted from the newest of both histories', () => {
    const old = sample(T0 - 2 * HOUR, 1n);
    const kept = sample(T0 - 2 * HOUR + 1, 2n);
    expect(mergeHistories([old, kept], [sample(T0, 3n)])).toEqual([kept, sample(T0, 3n)]);
    expect(mergeHistories([sample(T0, 3n)], [old])).toEqual([sample(T0, 3n)]);
  });
});

describe('forecast', () => {
  const withSafe = (name: string) => {
    const health = slot({ name });
    return {
      ...health,
      reading: { ...health.reading, slot: { ...health.reading.slot, safeWalSizeBytes: 600n } },
    };
  };

  it('forecasts nothing from an empty history', () => {
    expect(forecast([], measurement())).toMatchObject({
      walRateBytesPerSecond: null,
      samples: 0,
      spanSeconds: 0,
      walDisk: null,
    });
  });

  it('judges only slots seen in enough samples, skipping samples without their restart_lsn', () => {
    const history = [
      sample(T0, 0n, { a: '0', b: null }, 1000),
      sample(T0 + 1000, 100n, { a: '50', b: '0' }, null),
      sample(T0 + 2000, 200n, { a: '100' }, 900),
      sample(T0 + 3000, 300n, { a: '150', b: '10' }, 850),
    ];
    const result = forecast(history, measurement({ slots: [withSafe('a'), withSafe('b')] }));
    expect(result.walRateBytesPerSecond).toBeCloseTo(100);
    expect([...result.slots.keys()]).toEqual(['a']);
    expect(result.slots.get('a')?.shrinkBytesPerSecond).toBeCloseTo(50);
    expect(result.slots.get('a')?.secondsLeft).toBeCloseTo(12);
    expect(result.walDisk?.freeBytes).toBe(850);
    expect(result.walDisk?.shrinkBytesPerSecond).toBeCloseTo(50, 0);
  });

  it('has no disk forecast while the latest free space is unknown or too few samples know it', () => {
    const unknownNow = [
      sample(T0, 0n, {}, 1000),
      sample(T0 + 1000, 100n, {}, 900),
      sample(T0 + 2000, 200n, {}, 800),
      sample(T0 + 3000, 300n, {}, null),
    ];
    expect(forecast(unknownNow, measurement()).walDisk).toBeNull();
    const fewKnow = [
      sample(T0, 0n, {}, null),
      sample(T0 + 1000, 100n, {}, 900),
      sample(T0 + 2000, 200n, {}, 800),
    ];
    expect(forecast(fewKnow, measurement()).walDisk).toBeNull();
  });
});

describe('viewHistory and saving it', () => {
  class Store implements HealthHistoryStore {
    puts: { expected: number | null; samples: readonly HealthSample[] }[] = [];
    reads = 0;
    constructor(
      private record: HealthHistoryRecord | undefined,
      private readonly accept: (attempt: number) => boolean = () => true,
      private readonly reread: () => HealthHistoryRecord | undefined = () => this.record,
    ) {}
    async getHistory() {
      this.reads += 1;
      return this.reads === 1 ? this.record : this.reread();
    }
    async putHistory(_source: string, expected: number | null, samples: readonly HealthSample[]) {
      this.puts.push({ expected, samples });
      return this.accept(this.puts.length);
    }
  }
  const at = T0 + 10 * MINUTE;
  const now = (slots = [slot({ name: 'a' })]) => measurement({ serverLsn: lsnFromBigInt(5000n), slots });

  it('forecasts nothing, drops nothing and stores nothing for a server that gave no WAL position', async () => {
    const store = new Store({ samples: [sample(T0, 1n, { a: '1' })], version: 3 });
    const view = await viewHistory(store, measurement({ serverLsn: undefined }), at);
    expect(view.forecasts).toBeNull();
    expect(view.droppedSlots).toEqual([]);
    await view.save();
    expect(store.puts).toEqual([]);
  });

  it('starts a history where none is stored, and stores the first sample as new', async () => {
    const store = new Store(undefined);
    const view = await viewHistory(store, now(), at);
    expect(view.droppedSlots).toEqual([]);
    expect(view.forecasts?.samples).toBe(1);
    await view.save();
    expect(store.puts).toHaveLength(1);
    expect(store.puts[0]?.expected).toBeNull();
  });

  it('compares a retried check with the sample before it, not with its own earlier write', async () => {
    const stored = {
      samples: [sample(T0, 1n, { a: '1', gone: '1' }), sample(at, 2n, { a: '2' })],
      version: 7,
    };
    const store = new Store(stored);
    const view = await viewHistory(store, now(), at, 5 * MINUTE);
    expect(view.droppedSlots).toEqual(['gone']);
    await view.save();
    expect(store.puts).toHaveLength(1);
    expect(store.puts[0]?.expected).toBe(7);
  });

  it('tries three times against overlapping checks, merging what they wrote', async () => {
    const theirs = sample(T0 + 5 * MINUTE, 3n, { a: '3' });
    const store = new Store(
      { samples: [sample(T0, 1n, { a: '1' })], version: 1 },
      () => false,
      () => ({
        samples: [theirs],
        version: 9,
      }),
    );
    const view = await viewHistory(store, now(), at);
    await view.save();
    expect(store.puts.map((p) => p.expected)).toEqual([1, 9, 9]);
    expect(store.puts[1]?.samples.map((s) => s.at)).toEqual([theirs.at, at]);
  });

  it('writes the sample alone after a lost write when the history has meanwhile gone', async () => {
    const store = new Store(
      { samples: [sample(T0, 1n, { a: '1' })], version: 1 },
      (n) => n > 1,
      () => undefined,
    );
    const view = await viewHistory(store, now(), at);
    await view.save();
    expect(store.puts).toHaveLength(2);
    expect(store.puts[1]?.expected).toBeNull();
    expect(store.puts[1]?.samples.map((s) => s.at)).toEqual([at]);
  });
});

describe('the fleet batch accounting', () => {
  const never = { now: () => T0, sleep: () => new Promise<void>(() => {}) };

  it('names a thrown value that is not an Error plainly Error', () => {
    expect(failureOf('db-1', 'plain text')).toEqual({
      source: 'db-1',
      level: 'FAILED',
      error: 'Error',
      cause: 'plain text',
    });
  });

  it('keeps a cause of exactly 160 characters, cuts a longer one, and folds blanks into one space', () => {
    const exact = 'x'.repeat(160);
    expect(shortCause(exact)).toBe(exact);
    expect(shortCause(`${exact}y`)).toBe(`${'x'.repeat(159)}…`);
    expect(shortCause('  a \n\t b  ')).toBe('a b');
  });

  it('reports a check that threw by its own error, not as out of time', async () => {
    const outcomes = await checkBatch(['a'], {
      concurrency: 1,
      deadlineMs: 45_000,
      clock: never,
      nameOf: (name) => name,
      check: async () => {
        throw Object.assign(new Error('no route'), { name: 'SourceUnreachableError' });
      },
    });
    expect(outcomes).toEqual([
      { source: 'a', level: 'FAILED', error: 'SourceUnreachableError', cause: 'no route' },
    ]);
  });

  it('reads the error name from an unreachable result, and says Error when there is none to read', () => {
    const result = (error: string | undefined): HealthCheckResult =>
      ({ source: 'db-1', status: 'UNREACHABLE', state: 'CRITICAL', error }) as unknown as HealthCheckResult;
    expect(outcomeOf(result('SourceUnreachableError: connect ETIMEDOUT'))).toMatchObject({
      error: 'SourceUnreachableError',
      cause: 'connect ETIMEDOUT',
    });
    expect(outcomeOf(result(undefined))).toMatchObject({ error: 'Error', cause: 'unknown error' });
    expect(outcomeOf(result(' Lead: blank first'))).toMatchObject({
      error: 'Error',
      cause: 'Lead: blank first',
    });
    expect(outcomeOf(result('42 went wrong'))).toMatchObject({ error: 'Error', cause: '42 went wrong' });
  });

  it('takes a batch of up to 25 sources and refuses unknown keys and longer batches', () => {
    expect(BatchInputSchema.safeParse({ batch: 0, sources: [{}] }).success).toBe(true);
    expect(BatchInputSchema.safeParse({ batch: 0, sources: Array(25).fill({}) }).success).toBe(true);
    expect(BatchInputSchema.safeParse({ batch: 0, sources: Array(26).fill({}) }).success).toBe(false);
    expect(BatchInputSchema.safeParse({ batch: 0, sources: [], extra: 1 }).success).toBe(false);
  });

  it('adds up to 40 batch summaries with at most 5 listed failures each', () => {
    const failure = { source: 's', error: 'E', cause: 'c' };
    const batch = (failures: number) => ({
      batch: 0,
      sources: 25,
      ok: 20,
      warning: 0,
      critical: 0,
      failed: failures,
      failures: Array(failures).fill(failure),
      failuresOmitted: 0,
    });
    expect(SummarizeInputSchema.safeParse({ summarize: [batch(1)] }).success).toBe(true);
    expect(SummarizeInputSchema.safeParse({ summarize: Array(40).fill(batch(5)) }).success).toBe(true);
    expect(SummarizeInputSchema.safeParse({ summarize: Array(41).fill(batch(0)) }).success).toBe(false);
    expect(SummarizeInputSchema.safeParse({ summarize: [batch(6)] }).success).toBe(false);
    expect(SummarizeInputSchema.safeParse({ summarize: [{ ...batch(0), extra: 1 }] }).success).toBe(false);
    expect(
      SummarizeInputSchema.safeParse({ summarize: [{ ...batch(1), failures: [{ ...failure, x: 1 }] }] })
        .success,
    ).toBe(false);
    expect(SummarizeInputSchema.safeParse({ summarize: [], extra: 1 }).success).toBe(false);
  });
});
