/**
 * Range planning and bisection, with no I/O: a table is compared as ranges of its primary key, each
 * reduced on both servers to a row count and a sum of 64-bit row hashes. An equal range is done; a
 * small one is read as (key, hash) pairs; a large one is split into buckets at key values, and only
 * the buckets that differ go on.
 *
 * A range fixes the first key columns to single values (`prefix`) and bounds the next one. When the
 * larger side holds a single value of that column in the range, the range descends: the rows with that
 * value become a range on the following key column, and the values either side stay ranges of their own.
 */

export interface Bound {
  /** The key column's value as canonical text (cast back to the column's type in SQL). */
  readonly value: string;
  readonly inclusive: boolean;
}

export interface KeyRange {
  /** Values of the first `prefix.length` key columns: every row of the range has them. */
  readonly prefix: readonly string[];
  /** Lower bound on key column `prefix.length` (null: none). */
  readonly lo: Bound | null;
  /** Upper bound, always exclusive (null: none). */
  readonly hi: Bound | null;
}

/** What one server returned for a range: rows and the sum of their hashes (numeric text). */
export interface RangeStats {
  readonly rows: number;
  readonly sum: string;
}

export const EMPTY_STATS: RangeStats = { rows: 0, sum: '0' };

export const WHOLE_TABLE: KeyRange = { prefix: [], lo: null, hi: null };

export interface Planning {
  /** A range with at most this many rows on each side is read as (key, hash) pairs. */
  readonly leafRows: number;
  /** The most buckets one split makes (each bucket is a row of the aggregate's answer). */
  readonly maxBuckets: number;
}

export const DEFAULT_PLANNING: Planning = { leafRows: 2048, maxBuckets: 1024 };

export type Step = 'equal' | 'leaf' | 'split';

/** Both sides hold as many rows with the same sum of hashes. */
export function sameStats(source: RangeStats, target: RangeStats): boolean {
  return source.rows === target.rows && source.sum === target.sum;
}

/** What to do with a range once both servers have summed it. */
export function nextStep(source: RangeStats, target: RangeStats, planning: Planning): Step {
  if (sameStats(source, target)) return 'equal';
  return Math.max(source.rows, target.rows) <= planning.leafRows ? 'leaf' : 'split';
}

/** How many buckets a range of `rows` is split into: about one leaf each, within the maximum. */
export function bucketCount(rows: number, planning: Planning): number {
  return Math.max(2, Math.min(planning.maxBuckets, Math.ceil(rows / planning.leafRows)));
}

/**
 * The percentage of a table's rows (TABLESAMPLE BERNOULLI: rows, not pages, whose neighbouring keys
 * would make uneven buckets) to take split values from: about 50 per bucket, every row when the table
 * is small or its size unknown.
 */
export function samplePercent(estimatedRows: number, buckets: number): number {
  if (!(estimatedRows > 0)) return 100;
  const wanted = buckets * 50;
  return wanted >= estimatedRows ? 100 : Math.max(0.01, Math.round((10_000 * wanted) / estimatedRows) / 100);
}

/** Which side to take split values from: the one with more rows in the range. */
export function splitSide(source: RangeStats, target: RangeStats): 'source' | 'target' {
  return target.rows > source.rows ? 'target' : 'source';
}

/**
 * The buckets a range splits into at `values` (sorted, distinct, as the server orders them):
 * bucket 0 is below values[0], bucket i from values[i-1] up to values[i], the last from the last value
 * up. The bucket numbers are what SQL's width_bucket(key, values) returns.
 */
export function bucketRanges(range: KeyRange, values: readonly string[]): KeyRange[] {
  const buckets: KeyRange[] = [];
  for (let i = 0; i <= values.length; i += 1) {
    const lo = i === 0 ? range.lo : { value: values[i - 1] as string, inclusive: true };
    const hi = i === values.length ? range.hi : { value: values[i] as string, inclusive: false };
    buckets.push({ prefix: range.prefix, lo, hi });
  }
  return buckets;
}

/**
 * The pieces of a range whose larger side holds a single value of its key column: below it, the
 * value itself as a range on the next key column, and above it. Only when a next key column exists:
 * on the last one a single value is a single row, which is a leaf.
 */
export function descend(range: KeyRange, value: string): KeyRange[] {
  return [
    { prefix: range.prefix, lo: range.lo, hi: { value, inclusive: false } },
    { prefix: [...range.prefix, value], lo: null, hi: null },
    { prefix: range.prefix, lo: { value, inclusive: false }, hi: range.hi },
  ];
}

/** Pairs the per-bucket answers of both sides: a bucket one side lacks is empty there. */
export function pairBuckets(
  buckets: number,
  source: ReadonlyMap<number, RangeStats>,
  target: ReadonlyMap<number, RangeStats>,
): { readonly bucket: number; readonly source: RangeStats; readonly target: RangeStats }[] {
  const pairs = [];
  for (let bucket = 0; bucket < buckets; bucket += 1) {
    pairs.push({
      bucket,
      source: source.get(bucket) ?? EMPTY_STATS,
      target: target.get(bucket) ?? EMPTY_STATS,
    });
  }
  return pairs;
}
