import type pg from 'pg';
import {
  type CountedRows,
  checkpointBoundary,
  contentCompared,
  contentNotCompared,
  contentSkipReason,
} from '../../core/cutover/verify-counts.js';
import { lsnFromCheckpoint } from '../../core/lsn.js';
import { qualifiedName } from '../../core/preflight/scope.js';
import type { TableMappings } from '../../core/preflight/table-mappings.js';
import { compareRowCounts, tablesToCount } from '../../core/row-counts.js';
import { type PgConnector, withPgClient } from './client.js';
import type { Queryable } from './queryable.js';
import { countRows, decodeAfterCheckpoint, inCountSnapshot, listUserTables } from './row-counts.js';
import { compareContentOn } from './verify/index.js';

export interface CountRequest {
  readonly mappings: TableMappings;
  /** The stopped task's RecoveryCheckpoint (strict), or null: count both sides as they are now. */
  readonly recoveryCheckpoint: string | null;
  /** The task's slot: what it did not apply is decoded from it (strict only). */
  readonly slotName: string;
}

/** A database to connect to; the source as messages name it too (no credentials). */
export interface CountedDatabases {
  readonly source: { readonly config: pg.ClientConfig; readonly describe: string };
  readonly target: { readonly config: pg.ClientConfig };
}

/**
 * Exact `count(*)` of every table the mappings select, on source and target (one catalog read and one
 * UNION ALL statement per side, whatever the number of tables), on one connection to each, both
 * closed at the end. With a checkpoint, as of it (countAtCheckpoint); without, as both are now.
 */
export function countRowsOverPg(
  connect: PgConnector,
  databases: CountedDatabases,
  request: CountRequest,
): Promise<CountedRows> {
  const { recoveryCheckpoint } = request;
  const { source, target } = databases;
  return withPgClient(
    source.config,
    (sourceDb) =>
      withPgClient(
        target.config,
        (targetDb) =>
          recoveryCheckpoint === null
            ? countAsNow(sourceDb, targetDb, request.mappings)
            : countAtCheckpoint(sourceDb, targetDb, {
                ...request,
                recoveryCheckpoint,
                source: source.describe,
              }),
        connect,
      ),
    connect,
  );
}

/** Both sides at the same time, as they are now: a still-running task skews them as little as it can. */
async function countAsNow(
  sourceDb: Queryable,
  targetDb: Queryable,
  mappings: TableMappings,
): Promise<CountedRows> {
  const counts = await countBoth(sourceDb, targetDb, mappings);
  return { ...compareRowCounts(counts.selected, counts.sourceRows, counts.targetRows), boundary: null };
}

/**
 * The source in one REPEATABLE READ snapshot, less what the stopped task had not applied and that
 * snapshot sees, against the target (which nothing writes to any more). The decoding runs in the same
 * transaction as the counts: the temporary slot copy and peek do not write, so a read-only
 * REPEATABLE READ transaction allows them, and its snapshot is the one the counts used.
 */
async function countAtCheckpoint(
  sourceDb: Queryable,
  targetDb: Queryable,
  request: CountRequest & { readonly recoveryCheckpoint: string; readonly source: string },
): Promise<CountedRows> {
  const checkpoint = lsnFromCheckpoint(request.recoveryCheckpoint);
  return inCountSnapshot(sourceDb, async (snapshot) => {
    const counts = await countBoth(sourceDb, targetDb, request.mappings);
    const decoded = await decodeAfterCheckpoint(sourceDb, {
      slotName: request.slotName,
      checkpoint,
      snapshot,
      source: request.source,
    });
    const { selected, sourceRows, targetRows } = counts;
    const counted = compareRowCounts(selected, sourceRows, targetRows, decoded.changes.tables);
    const skipped = contentSkipReason({
      countsEqual: counted.mismatched.length === 0,
      visibleAfterBoundary: decoded.changes.transactions.visible,
    });
    // Every row compared in the count snapshot, when that says something.
    const content =
      skipped === null
        ? contentCompared(await compareContentOn(sourceDb, targetDb, selected))
        : contentNotCompared(skipped);
    const { recoveryCheckpoint } = request;
    return {
      ...counted,
      content,
      boundary: checkpointBoundary({ recoveryCheckpoint, checkpoint, snapshot, decoded }),
    };
  });
}

/** The tables the mappings select on the source, counted there, and on the target those it has. */
async function countBoth(sourceDb: Queryable, targetDb: Queryable, mappings: TableMappings) {
  const [sourceCatalog, targetCatalog] = await Promise.all([
    listUserTables(sourceDb),
    listUserTables(targetDb),
  ]);
  const selected = tablesToCount(sourceCatalog, mappings);
  const onTarget = new Set(targetCatalog.map(qualifiedName));
  const present = selected.filter((t) => onTarget.has(qualifiedName(t)));
  const [sourceRows, targetRows] = await Promise.all([
    countRows(sourceDb, selected),
    countRows(targetDb, present),
  ]);
  const byName = new Map(present.map((t, i) => [qualifiedName(t), targetRows[i] ?? 0]));
  return { selected, sourceRows, targetRows: byName };
}
