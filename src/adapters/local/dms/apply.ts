import {
  type Column,
  castableType,
  type DecodedChange,
  type RowChange,
  type TruncateChange,
  UNCHANGED_TOAST,
} from '../../../core/decoding/index.js';
import type { Queryable } from '../../pg/queryable.js';
import { quoteIdent } from '../../pg/slot-admin.js';
import { sqlState } from '../../pg/sqlstate.js';
import type { TargetSchema, TargetTable } from './target-schema.js';

/** Why a change could not be applied; the task fails with it (DMS would suspend or fail the table). */
export class ApplyError extends Error {
  override readonly name = 'ApplyError';
}

export interface ApplyCounts {
  inserts: number;
  updates: number;
  deletes: number;
  truncates: number;
  /** UPDATE or DELETE that matched no target row: DMS records these in awsdms_apply_exceptions. */
  missedRows: number;
}

export function emptyCounts(): ApplyCounts {
  return { inserts: 0, updates: 0, deletes: 0, truncates: 0, missedRows: 0 };
}

interface Statement {
  readonly sql: string;
  readonly params: unknown[];
}

/**
 * Applies decoded changes to the target, in the caller's transaction, one statement per change:
 * values are parameters cast to the type test_decoding printed, identifiers are quoted.
 */
export async function applyChange(
  db: Queryable,
  schema: TargetSchema,
  change: DecodedChange,
  counts: ApplyCounts,
): Promise<void> {
  if (change.kind === 'message') return;
  if (change.kind === 'truncate') {
    await db.query(truncateSql(change));
    counts.truncates += 1;
    return;
  }
  const table = await schema.table(change.schema, change.table);
  if (!table) {
    throw new ApplyError(`table ${change.schema}.${change.table} does not exist on the target`);
  }
  const statement = rowStatement(change, table);
  if (!statement) return;
  let result: { rowCount: number | null };
  try {
    result = await db.query(statement.sql, statement.params);
  } catch (error) {
    // A lost connection is not about the row: it stays what it is (recoverable).
    if (sqlState(error) === undefined) throw error;
    // DMS's default would log the row to awsdms_apply_exceptions and go on; a rehearsal must not
    // hide a row it could not apply, so the task fails naming the table and the server's reason.
    throw new ApplyError(
      `${change.kind.toUpperCase()} on ${change.schema}.${change.table} failed on the target: ${(error as Error).message}`,
    );
  }
  if (change.kind === 'insert') counts.inserts += 1;
  else if (change.kind === 'update') counts.updates += 1;
  else counts.deletes += 1;
  if (change.kind !== 'insert' && result.rowCount === 0) counts.missedRows += 1;
}

function rowStatement(change: RowChange, table: TargetTable): Statement | undefined {
  const target = `${quoteIdent(change.schema)}.${quoteIdent(change.table)}`;
  const writable = (c: Column) => !table.generated.has(c.name);
  if (change.kind === 'insert') {
    const columns = (change.newTuple ?? []).filter(writable);
    if (columns.length === 0) return undefined;
    const params = columns.map((c) => c.value);
    // OVERRIDING SYSTEM VALUE: the source already chose identity values (GENERATED ALWAYS included).
    return {
      sql: `INSERT INTO ${target} (${columns.map((c) => quoteIdent(c.name)).join(', ')}) OVERRIDING SYSTEM VALUE VALUES (${columns
        .map((c, i) => `$${i + 1}::${castableType(c.type)}`)
        .join(', ')})`,
      params,
    };
  }
  if (change.kind === 'update') {
    // Without old-key the replica identity did not change: its columns stay out of SET (which also
    // keeps UPDATE legal on GENERATED ALWAYS identity keys).
    const unchangedKey = new Set(change.oldKey ? [] : table.key);
    const set = (change.newTuple ?? []).filter(
      (c) => c.value !== UNCHANGED_TOAST && writable(c) && !unchangedKey.has(c.name),
    );
    const params: unknown[] = [];
    const assignments = set.map((c) => `${quoteIdent(c.name)} = ${param(params, c)}`);
    if (assignments.length === 0) return undefined;
    const where = rowLocator(target, change.oldKey ?? change.newTuple ?? [], table, params, 'UPDATE');
    return { sql: `UPDATE ${target} SET ${assignments.join(', ')} WHERE ${where}`, params };
  }
  if (change.key === null) {
    throw new ApplyError(
      `DELETE on ${target} carries no key: give the table a primary key or REPLICA IDENTITY FULL`,
    );
  }
  const params: unknown[] = [];
  return {
    sql: `DELETE FROM ${target} WHERE ${rowLocator(target, change.key, table, params, 'DELETE')}`,
    params,
  };
}

/**
 * The WHERE clause that finds the one row a change is about. With a key: the key columns. Without
 * (REPLICA IDENTITY FULL on a keyless table): every column, NULL ones included (the server leaves
 * NULL old values out), limited to one row by ctid, since identical rows can exist.
 */
function rowLocator(
  target: string,
  columns: readonly Column[],
  table: TargetTable,
  params: unknown[],
  what: string,
): string {
  const key = keyOf(columns, table);
  if (key) return condition(key, params);
  if (columns.length === 0)
    throw new ApplyError(`${what} on ${target} carries no columns to find the row by`);
  const given = new Set(columns.map((c) => c.name));
  const nulls = table.columns.filter((name) => !given.has(name) && !table.generated.has(name));
  const conditions = [condition(columns, params), ...nulls.map((name) => `${quoteIdent(name)} IS NULL`)];
  return `ctid = (SELECT ctid FROM ${target} WHERE ${conditions.join(' AND ')} LIMIT 1)`;
}

/** The target key's columns, when the change carries all of them. */
function keyOf(columns: readonly Column[], table: TargetTable): readonly Column[] | undefined {
  if (table.key.length === 0) return undefined;
  const byName = new Map(columns.map((c) => [c.name, c]));
  const key = table.key.map((name) => byName.get(name));
  return key.every((c): c is Column => c !== undefined && c.value !== UNCHANGED_TOAST) ? key : undefined;
}

function condition(columns: readonly Column[], params: unknown[]): string {
  return columns
    .map((c) =>
      c.value === null ? `${quoteIdent(c.name)} IS NULL` : `${quoteIdent(c.name)} = ${param(params, c)}`,
    )
    .join(' AND ');
}

function param(params: unknown[], column: Column): string {
  params.push(column.value);
  return `$${params.length}::${castableType(column.type)}`;
}

function truncateSql(change: TruncateChange): string {
  const tables = change.relations.map((r) => `${quoteIdent(r.schema)}.${quoteIdent(r.table)}`).join(', ');
  return `TRUNCATE ${tables}${change.restartSeqs ? ' RESTART IDENTITY' : ''}${change.cascade ? ' CASCADE' : ''}`;
}
