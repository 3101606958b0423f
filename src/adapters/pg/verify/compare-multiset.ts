import { DifferenceCollector } from '../../../core/verify/collect.js';
import { type CopiesDiff, diffMultiset, type HashCount } from '../../../core/verify/diff.js';
import type { RowCopies, RowValues, TableVerification } from '../../../core/verify/model.js';
import { EMPTY_STATS, sameStats, WHOLE_TABLE } from '../../../core/verify/ranges.js';
import { type RepairTable, setCopies } from '../../../core/verify/repair.js';
import type { Queryable } from '../queryable.js';
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
import {
  multisetBucketQuery,
  multisetHashesQuery,
  multisetRowsQuery,
  type SideTable,
  totalQuery,
} from './sql.js';

/** The most rows of differing buckets whose hashes are read in one pass. */
const HASHES_PER_PASS = 200_000;

/**
 * Compares a table without a primary key as a multiset of whole-row hashes: the table's sum first,
 * then sums per bucket of the hash's top bits, then the hashes of the buckets that differ (a bounded
 * number of rows per pass), and one row for each hash one side holds more copies of.
 */
export async function compareMultisetTable(
  pair: TablePair,
  options: CompareOptions,
): Promise<TableVerification> {
  const collector = new DifferenceCollector(options.cap);
  const name = `${pair.source.schema}.${pair.source.name}`;
  const [sourceTotal, targetTotal] = await both<StatsRow>(pair, (side) => totalQuery(side, WHOLE_TABLE));
  const source = stats(sourceTotal[0]);
  const target = stats(targetTotal[0]);
  if (sameStats(source, target)) {
    options.onRows?.(source.rows);
    return collector.result(name, source.rows, 'whole-row');
  }
  const [sourceBuckets, targetBuckets] = await both<StatsRow & { b: number }>(pair, multisetBucketQuery);
  const bySource = statsByBucket(sourceBuckets);
  const byTarget = statsByBucket(targetBuckets);
  const differing: { bucket: number; rows: number }[] = [];
  for (const bucket of new Set([...bySource.keys(), ...byTarget.keys()])) {
    const s = bySource.get(bucket) ?? EMPTY_STATS;
    const t = byTarget.get(bucket) ?? EMPTY_STATS;
    if (!sameStats(s, t)) differing.push({ bucket, rows: Math.max(s.rows, t.rows) });
    else options.onRows?.(s.rows);
  }
  for (const batch of batches(differing)) {
    checkAbort(options.signal);
    await comparePass(pair, batch.buckets, collector, options);
    options.onRows?.(batch.rows);
  }
  return collector.result(name, source.rows, 'whole-row');
}

function batches(
  buckets: readonly { bucket: number; rows: number }[],
): { buckets: number[]; rows: number }[] {
  const out: { buckets: number[]; rows: number }[] = [];
  let current = { buckets: [] as number[], rows: 0 };
  for (const b of buckets) {
    if (current.buckets.length > 0 && current.rows + b.rows > HASHES_PER_PASS) {
      out.push(current);
      current = { buckets: [], rows: 0 };
    }
    current.buckets.push(b.bucket);
    current.rows += b.rows;
  }
  if (current.buckets.length > 0) out.push(current);
  return out;
}

async function comparePass(
  pair: TablePair,
  buckets: readonly number[],
  collector: DifferenceCollector,
  options: CompareOptions,
): Promise<void> {
  const toCount = (r: { h: string; n: string }): HashCount => ({ hash: r.h, copies: Number(r.n) });
  const [sourceHashes, targetHashes] = await both<{ h: string; n: string }>(pair, (side) =>
    multisetHashesQuery(side, buckets),
  );
  const diff = diffMultiset(sourceHashes.map(toCount), targetHashes.map(toCount));
  const copies = (list: readonly HashCount[]) => list.reduce((n, h) => n + h.copies, 0);
  // Rows are read for the report's room, or all of them when repair statements are wanted.
  const wanted = (list: CopiesDiff[], room: number) => (options.repair ? list : list.slice(0, room));
  const missing = wanted(diff.missingOnTarget, collector.missingRoom);
  const extra = wanted(diff.extraOnTarget, collector.extraRoom);
  // One side's rows of these hashes; none asked, no round trip.
  const rowsOf = async (db: Queryable, side: SideTable, hashes: readonly CopiesDiff[]) =>
    hashes.length === 0
      ? []
      : run<{ h: string; j: string }>(
          db,
          multisetRowsQuery(
            side,
            hashes.map((h) => h.hash),
          ),
        );
  const [sourceRows, targetRows] = await Promise.all([
    rowsOf(pair.sourceDb, pair.sourceSide, missing),
    rowsOf(pair.targetDb, pair.targetSide, extra),
  ]);
  const rowOf = new Map([...sourceRows, ...targetRows].map((r) => [r.h, r.j]));
  const entry = (h: HashCount): RowCopies => ({
    row: rowValues(rowOf.get(h.hash) ?? '{}'),
    copies: h.copies,
  });
  collector.missingOnTarget(copies(diff.missingOnTarget), missing.slice(0, collector.missingRoom).map(entry));
  collector.extraOnTarget(copies(diff.extraOnTarget), extra.slice(0, collector.extraRoom).map(entry));
  if (!options.repair) return;
  const table: RepairTable = {
    schema: pair.target.schema,
    name: pair.target.name,
    keyColumns: [],
    columns: pair.source.columns.map((c) => c.name),
  };
  for (const h of [...missing, ...extra]) {
    const row = rowOf.get(h.hash);
    if (row !== undefined)
      for (const statement of setCopies(table, row, h.onSource)) await options.repair(statement);
  }
}

/** A row's jsonb text as the report shows it: strings as they are, other values as JSON text. */
function rowValues(json: string): RowValues {
  const row = JSON.parse(json) as Record<string, unknown>;
  return Object.fromEntries(
    Object.entries(row).map(([k, v]) => [
      k,
      v === null ? null : typeof v === 'string' ? v : JSON.stringify(v),
    ]),
  );
}
