import { quoteIdentifier } from '../../../core/sql-identifier.js';
import type { KeyRange } from '../../../core/verify/ranges.js';
import type { TableShape } from './catalog.js';
import { type ColumnType, columnHash, keyOrder, keyText, rowHash } from './normalize.js';

/** A statement and its parameters: values always travel as parameters, identifiers quoted. */
export interface Statement {
  readonly text: string;
  readonly values: unknown[];
}

interface KeyColumn {
  readonly name: string;
  /** The source's column: decides the canonical text. */
  readonly source: ColumnType;
  /** This side's column: its type is what values are cast to, its collation what is pinned. */
  readonly side: ColumnType;
}

/** One side's view of a table being compared: how its rows hash, and its key columns. */
export interface SideTable {
  readonly qualified: string;
  readonly key: readonly KeyColumn[];
  readonly rowHash: string;
  readonly columnHashes: readonly string[];
}

export function sideTable(source: TableShape, side: TableShape): SideTable {
  const byName = new Map(side.columns.map((c) => [c.name, c]));
  const columnOf = (name: string): ColumnType => {
    const column = byName.get(name);
    if (!column) throw new Error(`column ${name} of ${source.schema}.${source.name} is not on this side`);
    return column;
  };
  return {
    qualified: `${quoteIdentifier(side.schema)}.${quoteIdentifier(side.name)}`,
    key: source.primaryKey.map((name) => {
      const sourceColumn = source.columns.find((c) => c.name === name) as ColumnType;
      return { name, source: sourceColumn, side: columnOf(name) };
    }),
    rowHash: rowHash(source.columns),
    columnHashes: source.columns.map((c, i) => columnHash(c.name, c, i + 1)),
  };
}

class Params {
  readonly values: unknown[] = [];
  add(value: unknown, cast: string): string {
    this.values.push(value);
    return `$${this.values.length}::${cast}`;
  }
}

function rangeWhere(t: SideTable, range: KeyRange, params: Params): string {
  const parts = range.prefix.map((value, i) => {
    const column = t.key[i] as KeyColumn;
    return `${keyOrder(column.name, column.side)} = ${params.add(value, `text::${column.side.type}`)}`;
  });
  const column = t.key[range.prefix.length];
  if (column && range.lo) {
    const op = range.lo.inclusive ? '>=' : '>';
    parts.push(
      `${keyOrder(column.name, column.side)} ${op} ${params.add(range.lo.value, `text::${column.side.type}`)}`,
    );
  }
  if (column && range.hi) {
    parts.push(
      `${keyOrder(column.name, column.side)} < ${params.add(range.hi.value, `text::${column.side.type}`)}`,
    );
  }
  return parts.length > 0 ? parts.join(' AND ') : 'true';
}

/** Rows and the sum of row hashes of a range (the whole table for an empty range). */
export function totalQuery(t: SideTable, range: KeyRange): Statement {
  const params = new Params();
  const where = rangeWhere(t, range, params);
  return {
    text: `SELECT count(*)::int8 AS n, coalesce(sum(h), 0)::text AS s FROM (SELECT ${t.rowHash} AS h FROM ${t.qualified} WHERE ${where}) x`,
    values: params.values,
  };
}

/** Per bucket of the range split at `values` (width_bucket numbering): rows and hash sum. */
export function bucketQuery(t: SideTable, range: KeyRange, values: readonly string[]): Statement {
  const params = new Params();
  const column = t.key[range.prefix.length] as KeyColumn;
  const where = rangeWhere(t, range, params);
  const thresholds = params.add(values, `text[]::${column.side.type}[]`);
  return {
    text: `SELECT b, count(*)::int8 AS n, sum(h)::text AS s FROM (SELECT width_bucket(${keyOrder(column.name, column.side)}, ${thresholds}) AS b, ${t.rowHash} AS h FROM ${t.qualified} WHERE ${where}) x GROUP BY b`,
    values: params.values,
  };
}

/**
 * About `buckets` values of the range's key column at even steps through its distinct values, in the
 * order SQL compares them, and how many distinct values there were; `percent` below 100 takes them from a sample
 * of the rows instead of all of them.
 */
export function splitValuesQuery(t: SideTable, range: KeyRange, buckets: number, percent: number): Statement {
  const params = new Params();
  const column = t.key[range.prefix.length] as KeyColumn;
  const where = rangeWhere(t, range, params);
  const sample = percent < 100 ? ` TABLESAMPLE BERNOULLI (${percent})` : '';
  const step = params.add(buckets, 'int8');
  return {
    text: `SELECT v::text AS v, c FROM (SELECT v, row_number() OVER (ORDER BY v) AS rn, count(*) OVER () AS c FROM (SELECT DISTINCT ${keyOrder(column.name, column.side)} AS v FROM ${t.qualified}${sample} WHERE ${where}) d) s WHERE rn % greatest(1, c / ${step}) = 0 ORDER BY rn`,
    values: params.values,
  };
}

function keyArray(t: SideTable): string {
  return `ARRAY[${t.key.map((k) => keyText(k.name, k.source)).join(', ')}]::text[]`;
}

/** Every row of a (small) range as its key text and row hash. */
export function leafQuery(t: SideTable, range: KeyRange): Statement {
  const params = new Params();
  const where = rangeWhere(t, range, params);
  return {
    text: `SELECT ${keyArray(t)} AS k, (${t.rowHash})::text AS h FROM ${t.qualified} WHERE ${where}`,
    values: params.values,
  };
}

/**
 * The rows of a range with the given keys: key text, per-column hashes and, when `withRow`, the row
 * as jsonb text (for the repair statements).
 */
export function detailQuery(
  t: SideTable,
  range: KeyRange,
  keys: readonly (readonly (string | null)[])[],
  withRow: boolean,
): Statement {
  const params = new Params();
  const where = rangeWhere(t, range, params);
  // One text array per key column, compared as text: exactly the text the leaf read returned.
  const columns = t.key.map((_, i) =>
    params.add(
      keys.map((k) => k[i] ?? null),
      'text[]',
    ),
  );
  const match = `(${t.key.map((_, i) => `k[${i + 1}]`).join(', ')}) IN (SELECT * FROM unnest(${columns.join(', ')}))`;
  return {
    text: `SELECT k, c${withRow ? ', j' : ''} FROM (SELECT ${keyArray(t)} AS k, ARRAY[${t.columnHashes.map((h) => `(${h})::text`).join(', ')}]::text[] AS c${withRow ? ', to_jsonb(r.*)::text AS j' : ''} FROM ${t.qualified} AS r WHERE ${where}) x WHERE ${match}`,
    values: params.values,
  };
}

// --- tables without a primary key: a multiset of row hashes -------------------------------------

/** Rows and hash sum per bucket of the hash's top 10 bits. */
export function multisetBucketQuery(t: SideTable): Statement {
  return {
    text: `SELECT (h >> 54)::int AS b, count(*)::int8 AS n, sum(h)::text AS s FROM (SELECT ${t.rowHash} AS h FROM ${t.qualified}) x GROUP BY 1`,
    values: [],
  };
}

/** Each row hash in the given buckets and its number of copies. */
export function multisetHashesQuery(t: SideTable, buckets: readonly number[]): Statement {
  return {
    text: `SELECT h::text AS h, count(*)::int8 AS n FROM (SELECT ${t.rowHash} AS h FROM ${t.qualified}) x WHERE (h >> 54)::int = ANY($1::int[]) GROUP BY h`,
    values: [buckets],
  };
}

/** One row (as jsonb text) for each of the given row hashes. */
export function multisetRowsQuery(t: SideTable, hashes: readonly string[]): Statement {
  return {
    text: `SELECT DISTINCT ON (h) h::text AS h, j FROM (SELECT ${t.rowHash} AS h, to_jsonb(r.*)::text AS j FROM ${t.qualified} AS r) x WHERE h = ANY($1::int8[])`,
    values: [hashes],
  };
}
