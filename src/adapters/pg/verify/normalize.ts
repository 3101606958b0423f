import { quoteIdentifier } from '../../../core/sql-identifier.js';

/**
 * How each value is compared, by the family of its SOURCE column's type: the one place that decides
 * what "equal" means. Each column becomes a 64-bit hash computed by the server from the value's
 * canonical form; a row's hash is the XOR of its columns' hashes (each seeded with the column's
 * position, so values swapped between columns differ), and a range's checksum is the sum of its rows'
 * hashes. Both servers run the same expression, the target's column cast to the source column's type
 * first, so a type DMS changed on the way (json to jsonb, int4 to int8, numeric to text) is still
 * compared by value. docs/verify.md lists the families; keep it in step.
 */
export type TypeFamily =
  | 'integer'
  | 'numeric'
  | 'float'
  | 'timestamptz'
  | 'timestamp'
  | 'date'
  | 'time'
  | 'timetz'
  | 'interval'
  | 'boolean'
  | 'uuid'
  | 'json'
  | 'bytea'
  | 'array'
  | 'text';

/** A column as the catalog describes it on one side. */
export interface ColumnType {
  readonly name: string;
  /** format_type of the column's type: safe to write in SQL as is. */
  readonly type: string;
  /** pg_type.typname of the type, or of a domain's base type. */
  readonly baseName: string;
  /** pg_type.typcategory ('A' for arrays). */
  readonly category: string;
  /** The type sorts by collation: its comparisons are pinned to "C" so both servers order alike. */
  readonly collatable: boolean;
  /** Values of one size (pg_type.typlen > 0): width_bucket finds one among many split values fast. */
  readonly fixedWidth: boolean;
}

const FAMILIES: Readonly<Record<string, TypeFamily>> = {
  int2: 'integer',
  int4: 'integer',
  int8: 'integer',
  oid: 'integer',
  numeric: 'numeric',
  money: 'numeric',
  float4: 'float',
  float8: 'float',
  timestamptz: 'timestamptz',
  timestamp: 'timestamp',
  date: 'date',
  time: 'time',
  timetz: 'timetz',
  interval: 'interval',
  bool: 'boolean',
  uuid: 'uuid',
  json: 'json',
  jsonb: 'json',
  bytea: 'bytea',
};

export function typeFamily(column: Pick<ColumnType, 'baseName' | 'category'>): TypeFamily {
  if (column.category === 'A') return 'array';
  return FAMILIES[column.baseName] ?? 'text';
}

/**
 * The server-side hash of one value: `value` is SQL for the value (a quoted column), `source` the source
 * column (it picks the family and the type to cast to), `seed` the column's position.
 */
export function valueHash(value: string, source: ColumnType, seed: number): string {
  const v = `(${value})`;
  switch (typeFamily(source)) {
    case 'integer':
      return `hashint8extended(${v}::int8, ${seed})`;
    case 'numeric':
      // hash_numeric ignores trailing zeros, as numeric equality does: 1.50 and 1.5 hash alike.
      return `hash_numeric_extended(${v}::numeric, ${seed})`;
    case 'float':
      return `hashfloat8extended(${v}::float8, ${seed})`;
    case 'timestamptz':
      // The instant: the same whatever time zone either server or session shows it in.
      return `timestamp_hash_extended(${v}::timestamptz AT TIME ZONE 'UTC', ${seed})`;
    case 'timestamp':
      return `timestamp_hash_extended(${v}::timestamp, ${seed})`;
    case 'date':
      // ISO text: the session pins DateStyle on both servers.
      return `hashtextextended(${v}::date::text, ${seed})`;
    case 'time':
      return `time_hash_extended(${v}::time, ${seed})`;
    case 'timetz':
      return `timetz_hash_extended(${v}::timetz, ${seed})`;
    case 'interval':
      return `interval_hash_extended(${v}::interval, ${seed})`;
    case 'boolean':
      return `hashint4extended(${v}::bool::int4, ${seed})`;
    case 'uuid':
      return `uuid_hash_extended(${v}::uuid, ${seed})`;
    case 'json':
      // As jsonb: key order, white space and duplicate keys do not count; numbers compare by value.
      return `jsonb_hash_extended(${v}::jsonb, ${seed})`;
    case 'bytea':
      return `hashtextextended(encode(${v}::bytea, 'hex'), ${seed})`;
    case 'array':
      // As a jsonb array: elements compared by their own meaning (numeric by value, json as jsonb).
      return `jsonb_hash_extended(to_jsonb(${v}::${source.type}), ${seed})`;
    case 'text':
      return `hashtextextended(${v}::text COLLATE "C", ${seed})`;
  }
}

/** One column's hash, NULL given its own value per column (so NULL and '' differ). */
export function columnHash(column: string, source: ColumnType, seed: number): string {
  return `coalesce(${valueHash(quoteIdentifier(column), source, seed)}, ${-1 - seed})`;
}

/** The row hash: the XOR of every column's hash, columns in the source's order. */
export function rowHash(columns: readonly ColumnType[]): string {
  if (columns.length === 0) return '0::int8';
  return columns.map((c, i) => columnHash(c.name, c, i + 1)).join(' # ');
}

/**
 * A key column's value as text that reads back as the same value and is the same text on both
 * servers: numeric without trailing zeros, timestamptz in UTC (the session's zone), the rest as output.
 */
export function keyText(column: string, source: ColumnType): string {
  const v = quoteIdentifier(column);
  switch (typeFamily(source)) {
    case 'numeric':
      return `CASE WHEN scale(${v}::numeric) > 0 THEN rtrim(rtrim(${v}::numeric::text, '0'), '.') ELSE ${v}::numeric::text END`;
    case 'timestamptz':
      return `${v}::timestamptz::text`;
    default:
      return `${v}::text`;
  }
}

/** The key column as SQL compares and sorts it: pinned to the "C" collation when it has one. */
export function keyOrder(column: string, side: ColumnType): string {
  return `${quoteIdentifier(column)}${side.collatable ? ' COLLATE "C"' : ''}`;
}
