import { DecodingParseError } from './decoding/errors.js';
import { parseSlotRow, type SlotChangeRow } from './decoding/transactions.js';
import type { RelationName } from './decoding/types.js';
import { compareLsn, formatLsn, type Lsn, parseLsn } from './lsn.js';
import { committedXidVisible, type XidSnapshot } from './xid-snapshot.js';

/**
 * The rows a stopped task has not applied, per table, read from what its slot still holds.
 *
 * A transaction is after the boundary when its COMMIT row's lsn is greater than the boundary. That row's
 * lsn is the *end* of the commit record (logical decoding reports txn->end_lsn there), which is also the
 * position a consumer confirms and the local engine stores as its checkpoint. PostgreSQL re-sends a
 * transaction to a consumer starting at position P iff its commit record *starts* at or after P; for a P
 * on a record boundary (a commit's end, or any record's start, as every position a consumer or DMS
 * reports is) that is the same as "commit end > P". So "after the boundary" is exactly what a resume
 * from the checkpoint would apply next: what the target does not have yet.
 *
 * Of those, only the transactions the source count's snapshot sees are counted, so that the source
 * count less these deltas is the target's count whatever committed around the snapshot.
 */
export interface TableDelta {
  /** Rows inserted minus rows deleted (an UPDATE moves no count; a partition change is DELETE + INSERT). */
  readonly rows: number;
  /** A TRUNCATE of the table: the count before it cannot be derived from the count after. */
  readonly truncated: boolean;
}

export interface PostCheckpointChanges {
  /** Keyed by tableKey(schema, table), only tables some counted transaction touched. */
  readonly tables: ReadonlyMap<string, TableDelta>;
  /** Whole transactions decoded, those committed after the boundary, and of those the ones counted. */
  readonly transactions: {
    readonly decoded: number;
    readonly afterBoundary: number;
    readonly visible: number;
  };
  /** The last COMMIT lsn decoded, or null when the slot held no transaction. */
  readonly lastCommitLsn: string | null;
}

/** A collision-free key for a schema-qualified table (names may hold dots and quotes). */
export function tableKey(schema: string, table: string): string {
  return JSON.stringify([schema, table]);
}

interface MutableDelta {
  rows: number;
  truncated: boolean;
}

interface OpenTransaction {
  readonly xid: string;
  readonly firstRow: number;
  readonly tables: Map<string, MutableDelta>;
}

const XID = /^[0-9]{1,10}$/;
const CUT_REMEDY =
  'Read the rows with pg_logical_slot_peek_changes and include-xids, in order and without gaps; report the excerpt';

/**
 * Folds test_decoding rows, batch after batch in server order (a batch may end inside a transaction),
 * into per-table deltas of the transactions after `boundary` that `snapshot` sees. Memory holds the
 * deltas of one open transaction and the totals, never the rows.
 */
export class PostCheckpointFold {
  private readonly totals = new Map<string, MutableDelta>();
  private open: OpenTransaction | null = null;
  private rowIndex = 0;
  private decoded = 0;
  private afterBoundary = 0;
  private visible = 0;
  private lastCommit: Lsn | null = null;

  constructor(
    private readonly boundary: Lsn,
    private readonly snapshot: XidSnapshot,
  ) {}

  add(rows: readonly SlotChangeRow[]): void {
    for (const row of rows) {
      this.addRow(row, this.rowIndex);
      this.rowIndex += 1;
    }
  }

  /** The totals; throws when the rows ended inside a transaction (decoding only emits whole ones). */
  finish(): PostCheckpointChanges {
    if (this.open) {
      throw new DecodingParseError(
        `the rows end inside transaction ${this.open.xid} (begun at row ${this.open.firstRow})`,
        '',
        0,
        undefined,
        CUT_REMEDY,
      );
    }
    return {
      tables: new Map(this.totals),
      transactions: { decoded: this.decoded, afterBoundary: this.afterBoundary, visible: this.visible },
      lastCommitLsn: this.lastCommit === null ? null : formatLsn(this.lastCommit),
    };
  }

  private addRow(row: SlotChangeRow, index: number): void {
    const { line, fail } = parseSlotRow(row, index, CUT_REMEDY);
    switch (line.kind) {
      case 'begin': {
        if (this.open) throw fail(`BEGIN inside transaction ${this.open.xid} before its COMMIT`);
        const xid = line.xid ?? row.xid;
        if (xid !== row.xid || !XID.test(xid)) throw fail(`BEGIN ${xid} on a row whose xid is ${row.xid}`);
        this.open = { xid, firstRow: index, tables: new Map() };
        return;
      }
      case 'commit': {
        const open = this.open;
        if (!open) throw fail('COMMIT without a BEGIN: the rows start in the middle of a transaction');
        const xid = line.xid ?? row.xid;
        if (xid !== open.xid || row.xid !== open.xid) {
          throw fail(`COMMIT of transaction ${xid} (row xid ${row.xid}) closes transaction ${open.xid}`);
        }
        this.open = null;
        this.commit(open, parseLsn(row.lsn, 'lsn'));
        return;
      }
      case 'message':
        // Logical messages carry no rows; a non-transactional one stands outside any transaction.
        if (!line.transactional) return;
        break;
      default:
        break;
    }
    const open = this.open;
    if (!open) throw fail(`${line.kind} outside a transaction: the rows start in the middle of one`);
    if (row.xid !== open.xid) throw fail(`change of transaction ${row.xid} inside transaction ${open.xid}`);
    if (line.kind === 'insert') bump(open.tables, line, 1);
    else if (line.kind === 'delete') bump(open.tables, line, -1);
    else if (line.kind === 'truncate') {
      for (const relation of line.relations) deltaOf(open.tables, relation).truncated = true;
    }
  }

  private commit(transaction: OpenTransaction, commitLsn: Lsn): void {
    this.decoded += 1;
    this.lastCommit = commitLsn;
    if (compareLsn(commitLsn, this.boundary) <= 0) return;
    this.afterBoundary += 1;
    if (!committedXidVisible(this.snapshot, Number(transaction.xid))) return;
    this.visible += 1;
    for (const [key, delta] of transaction.tables) {
      const total = this.totals.get(key) ?? { rows: 0, truncated: false };
      total.rows += delta.rows;
      total.truncated ||= delta.truncated;
      this.totals.set(key, total);
    }
  }
}

function deltaOf(tables: Map<string, MutableDelta>, relation: RelationName): MutableDelta {
  const key = tableKey(relation.schema, relation.table);
  let delta = tables.get(key);
  if (!delta) {
    delta = { rows: 0, truncated: false };
    tables.set(key, delta);
  }
  return delta;
}

function bump(tables: Map<string, MutableDelta>, relation: RelationName, by: number): void {
  deltaOf(tables, relation).rows += by;
}
