import type { Queryable } from '../queryable.js';
import type { ColumnType } from './normalize.js';

/** A table's columns (catalog order) and primary key columns (key order), as one server has them. */
export interface TableShape {
  readonly schema: string;
  readonly name: string;
  readonly columns: readonly ColumnType[];
  readonly primaryKey: readonly string[];
  /** pg_class.reltuples: the planner's estimate, -1 or 0 when never analysed. */
  readonly estimatedRows: number;
}

// Domains are described by their base type (their values are the base type's); generated columns
// are compared like any other (they hold data the target must have too).
const SHAPES_SQL = `
SELECT n.nspname::text AS schema, c.relname::text AS name, c.reltuples::float8 AS estimated_rows,
       coalesce((SELECT json_agg(json_build_object(
                  'name', a.attname::text, 'type', format_type(a.atttypid, a.atttypmod),
                  'baseName', bt.typname::text, 'category', bt.typcategory::text,
                  'collatable', bt.typcollation <> 0, 'fixedWidth', bt.typlen > 0) ORDER BY a.attnum)
                  FROM pg_attribute a
                  JOIN pg_type t ON t.oid = a.atttypid
                  JOIN pg_type bt ON bt.oid = CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END
                 WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped), '[]') AS columns,
       coalesce((SELECT json_agg(a.attname::text ORDER BY k.ord)
                  FROM pg_index i
                  CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
                  JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
                 WHERE i.indrelid = c.oid AND i.indisprimary), '[]') AS primary_key
  FROM unnest($1::text[], $2::text[]) AS wanted(schema, name)
  JOIN pg_namespace n ON n.nspname = wanted.schema
  JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = wanted.name AND c.relkind IN ('r', 'p')`;

interface ShapeRow {
  schema: string;
  name: string;
  estimated_rows: number;
  columns: ColumnType[];
  primary_key: string[];
}

/** The shapes of the tables that exist among `tables`, keyed by schema.name, in one round trip. */
export async function readShapes(
  db: Queryable,
  tables: readonly { readonly schema: string; readonly name: string }[],
): Promise<Map<string, TableShape>> {
  const { rows } = await db.query<ShapeRow>(SHAPES_SQL, [
    tables.map((t) => t.schema),
    tables.map((t) => t.name),
  ]);
  return new Map(
    rows.map((r) => [
      `${r.schema}.${r.name}`,
      {
        schema: r.schema,
        name: r.name,
        columns: r.columns,
        primaryKey: r.primary_key,
        estimatedRows: r.estimated_rows,
      },
    ]),
  );
}

/**
 * Why two shapes of a table cannot be compared row by row, or null: the target must have every
 * source column and the source's key columns (other types are fine: values are cast to the source's).
 */
export function shapeProblem(source: TableShape, target: TableShape | undefined): string | null {
  if (!target) return 'the table does not exist on the target';
  const onTarget = new Set(target.columns.map((c) => c.name));
  const missing = source.columns.filter((c) => !onTarget.has(c.name)).map((c) => c.name);
  if (missing.length > 0)
    return `the target lacks column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`;
  const onSource = new Set(source.columns.map((c) => c.name));
  const extra = target.columns.filter((c) => !onSource.has(c.name)).map((c) => c.name);
  if (extra.length > 0)
    return `the target has column${extra.length > 1 ? 's' : ''} the source lacks: ${extra.join(', ')}`;
  return null;
}
