import { quoteIdent } from '../../adapters/pg/slot-admin.js';
import type { PgNode } from '../postgres/index.js';

export interface TableComparison {
  readonly name: string;
  readonly sourceRows: number;
  readonly targetRows: number;
  /** Rows whose primary key is on one side only, or whose values differ. */
  readonly mismatches: number;
}

/**
 * Compares tables row by row by primary key: each side's rows as JSON keyed by the key columns.
 * The rehearsal's proof that the target equals the source (and the tests').
 */
export async function compareTables(
  source: PgNode,
  target: PgNode,
  tables: readonly string[],
): Promise<TableComparison[]> {
  const results: TableComparison[] = [];
  for (const name of tables) {
    const [schema = '', table = ''] = name.split('.');
    const key = await primaryKey(source, schema, table);
    const [a, b] = await Promise.all([
      rowsByKey(source, schema, table, key),
      rowsByKey(target, schema, table, key),
    ]);
    let mismatches = 0;
    for (const [k, row] of a) if (b.get(k) !== row) mismatches += 1;
    for (const k of b.keys()) if (!a.has(k)) mismatches += 1;
    results.push({ name, sourceRows: a.size, targetRows: b.size, mismatches });
  }
  return results;
}

async function primaryKey(node: PgNode, schema: string, table: string): Promise<string[]> {
  const rows = await node.query<{ column: string }>(
    `SELECT a.attname::text AS column
       FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
      WHERE i.indrelid = format('%I.%I', $1::text, $2::text)::regclass AND i.indisprimary
      ORDER BY array_position(i.indkey, a.attnum)`,
    [schema, table],
  );
  if (rows.length === 0) throw new Error(`${schema}.${table} has no primary key to compare by`);
  return rows.map((r) => r.column);
}

async function rowsByKey(
  node: PgNode,
  schema: string,
  table: string,
  key: string[],
): Promise<Map<string, string>> {
  const keyExpr = `jsonb_build_array(${key.map((k) => `t.${quoteIdent(k)}`).join(', ')})::text`;
  const rows = await node.query<{ k: string; row: string }>(
    `SELECT ${keyExpr} AS k, to_jsonb(t)::text AS row FROM ${quoteIdent(schema)}.${quoteIdent(table)} t`,
  );
  return new Map(rows.map((r) => [r.k, r.row]));
}
