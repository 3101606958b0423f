import { qualifiedName, selectScope } from './preflight/scope.js';
import type { TableMappings } from './preflight/table-mappings.js';
import { type TableDelta, tableKey } from './row-deltas.js';

/**
 * Row-count verification after catch-up: which tables to count, and how the two sides compare.
 * The SQL lives in src/adapters/pg/row-counts.ts; this part is pure.
 */

/** A table as the catalog lists it (pg_class relkind r or p outside the system schemas). */
export interface CatalogTable {
  readonly schema: string;
  readonly name: string;
  /** A partitioned parent (relkind p): it holds no rows of its own, its partitions are counted instead. */
  readonly partitioned: boolean;
  /** Created by an extension (PostGIS's spatial_ref_sys, pglogical's catalogs). */
  readonly extensionMember: boolean;
}

export interface TableRowCount {
  /** schema.table, as the catalog spells it. */
  readonly name: string;
  readonly sourceRows: number;
  /** null when the table does not exist on the target. */
  readonly targetRows: number | null;
  /**
   * What targetRows was compared with: sourceRows, less (at a checkpoint) postCheckpointDelta. null
   * when it cannot be known: the table was truncated on the source after the checkpoint.
   */
  readonly expectedTargetRows: number | null;
  /**
   * At a checkpoint: rows inserted minus rows deleted by the transactions committed after it that the
   * source count saw (the task never applied them). null when counted without a checkpoint.
   */
  readonly postCheckpointDelta: number | null;
  /** At a checkpoint: a transaction after it truncated the table (expectedTargetRows is then null). */
  readonly truncatedAfterCheckpoint: boolean;
}

/**
 * The source tables the task's selection rules pick (the same rule as the preflight scope), less what
 * is not user data: tables extensions own and DMS's own awsdms_* artifacts, which DMS does not carry to
 * the target; and less partitioned parents, so no row is counted twice (DMS reads each partition).
 */
export function tablesToCount(
  catalog: readonly CatalogTable[],
  mappings: TableMappings | undefined,
): CatalogTable[] {
  const data = catalog.filter((t) => !t.partitioned && !t.extensionMember && !t.name.startsWith('awsdms_'));
  return [...selectScope(data, mappings).tables];
}

/**
 * Pairs the counts by table name; a table missing on the target, or with another count than expected,
 * is a mismatch. Without `deltas` the target is expected to hold what the source holds; with them (the
 * source counted in a snapshot, the deltas of what the stopped task had not applied, from
 * PostCheckpointFold) it is expected to hold the source count less its table's delta, and a table
 * truncated after the checkpoint cannot be compared at all (a mismatch: never passed unseen).
 */
export function compareRowCounts(
  tables: readonly { readonly schema: string; readonly name: string }[],
  sourceRows: readonly number[],
  targetRows: ReadonlyMap<string, number>,
  deltas?: ReadonlyMap<string, TableDelta>,
): { readonly tables: TableRowCount[]; readonly mismatched: TableRowCount[] } {
  const counted = tables.map((table, i): TableRowCount => {
    const name = qualifiedName(table);
    const source = sourceRows[i] ?? 0;
    const target = targetRows.get(name) ?? null;
    if (!deltas) {
      return {
        name,
        sourceRows: source,
        targetRows: target,
        expectedTargetRows: source,
        postCheckpointDelta: null,
        truncatedAfterCheckpoint: false,
      };
    }
    const delta = deltas.get(tableKey(table.schema, table.name)) ?? { rows: 0, truncated: false };
    return {
      name,
      sourceRows: source,
      targetRows: target,
      expectedTargetRows: delta.truncated ? null : source - delta.rows,
      postCheckpointDelta: delta.rows,
      truncatedAfterCheckpoint: delta.truncated,
    };
  });
  return {
    tables: counted,
    mismatched: counted.filter((t) => t.targetRows === null || t.targetRows !== t.expectedTargetRows),
  };
}
