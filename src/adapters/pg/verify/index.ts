import type pg from 'pg';
import { qualifiedName } from '../../../core/preflight/scope.js';
import type { TableMappings } from '../../../core/preflight/table-mappings.js';
import { tablesToCount } from '../../../core/row-counts.js';
import { compareSequences } from '../../../core/sequences/compare.js';
import { uncomparable } from '../../../core/verify/collect.js';
import {
  buildReport,
  REPORTED_KEYS_CAP,
  type TableVerification,
  type VerifyReport,
} from '../../../core/verify/model.js';
import type { ProgressState } from '../../../core/verify/progress.js';
import { DEFAULT_PLANNING, type Planning, WHOLE_TABLE } from '../../../core/verify/ranges.js';
import type { PgConnector } from '../client.js';
import type { Queryable } from '../queryable.js';
import { listUserTables } from '../row-counts.js';
import { readSequencePairs } from '../sequences.js';
import { readShapes, shapeProblem, type TableShape } from './catalog.js';
import { compareKeyedTable } from './compare-keyed.js';
import { compareMultisetTable } from './compare-multiset.js';
import { type CompareOptions, checkAbort, run, type StatsRow, stats, tablePair } from './pair.js';
import {
  applySessionSettings,
  cancelVerifySession,
  closeVerifySession,
  openVerifySession,
  type VerifySession,
} from './session.js';
import { sideTable, totalQuery } from './sql.js';

export interface VerifyRequest {
  readonly source: pg.ClientConfig;
  readonly target: pg.ClientConfig;
  readonly tableMappings?: TableMappings;
  readonly planning?: Planning;
  readonly cap?: number;
  readonly repair?: CompareOptions['repair'];
  readonly onProgress?: (state: ProgressState) => void;
  /** Aborting cancels the running statements on both servers and closes the connections. */
  readonly signal?: AbortSignal;
}

/**
 * Compares the content of every table in scope (the task's selection rules, as preflight reads them)
 * between source and target, each in one snapshot, both servers queried at the same time.
 */
export async function verifyOverPg(connect: PgConnector, request: VerifyRequest): Promise<VerifyReport> {
  const started = Date.now();
  const [source, target] = await openBoth(connect, request);
  const onAbort = () => {
    void cancelVerifySession(connect, source);
    void cancelVerifySession(connect, target);
  };
  request.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const scope = tablesToCount(await listUserTables(source.db), request.tableMappings);
    const tables = await compareTables(source.db, target.db, scope, request, started);
    checkAbort(request.signal);
    const sequences = compareSequences(await readSequencePairs(source.db, target.db, request.tableMappings));
    return buildReport(tables, sequences, (Date.now() - started) / 1000);
  } finally {
    request.signal?.removeEventListener('abort', onAbort);
    await Promise.all([closeVerifySession(source), closeVerifySession(target)]);
  }
}

/**
 * The same comparison of `tables` (tablesToCount's selection, which the caller has made already) on
 * connections the caller holds, in whatever transaction they are in (the cutover's strict
 * verification reads the source in its count snapshot): the session settings are set on both, no
 * sequences are read.
 */
export async function compareContentOn(
  sourceDb: Queryable,
  targetDb: Queryable,
  tables: readonly TableName[],
  request: Pick<VerifyRequest, 'cap' | 'planning'> = {},
): Promise<TableVerification[]> {
  await Promise.all([applySessionSettings(sourceDb), applySessionSettings(targetDb)]);
  return compareTables(sourceDb, targetDb, tables, request, Date.now());
}

interface TableName {
  readonly schema: string;
  readonly name: string;
}

/**
 * Compares each of `scope`, the source tables tablesToCount selects (partitioned parents hold no rows
 * of their own: their partitions are compared, as DMS reads those).
 */
async function compareTables(
  source: Queryable,
  target: Queryable,
  scope: readonly TableName[],
  request: Omit<VerifyRequest, 'source' | 'target' | 'tableMappings'>,
  started: number,
): Promise<TableVerification[]> {
  const [sourceShapes, targetShapes] = await Promise.all([
    readShapes(source, scope),
    readShapes(target, scope),
  ]);
  const progress = { tablesDone: 0, rowsCompared: 0 };
  const rowsEstimated = [...sourceShapes.values()].reduce((n, s) => n + Math.max(0, s.estimatedRows), 0);
  const report = () =>
    request.onProgress?.({
      ...progress,
      tables: scope.length,
      rowsEstimated,
      elapsedSeconds: (Date.now() - started) / 1000,
    });
  const options: CompareOptions = {
    planning: request.planning ?? DEFAULT_PLANNING,
    cap: request.cap ?? REPORTED_KEYS_CAP,
    ...(request.repair ? { repair: request.repair } : {}),
    onRows: (rows) => {
      progress.rowsCompared += rows;
      report();
    },
    ...(request.signal ? { signal: request.signal } : {}),
  };
  const results: TableVerification[] = [];
  for (const table of scope) {
    checkAbort(request.signal);
    const sourceShape = sourceShapes.get(qualifiedName(table));
    // Dropped between the catalog read and the shape read: nothing left to compare.
    if (!sourceShape) continue;
    results.push(
      await compareTable(source, target, sourceShape, targetShapes.get(qualifiedName(table)), options),
    );
    progress.tablesDone += 1;
    report();
  }
  return results;
}

async function compareTable(
  source: Queryable,
  target: Queryable,
  sourceShape: TableShape,
  targetShape: TableShape | undefined,
  options: CompareOptions,
): Promise<TableVerification> {
  const comparedBy = sourceShape.primaryKey.length > 0 ? 'primary-key' : 'whole-row';
  const problem = shapeProblem(sourceShape, targetShape);
  if (problem !== null || !targetShape) {
    const [total] = await run<StatsRow>(source, totalQuery(sideTable(sourceShape, sourceShape), WHOLE_TABLE));
    return uncomparable(qualifiedName(sourceShape), stats(total).rows, comparedBy, problem ?? '');
  }
  const pair = tablePair(sourceShape, targetShape, source, target);
  return comparedBy === 'primary-key'
    ? compareKeyedTable(pair, options)
    : compareMultisetTable(pair, options);
}

/** Both sessions, or neither: one that opened is closed when the other fails. */
async function openBoth(
  connect: PgConnector,
  request: VerifyRequest,
): Promise<[VerifySession, VerifySession]> {
  const [source, target] = await Promise.allSettled([
    openVerifySession(connect, request.source),
    openVerifySession(connect, request.target),
  ]);
  if (source.status === 'fulfilled' && target.status === 'fulfilled') return [source.value, target.value];
  for (const side of [source, target]) if (side.status === 'fulfilled') await closeVerifySession(side.value);
  throw source.status === 'rejected' ? source.reason : (target as PromiseRejectedResult).reason;
}
