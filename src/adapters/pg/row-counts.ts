import { qualifiedName } from '../../core/preflight/scope.js';
import type { CatalogTable } from '../../core/row-counts.js';
import type { Queryable } from './queryable.js';

// Ordinary and partitioned tables outside the system schemas (temporary ones live in pg_temp_N).
const USER_TABLES_SQL = `
SELECT n.nspname::text AS schema, c.relname::text AS name, c.relkind = 'p' AS partitioned,
       EXISTS (SELECT 1 FROM pg_depend d
                WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e') AS extension_member
  FROM pg_class c
  JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind IN ('r', 'p') AND n.nspname <> 'information_schema' AND n.nspname !~ '^pg_'
 ORDER BY 1, 2`;

interface TableRow {
  schema: string;
  name: string;
  partitioned: boolean;
  extension_member: boolean;
}

/** Every user table of the connected database, in one round trip. */
export async function listUserTables(db: Queryable): Promise<CatalogTable[]> {
  const { rows } = await db.query<TableRow>(USER_TABLES_SQL);
  return rows.map((r) => ({
    schema: r.schema,
    name: r.name,
    partitioned: r.partitioned,
    extensionMember: r.extension_member,
  }));
}

/**
 * Exact row counts of `tables`, in their order, in one statement: a UNION ALL of `count(*)` per table.
 * The names come from the catalog (listUserTables), never from the input, and are quoted whatever they
 * hold; the statement has no parameters because identifiers cannot be.
 */
export async function countRows(
  db: Queryable,
  tables: readonly { readonly schema: string; readonly name: string }[],
): Promise<number[]> {
  if (tables.length === 0) return [];
  const sql = tables
    .map(
      (t, i) =>
        `SELECT ${i} AS i, count(*) AS n FROM ${quoteIdentifier(t.schema)}.${quoteIdentifier(t.name)}`,
    )
    .join('\nUNION ALL\n');
  const { rows } = await db.query<{ i: number; n: string }>(sql);
  const counts = new Array<number>(tables.length);
  // bigint arrives as text; every row count a table can hold is below 2^53.
  for (const row of rows) counts[row.i] = Number(row.n);
  return tables.map((t, i) => {
    const n = counts[i];
    if (n === undefined) throw new Error(`no count returned for ${qualifiedName(t)}`);
    return n;
  });
}

/** Always quoted, `"` doubled: PostgreSQL reads it back as exactly `name`, reserved words and case included. */
export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
