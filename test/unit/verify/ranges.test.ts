import { describe, expect, it } from 'vitest';
import {
  bucketCount,
  bucketRanges,
  DEFAULT_PLANNING,
  descend,
  nextStep,
  pairBuckets,
  samplePercent,
  splitSide,
  WHOLE_TABLE,
} from '../../../src/core/verify/ranges.js';

const planning = { leafRows: 100, maxBuckets: 8 };

describe('range planning', () => {
  it('is done with a range whose rows and hash sums agree, reads a small one, splits a large one', () => {
    expect(nextStep({ rows: 5000, sum: '12' }, { rows: 5000, sum: '12' }, planning)).toBe('equal');
    expect(nextStep({ rows: 100, sum: '12' }, { rows: 99, sum: '12' }, planning)).toBe('leaf');
    expect(nextStep({ rows: 100, sum: '12' }, { rows: 100, sum: '13' }, planning)).toBe('leaf');
    expect(nextStep({ rows: 100, sum: '1' }, { rows: 101, sum: '1' }, planning)).toBe('split');
    expect(nextStep({ rows: 0, sum: '0' }, { rows: 101, sum: '7' }, planning)).toBe('split');
  });

  it('makes about one leaf per bucket, at least two and at most the maximum', () => {
    expect(bucketCount(101, planning)).toBe(2);
    expect(bucketCount(450, planning)).toBe(5);
    expect(bucketCount(1_000_000, planning)).toBe(8);
    expect(bucketCount(1_000_000, DEFAULT_PLANNING)).toBe(489);
  });

  it('samples about 50 rows per bucket, every row of a small or never analysed table', () => {
    expect(samplePercent(-1, 10)).toBe(100);
    expect(samplePercent(400, 10)).toBe(100);
    expect(samplePercent(1_000_000, 489)).toBe(2.45);
    expect(samplePercent(1e12, 1024)).toBe(0.01);
  });

  it('takes split values from the side with more rows', () => {
    expect(splitSide({ rows: 5, sum: '0' }, { rows: 6, sum: '0' })).toBe('target');
    expect(splitSide({ rows: 6, sum: '0' }, { rows: 6, sum: '0' })).toBe('source');
  });

  it('numbers buckets as width_bucket does: below the first value, between values, from the last', () => {
    const range = {
      prefix: ['a'],
      lo: { value: '1', inclusive: false },
      hi: { value: '90', inclusive: false },
    };
    expect(bucketRanges(range, ['10', '20'])).toEqual([
      { prefix: ['a'], lo: { value: '1', inclusive: false }, hi: { value: '10', inclusive: false } },
      { prefix: ['a'], lo: { value: '10', inclusive: true }, hi: { value: '20', inclusive: false } },
      { prefix: ['a'], lo: { value: '20', inclusive: true }, hi: { value: '90', inclusive: false } },
    ]);
  });

  it('descends on a single value: below it, the value on the next key column, above it', () => {
    expect(descend(WHOLE_TABLE, 'acme')).toEqual([
      { prefix: [], lo: null, hi: { value: 'acme', inclusive: false } },
      { prefix: ['acme'], lo: null, hi: null },
      { prefix: [], lo: { value: 'acme', inclusive: false }, hi: null },
    ]);
  });

  it('pairs buckets, a bucket one side lacks being empty there', () => {
    const pairs = pairBuckets(
      3,
      new Map([[0, { rows: 2, sum: '5' }]]),
      new Map([[2, { rows: 1, sum: '3' }]]),
    );
    expect(pairs).toEqual([
      { bucket: 0, source: { rows: 2, sum: '5' }, target: { rows: 0, sum: '0' } },
      { bucket: 1, source: { rows: 0, sum: '0' }, target: { rows: 0, sum: '0' } },
      { bucket: 2, source: { rows: 0, sum: '0' }, target: { rows: 1, sum: '3' } },
    ]);
  });
});
