import { quoteIdentifier } from '../sql-identifier.js';

export { quoteIdentifier };

/**
 * The statements that would make the target equal to the source, as text: never run here. Every row
 * travels as one JSON literal (the source's to_jsonb of the row) read back by jsonb_populate_record
 * into the target table's own row type, so each value is converted by PostgreSQL's input function for
 * its column, whatever the type: no value is spliced into SQL except as a quoted string literal.
 */

export interface RepairTable {
  readonly schema: string;
  readonly name: string;
  /** Primary key columns; empty for a table without one. */
  readonly keyColumns: readonly string[];
  /** Every column, in catalog order. */
  readonly columns: readonly string[];
}

/**
 * A string literal that reads back as exactly `text` whatever standard_conforming_strings says:
 * quotes doubled, and with any backslash the E'' form with backslashes doubled.
 */
export function quoteLiteral(text: string): string {
  const quoted = text.replaceAll("'", "''");
  return text.includes('\\') ? `E'${quoted.replaceAll('\\', '\\\\')}'` : `'${quoted}'`;
}

function qualified(table: RepairTable): string {
  return `${quoteIdentifier(table.schema)}.${quoteIdentifier(table.name)}`;
}

function populate(table: RepairTable, json: string): string {
  return `jsonb_populate_record(NULL::${qualified(table)}, ${quoteLiteral(json)})`;
}

function keyMatch(table: RepairTable, left: string, right: string): string {
  return table.keyColumns
    .map((c) => `${left}.${quoteIdentifier(c)} = ${right}.${quoteIdentifier(c)}`)
    .join(' AND ');
}

/**
 * The file's opening: one transaction, with the session settings the comparison read rows in (the
 * row literals and the jsonb comparisons of rows without a key depend on them).
 */
export function repairHeader(sourceDescription: string): string {
  return [
    '-- Statements that make the target equal to the source, written by dms-cdc verify; review before running.',
    `-- Source: ${sourceDescription.replace(/[\r\n]/g, ' ')}`,
    '-- Rerunning is safe: inserts skip keys already present, updates and deletes match by key, and a',
    '-- table without a key is brought to the number of copies of each row the source holds.',
    'BEGIN;',
    "SET LOCAL TimeZone TO 'UTC';",
    "SET LOCAL DateStyle TO 'ISO, YMD';",
    "SET LOCAL IntervalStyle TO 'postgres';",
    'SET LOCAL extra_float_digits TO 1;',
    '',
  ].join('\n');
}

export const REPAIR_FOOTER = 'COMMIT;\n';

// The source's value of a GENERATED ALWAYS identity column is the value to restore; on a table
// without one the clause changes nothing.
const OVERRIDING = 'OVERRIDING SYSTEM VALUE ';

/** A row the target lacks (with a key: skipped if the key is there by now). */
export function insertRow(table: RepairTable, rowJson: string): string {
  const conflict = table.keyColumns.length > 0 ? ' ON CONFLICT DO NOTHING' : '';
  return `INSERT INTO ${qualified(table)} ${OVERRIDING}SELECT * FROM ${populate(table, rowJson)}${conflict};`;
}

/** A row the target holds with other values: every non-key column set from the source row. */
export function updateRow(table: RepairTable, rowJson: string): string {
  const keys = new Set(table.keyColumns);
  const columns = table.columns.filter((c) => !keys.has(c));
  if (columns.length === 0) return `-- ${qualified(table)}: only key columns, nothing to update`;
  const list = columns.map(quoteIdentifier).join(', ');
  const values = columns.map((c) => `r.${quoteIdentifier(c)}`).join(', ');
  return `UPDATE ${qualified(table)} AS t SET (${list}) = ROW(${values}) FROM ${populate(table, rowJson)} AS r WHERE ${keyMatch(table, 't', 'r')};`;
}

/** A row only the target has, by its key (given as JSON of the key columns' text). */
export function deleteRow(table: RepairTable, keyJson: string): string {
  return `DELETE FROM ${qualified(table)} AS t USING ${populate(table, keyJson)} AS r WHERE ${keyMatch(table, 't', 'r')};`;
}

function copiesOf(table: RepairTable, rowJson: string): string {
  return `(SELECT count(*) FROM ${qualified(table)} AS x WHERE to_jsonb(x) = ${quoteLiteral(rowJson)}::jsonb)`;
}

/**
 * A table without a key: brings the target to `onSource` copies of the row (jsonb equality, so 1.50
 * matches 1.5), adding the copies it lacks or removing, by ctid, the ones it has too many of.
 */
export function setCopies(table: RepairTable, rowJson: string, onSource: number): string[] {
  const n = Math.trunc(onSource);
  return [
    `INSERT INTO ${qualified(table)} ${OVERRIDING}SELECT r.* FROM ${populate(table, rowJson)} AS r CROSS JOIN generate_series(1, ${n} - ${copiesOf(table, rowJson)});`,
    `DELETE FROM ${qualified(table)} WHERE ctid IN (SELECT ctid FROM ${qualified(table)} AS x WHERE to_jsonb(x) = ${quoteLiteral(rowJson)}::jsonb LIMIT greatest(0, ${copiesOf(table, rowJson)} - ${n}));`,
  ];
}
