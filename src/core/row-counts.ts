import { qualifiedName, selectScope } from './preflight/scope.js';
import type { TableMappings } from './preflight/table-mappings.js';

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
}

/**
 * The source tables the task's selection rules pick (the same rule as the preflight scope), less what
 * is not user data: tables extensions own and DMS's own awsdms_* artifacts, which DMS does not carry to
 * the target; and less partitioned parents, so no row is counted twice (DMS reads each partition).
 */
export function tablesToCount(catalog: readonly CatalogTable[], mappings: TableMappings): CatalogTable[] {
  const data = catalog.filter((t) => !t.partitioned && !t.extensionMember && !t.name.startsWith('awsdms_'));
  return [...selectScope(data, mappings).tables];
}

/** Pairs the counts by table name; a table missing on the target, or with another count, is a mismatch. */
export function compareRowCounts(
  tables: readonly { readonly schema: string; readonly name: string }[],
  sourceRows: readonly number[],
  targetRows: ReadonlyMap<string, number>,
): { readonly tables: TableRowCount[]; readonly mismatched: TableRowCount[] } {
  const counted = tables.map((table, i) => {
    const name = qualifiedName(table);
    return { name, sourceRows: sourceRows[i] ?? 0, targetRows: targetRows.get(name) ?? null };
  });
  return { tables: counted, mismatched: counted.filter((t) => t.targetRows !== t.sourceRows) };
}
