import type { ColumnFact } from './facts.js';

// How DMS treats PostgreSQL types (DMS user guide, "Source data types for PostgreSQL" and the
// PostgreSQL-to-PostgreSQL table). Bases are pg_type.typname after resolving domains.

/** Mapped to DMS BLOB/CLOB/NCLOB: LOB handling applies. */
const LOB_BASES = new Set([
  'text',
  'bytea',
  'json',
  'jsonb',
  'xml',
  'hstore',
  'tsvector',
  'tsquery',
  'path',
  'polygon',
]);
/** Unbounded character types DMS also reads as LOBs. */
const UNBOUNDED_STRING_BASES = new Set(['varchar']);
/** Listed as "doesn't migrate" for PostgreSQL sources. */
const UNSUPPORTED_BASES = new Set([
  'inet',
  'macaddr',
  'macaddr8',
  'tsvector',
  'tsquery',
  'line',
  'lseg',
  'box',
  'path',
  'circle',
]);
const UNSUPPORTED_KINDS: Readonly<Record<string, string>> = {
  e: 'enum',
  c: 'composite',
  r: 'range',
  m: 'multirange',
};
const POSTGIS_BASES = new Set(['geometry', 'geography', 'raster']);

export function isArray(column: ColumnFact): boolean {
  return column.category === 'A';
}

export function isLob(column: ColumnFact): boolean {
  if (isArray(column) || LOB_BASES.has(column.base)) return true;
  return UNBOUNDED_STRING_BASES.has(column.base) && column.typmod < 0;
}

/** Why DMS cannot migrate the column's type, or undefined when it can. */
export function unsupportedKind(column: ColumnFact): string | undefined {
  if (isArray(column)) return undefined;
  if (UNSUPPORTED_BASES.has(column.base)) return column.base;
  return UNSUPPORTED_KINDS[column.typtype];
}

export function isUnconstrainedNumeric(column: ColumnFact): boolean {
  return column.base === 'numeric' && column.typmod < 0;
}

/** oid columns (and the lo domain over oid) reference large objects, which DMS does not migrate. */
export function isOidLob(column: ColumnFact): boolean {
  return column.base === 'oid';
}

export function isPostgis(column: ColumnFact): boolean {
  return POSTGIS_BASES.has(column.base);
}

/**
 * Whether any check looks at the column: the adapter reads only these, so that 100,000 tables of
 * plain columns cost the catalog query one short row each. A column of a LOB type matters only in a
 * primary key (tables.pk-lob-type); every other predicate above flags a column wherever it is.
 */
export function isColumnOfInterest(column: ColumnFact, inPrimaryKey: boolean): boolean {
  if (inPrimaryKey && isLob(column)) return true;
  return (
    isArray(column) ||
    unsupportedKind(column) !== undefined ||
    isUnconstrainedNumeric(column) ||
    isOidLob(column) ||
    isPostgis(column)
  );
}

/**
 * isColumnOfInterest as the catalog query's parameters (it tests the base type's typname, typtype
 * and typcategory and the column's typmod). A test runs both over every type PostgreSQL has.
 */
export const COLUMNS_OF_INTEREST = {
  /** typcategory flagged wherever the column is: arrays. */
  categories: ['A'],
  /** typtype flagged wherever the column is. */
  kinds: Object.keys(UNSUPPORTED_KINDS),
  /** Base types flagged wherever the column is. */
  bases: [...UNSUPPORTED_BASES, ...POSTGIS_BASES, 'oid'],
  /** Base types flagged when declared without precision or length (typmod < 0). */
  unboundedBases: ['numeric'],
  /** Base types flagged in a primary key. */
  keyBases: [...LOB_BASES],
  /** Base types flagged in a primary key when declared without a length. */
  unboundedKeyBases: [...UNBOUNDED_STRING_BASES],
} as const;
