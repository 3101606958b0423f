/**
 * The shapes `test_decoding` lines decode to (PostgreSQL contrib/test_decoding/test_decoding.c).
 *
 * Values are kept as the text the server's output function produced, with the literal's quoting
 * undone, so an applier can pass each one as a query parameter and cast it with `$n::<type>`
 * (see castableType for the two type names that must not be used as cast targets verbatim).
 */

/** Marks a TOASTed column an UPDATE did not touch: the row keeps its current value. */
export const UNCHANGED_TOAST: unique symbol = Symbol.for('dms-cdc.test_decoding.unchanged-toast-datum');
export type UnchangedToast = typeof UNCHANGED_TOAST;

export interface Column {
  /** Column name, unquoted (quote_identifier undone). */
  readonly name: string;
  /**
   * Type as format_type_be printed it: SQL syntax usable as a cast target, e.g. `integer`,
   * `character varying`, `timestamp with time zone`, `integer[]`, `"char"`, `hidden."Odd]type"`.
   * Never has a typmod: varchar(20) prints as `character varying`, numeric(12,2) as `numeric`.
   */
  readonly type: string;
  /** The value's text (quotes removed, doubled quotes undone), null for SQL NULL, or UNCHANGED_TOAST. */
  readonly value: string | null | UnchangedToast;
}

export interface RelationName {
  readonly schema: string;
  readonly table: string;
}

export interface BeginLine {
  readonly kind: 'begin';
  /** Present with include-xids (the default). Decimal text, like the `xid` column. */
  readonly xid?: string;
}

export interface CommitLine {
  readonly kind: 'commit';
  readonly xid?: string;
  /** With include-timestamp: timestamptz_to_str output (ISO, session time zone), e.g. `2024-05-01 10:00:00.123456+00`. */
  readonly commitTime?: string;
}

export interface InsertChange extends RelationName {
  readonly kind: 'insert';
  /** Absent only for `INSERT: (no-tuple-data)`. */
  readonly newTuple?: Column[];
}

export interface UpdateChange extends RelationName {
  readonly kind: 'update';
  /**
   * Present when the replica identity changed (its old values) or with REPLICA IDENTITY FULL
   * (every old column). NULL old values are left out by the server, so with FULL a missing
   * column means it was NULL.
   */
  readonly oldKey?: Column[];
  /** Absent only for `(no-tuple-data)`. May hold UNCHANGED_TOAST values. */
  readonly newTuple?: Column[];
}

export interface DeleteChange extends RelationName {
  readonly kind: 'delete';
  /**
   * The replica identity of the deleted row (every non-NULL column with FULL), or null for
   * `DELETE: (no-tuple-data)` (REPLICA IDENTITY NOTHING, or DEFAULT on a table without a key).
   */
  readonly key: Column[] | null;
}

export interface TruncateChange {
  readonly kind: 'truncate';
  readonly relations: RelationName[];
  readonly restartSeqs: boolean;
  readonly cascade: boolean;
}

export interface MessageChange {
  readonly kind: 'message';
  readonly transactional: boolean;
  readonly prefix: string;
  readonly content: string;
}

export type RowChange = InsertChange | UpdateChange | DeleteChange;
export type DecodedChange = RowChange | TruncateChange | MessageChange;
export type DecodedLine = BeginLine | CommitLine | DecodedChange;
