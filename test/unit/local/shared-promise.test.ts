import { describe, expect, it } from 'vitest';
import { sharedPromise } from '../../../src/local/postgres/shared-promise.js';

describe('sharedPromise (binaries, parameters and templates of the local PostgreSQL)', () => {
  it('callers at once share one load per key', async () => {
    const loads = new Map<string, Promise<number>>();
    let calls = 0;
    const load = async () => {
      calls += 1;
      return 17;
    };

    const answers = await Promise.all([
      sharedPromise(loads, 'pg17', load),
      sharedPromise(loads, 'pg17', load),
      sharedPromise(loads, 'pg16', load),
    ]);

    expect(answers).toEqual([17, 17, 17]);
    expect(calls).toBe(2);
  });

  it('a failed load is forgotten: the next caller loads again', async () => {
    const loads = new Map<string, Promise<string>>();
    const outcomes = [() => Promise.reject(new Error('download failed')), () => Promise.resolve('ok')];
    const load = () => (outcomes.shift() as () => Promise<string>)();

    await expect(sharedPromise(loads, 'k', load)).rejects.toThrow('download failed');
    await expect(sharedPromise(loads, 'k', load)).resolves.toBe('ok');
    expect(outcomes).toEqual([]);
  });
});
