import type pg from 'pg';
import type { RangeStats } from '../../../core/verify/ranges.js';
import type { Queryable } from '../queryable.js';
import type { TableShape } from './catalog.js';
import { type SideTable, type Statement, sideTable } from './sql.js';

/** A table as both servers hold it, and how to ask both the same question at once. */
export interface TablePair {
  readonly source: TableShape;
  readonly target: TableShape;
  readonly sourceSide: SideTable;
  readonly targetSide: SideTable;
  readonly sourceDb: Queryable;
  readonly targetDb: Queryable;
}

export interface CompareOptions {
  readonly planning: { readonly leafRows: number; readonly maxBuckets: number };
  /** How many keys each list of the report holds. */
  readonly cap: number;
  /** Receives each repair statement, in order; absent: no repair statements are made. */
  readonly repair?: (statement: string) => void | Promise<void>;
  /** Called as rows are found equal or classified, for the progress line. */
  readonly onRows?: (rows: number) => void;
  /** Checked between statements: an abort stops the comparison with its reason. */
  readonly signal?: AbortSignal;
}

export function tablePair(
  source: TableShape,
  target: TableShape,
  sourceDb: Queryable,
  targetDb: Queryable,
): TablePair {
  return {
    source,
    target,
    sourceSide: sideTable(source, source),
    targetSide: sideTable(source, target),
    sourceDb,
    targetDb,
  };
}

export async function run<R extends pg.QueryResultRow>(db: Queryable, statement: Statement): Promise<R[]> {
  return (await db.query<R>(statement.text, statement.values)).rows;
}

/** The same question to both servers at the same time. */
export function both<R extends pg.QueryResultRow>(
  pair: TablePair,
  make: (side: SideTable) => Statement,
): Promise<[R[], R[]]> {
  return Promise.all([
    run<R>(pair.sourceDb, make(pair.sourceSide)),
    run<R>(pair.targetDb, make(pair.targetSide)),
  ]);
}

export interface StatsRow {
  n: string;
  s: string | null;
}

export function stats(row: StatsRow | undefined): RangeStats {
  return { rows: Number(row?.n ?? 0), sum: row?.s ?? '0' };
}

export function statsByBucket(rows: readonly (StatsRow & { b: number })[]): Map<number, RangeStats> {
  return new Map(rows.map((r) => [Number(r.b), stats(r)]));
}

export function checkAbort(signal: AbortSignal | undefined): void {
  if (signal?.aborted)
    throw signal.reason instanceof Error ? signal.reason : new Error('verification interrupted');
}
