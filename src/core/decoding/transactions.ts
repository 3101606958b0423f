import { DecodingParseError } from './errors.js';
import { parseChange } from './test-decoding.js';
import type { DecodedChange, DecodedLine } from './types.js';

/** One row of pg_logical_slot_get_changes / _peek_changes (lsn and xid as text). */
export interface SlotChangeRow {
  readonly lsn: string;
  readonly xid: string;
  readonly data: string;
}

/**
 * A committed transaction, or a non-transactional logical message on its own (then `changes`
 * is that one message and beginLsn = commitLsn = its row's lsn).
 */
export interface DecodedTransaction {
  readonly xid: string;
  /** lsn of the BEGIN row (the transaction's first change; may be below an earlier unit's commitLsn). */
  readonly beginLsn: string;
  /** lsn of the COMMIT row (the end of the commit record): what a consumer confirms once applied. */
  readonly commitLsn: string;
  readonly commitTime?: string;
  readonly changes: DecodedChange[];
}

/** Rows after the last whole transaction: a BEGIN whose COMMIT was not in the batch. */
export interface IncompleteTail {
  readonly xid: string;
  readonly beginLsn: string;
  /** Index of the BEGIN row in the batch, and how many rows from it on were left out. */
  readonly firstRow: number;
  readonly rows: number;
}

export interface GroupedTransactions {
  /** In output order, which is commit order. */
  readonly transactions: DecodedTransaction[];
  /** Set when the batch ends inside a transaction: confirm no further than the last commitLsn and re-read. */
  readonly incomplete: IncompleteTail | null;
}

interface Open {
  xid: string;
  beginLsn: string;
  firstRow: number;
  changes: DecodedChange[];
}

/**
 * Groups slot rows into whole transactions. A batch may end inside one (reported as
 * `incomplete`, left for the caller to read again); it may not start inside one, nest BEGINs,
 * or disagree on xids: those throw DecodingParseError naming the row.
 */
export function groupTransactions(rows: readonly SlotChangeRow[]): GroupedTransactions {
  const transactions: DecodedTransaction[] = [];
  let open: Open | null = null;

  for (const [index, row] of rows.entries()) {
    const { line, fail } = parseSlotRow(row, index, CUT_REMEDY);
    switch (line.kind) {
      case 'begin': {
        if (open)
          throw fail(
            `BEGIN inside transaction ${open.xid} (begun at row ${open.firstRow}) before its COMMIT`,
          );
        const xid = line.xid ?? row.xid;
        if (xid !== row.xid) throw fail(`BEGIN ${xid} on a row whose xid is ${row.xid}`);
        open = { xid, beginLsn: row.lsn, firstRow: index, changes: [] };
        continue;
      }
      case 'commit': {
        if (!open) throw fail('COMMIT without a BEGIN: the rows start in the middle of a transaction');
        const xid = line.xid ?? row.xid;
        if (xid !== open.xid || row.xid !== open.xid) {
          throw fail(`COMMIT of transaction ${xid} (row xid ${row.xid}) closes transaction ${open.xid}`);
        }
        transactions.push({
          xid,
          beginLsn: open.beginLsn,
          commitLsn: row.lsn,
          ...(line.commitTime === undefined ? {} : { commitTime: line.commitTime }),
          changes: open.changes,
        });
        open = null;
        continue;
      }
      case 'message':
        if (!line.transactional) {
          if (open) throw fail(`non-transactional message inside transaction ${open.xid}`);
          transactions.push({ xid: row.xid, beginLsn: row.lsn, commitLsn: row.lsn, changes: [line] });
          continue;
        }
        break;
      default:
        break;
    }
    if (!open) throw fail(`${line.kind} outside a transaction: the rows start in the middle of one`);
    if (row.xid !== open.xid) throw fail(`change of transaction ${row.xid} inside transaction ${open.xid}`);
    open.changes.push(line);
  }

  return {
    transactions,
    incomplete: open
      ? { xid: open.xid, beginLsn: open.beginLsn, firstRow: open.firstRow, rows: rows.length - open.firstRow }
      : null,
  };
}

/**
 * One slot row parsed, a parse error naming the row and its LSN; `fail` makes the error of a row that
 * parses but does not fit its place (with `remedy`, what the reader must do instead).
 */
export function parseSlotRow(
  row: SlotChangeRow,
  index: number,
  remedy: string,
): { line: DecodedLine; fail: (reason: string) => DecodingParseError } {
  const context = { row: index, lsn: String(row.lsn) };
  const fail = (reason: string) => new DecodingParseError(reason, String(row.data), 0, context, remedy);
  try {
    return { line: parseChange(row.data), fail };
  } catch (error) {
    throw error instanceof DecodingParseError ? error.inRow(String(row.data), context) : error;
  }
}

const CUT_REMEDY =
  'Hand over whole transactions: read with pg_logical_slot_get_changes/peek_changes without a SQL LIMIT ' +
  '(use upto_nchanges, which stops at transaction boundaries) and start from the slot, not from the middle of a batch';
