import { DifferenceCollector } from '../../../core/verify/collect.js';
import { changedColumns, diffLeaf, type KeyedHash, keyValues } from '../../../core/verify/diff.js';
import type { TableVerification } from '../../../core/verify/model.js';
import {
  bucketCount,
  bucketRanges,
  descend,
  type KeyRange,
  nextStep,
  pairBuckets,
  type RangeStats,
  samplePercent,
  splitSide,
  WHOLE_TABLE,
} from '../../../core/verify/ranges.js';
import { deleteRow, insertRow, type RepairTable, updateRow } from '../../../core/verify/repair.js';
import {
  both,
  type CompareOptions,
  checkAbort,
  run,
  type StatsRow,
  stats,
  statsByBucket,
  type TablePair,
} from './pair.js';
import { bucketQuery, detailQuery, leafQuery, splitValuesQuery, totalQuery } from './sql.js';

interface Pending {
  readonly range: KeyRange;
  readonly source: RangeStats;
  readonly target: RangeStats;
  /** The whole table: its split values come from a sample of pages when it is large. */
  readonly top: boolean;
}

type Key = readonly (string | null)[];

/**
 * Compares a table with a primary key range by range (see core/verify/ranges.ts), depth first so
 * that only one path of splits is held at a time: the process holds a few buckets per level and at
 * most one leaf (leafRows keys and hashes per side), whatever the table's size.
 */
export async function compareKeyedTable(
  pair: TablePair,
  options: CompareOptions,
): Promise<TableVerification> {
  const collector = new DifferenceCollector(options.cap);
  const stack = await firstRanges(pair);
  const rows = stack.reduce((n, item) => n + item.source.rows, 0);
  stack.reverse();
  while (stack.length > 0) {
    checkAbort(options.signal);
    const item = stack.pop() as Pending;
    const step = nextStep(item.source, item.target, options.planning);
    if (step === 'split') {
      stack.push(...(await split(pair, item, options)).reverse());
      continue;
    }
    if (step === 'leaf') await leaf(pair, item.range, collector, options);
    options.onRows?.(item.source.rows);
  }
  return collector.result(`${pair.source.schema}.${pair.source.name}`, rows, 'primary-key');
}

/**
 * The whole table summed on both sides: an equal table (the common case) costs one scan per side;
 * a differing one is then split, its first split values sampled when the table is large.
 */
async function firstRanges(pair: TablePair): Promise<Pending[]> {
  const [source, target] = await both<StatsRow>(pair, (side) => totalQuery(side, WHOLE_TABLE));
  return [{ range: WHOLE_TABLE, source: stats(source[0]), target: stats(target[0]), top: true }];
}

async function split(pair: TablePair, item: Pending, options: CompareOptions): Promise<Pending[]> {
  const side = splitSide(item.source, item.target);
  const [db, view, shape] =
    side === 'source'
      ? [pair.sourceDb, pair.sourceSide, pair.source]
      : [pair.targetDb, pair.targetSide, pair.target];
  const rows = Math.max(item.source.rows, item.target.rows);
  const column = view.key[item.range.prefix.length];
  // width_bucket walks an array of variable-width values from its start at every probe: its cost
  // grows with the number of split values (4 times slower at 245 than at 32 on text keys).
  const maxBuckets =
    column?.side.fixedWidth === false
      ? Math.min(options.planning.maxBuckets, 32)
      : options.planning.maxBuckets;
  const buckets = bucketCount(rows, { ...options.planning, maxBuckets });
  const percent = item.top ? samplePercent(Math.max(shape.estimatedRows, rows), buckets) : 100;
  let found = await run<{ v: string; c: string }>(db, splitValuesQuery(view, item.range, buckets, percent));
  // A sample can miss every page with rows: then read them all.
  if (found.length === 0 && percent < 100)
    found = await run<{ v: string; c: string }>(db, splitValuesQuery(view, item.range, buckets, 100));
  const values = found.map((r) => r.v);
  const depth = item.range.prefix.length;
  if (Number(found[0]?.c ?? 0) === 1 && depth + 1 < pair.sourceSide.key.length) {
    const pieces: Pending[] = [];
    for (const range of descend(item.range, values[0] as string)) pieces.push(await measured(pair, range));
    return pieces;
  }
  const [sourceBuckets, targetBuckets] = await both<StatsRow & { b: number }>(pair, (s) =>
    bucketQuery(s, item.range, values),
  );
  const ranges = bucketRanges(item.range, values);
  return pairBuckets(ranges.length, statsByBucket(sourceBuckets), statsByBucket(targetBuckets)).map((p) => ({
    range: ranges[p.bucket] as KeyRange,
    source: p.source,
    target: p.target,
    top: false,
  }));
}

async function measured(pair: TablePair, range: KeyRange): Promise<Pending> {
  const [source, target] = await both<StatsRow>(pair, (side) => totalQuery(side, range));
  return { range, source: stats(source[0]), target: stats(target[0]), top: false };
}

/** Reads a small range's keys and hashes on both sides and classifies the rows that differ. */
async function leaf(
  pair: TablePair,
  range: KeyRange,
  collector: DifferenceCollector,
  options: CompareOptions,
) {
  const [sourceRows, targetRows] = await both<{ k: Key; h: string }>(pair, (side) => leafQuery(side, range));
  const toHash = (r: { k: Key; h: string }): KeyedHash => ({ key: r.k, hash: r.h });
  const diff = diffLeaf(sourceRows.map(toHash), targetRows.map(toHash));
  const keyColumns = pair.source.primaryKey;
  collector.missingOnTarget(
    diff.missingOnTarget.length,
    diff.missingOnTarget.slice(0, collector.missingRoom).map((k) => keyValues(keyColumns, k)),
  );
  collector.extraOnTarget(
    diff.extraOnTarget.length,
    diff.extraOnTarget.slice(0, collector.extraRoom).map((k) => keyValues(keyColumns, k)),
  );
  const detailed = options.repair ? diff.changed : diff.changed.slice(0, collector.changedRoom);
  const wantedFromSource = options.repair ? [...diff.missingOnTarget, ...detailed] : detailed;
  const [sourceDetail, targetDetail] = await Promise.all([
    wantedFromSource.length === 0
      ? []
      : run<{ k: Key; c: string[]; j?: string }>(
          pair.sourceDb,
          detailQuery(pair.sourceSide, range, wantedFromSource, options.repair !== undefined),
        ),
    detailed.length === 0
      ? []
      : run<{ k: Key; c: string[] }>(pair.targetDb, detailQuery(pair.targetSide, range, detailed, false)),
  ]);
  const onTarget = new Map(targetDetail.map((r) => [JSON.stringify(r.k), r.c]));
  const columns = pair.source.columns.map((c) => c.name);
  const bySource = new Map(sourceDetail.map((r) => [JSON.stringify(r.k), r]));
  collector.changed(
    diff.changed.length,
    detailed.slice(0, collector.changedRoom).map((k) => {
      const id = JSON.stringify(k);
      return {
        key: keyValues(keyColumns, k),
        columns: changedColumns(columns, bySource.get(id)?.c ?? [], onTarget.get(id) ?? []),
      };
    }),
  );
  if (options.repair) await writeRepairs(pair, diff, bySource, options.repair);
}

async function writeRepairs(
  pair: TablePair,
  diff: { missingOnTarget: Key[]; extraOnTarget: Key[]; changed: Key[] },
  bySource: Map<string, { j?: string }>,
  write: (statement: string) => void | Promise<void>,
) {
  const table: RepairTable = {
    schema: pair.target.schema,
    name: pair.target.name,
    keyColumns: pair.source.primaryKey,
    columns: pair.source.columns.map((c) => c.name),
  };
  // Both sides read in one snapshot each, so every key found in the leaf is found again here.
  for (const key of diff.missingOnTarget) {
    const row = bySource.get(JSON.stringify(key))?.j;
    if (row !== undefined) await write(insertRow(table, row));
  }
  for (const key of diff.changed) {
    const row = bySource.get(JSON.stringify(key))?.j;
    if (row !== undefined) await write(updateRow(table, row));
  }
  for (const key of diff.extraOnTarget) {
    await write(deleteRow(table, JSON.stringify(keyValues(table.keyColumns, key))));
  }
}
