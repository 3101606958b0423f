import { OrchestratorError } from './errors.js';

/**
 * Which committed transactions an MVCC snapshot sees, from the text pg_current_snapshot() (13+) and
 * txid_current_snapshot() print, `xmin:xmax:xip1,xip2,...` (64-bit ids: epoch << 32 | xid), and the
 * 32-bit xid logical decoding prints (test_decoding's `BEGIN 740` / the `xid` column).
 *
 * The rule is PostgreSQL's XidInMVCCSnapshot for a top-level transaction that has finished: every id
 * before xmin had finished when the snapshot was taken; between xmin and xmax exactly those listed in
 * xip were still running; xmax and after had not started. pg_current_snapshot lists top-level ids only,
 * which is what decoding prints for a transaction (subtransactions are folded into their top level).
 */
export interface XidSnapshot {
  readonly xmin: bigint;
  readonly xmax: bigint;
  readonly xip: readonly bigint[];
}

export class InvalidXidSnapshotError extends OrchestratorError {
  override readonly name = 'InvalidXidSnapshotError';

  constructor(readonly value: string) {
    super(
      `${JSON.stringify(value.slice(0, 80))} is not a snapshot as pg_current_snapshot() prints it (xmin:xmax:xip,...)`,
      'Pass the text of pg_current_snapshot() or txid_current_snapshot() unchanged',
    );
  }
}

const SNAPSHOT = /^([0-9]{1,20}):([0-9]{1,20}):((?:[0-9]{1,20}(?:,[0-9]{1,20})*)?)$/;
const XID_MAX = 0xffffffff;
/** FirstNormalTransactionId: 0 invalid, 1 bootstrap, 2 frozen compare as plain numbers. */
const FIRST_NORMAL_XID = 3;

export function parseXidSnapshot(text: string): XidSnapshot {
  const match = typeof text === 'string' ? SNAPSHOT.exec(text.trim()) : null;
  if (!match) throw new InvalidXidSnapshotError(String(text));
  const [, xmin = '', xmax = '', list = ''] = match;
  const snapshot = {
    xmin: BigInt(xmin),
    xmax: BigInt(xmax),
    xip: list === '' ? [] : list.split(',').map((x) => BigInt(x)),
  };
  if (snapshot.xmin > snapshot.xmax || snapshot.xip.some((x) => x < snapshot.xmin || x >= snapshot.xmax)) {
    throw new InvalidXidSnapshotError(text);
  }
  return snapshot;
}

/** The 32-bit TransactionId of a 64-bit FullTransactionId (xid8): its low 32 bits. */
export function xidOf(full: bigint): number {
  return Number(full & 0xffffffffn);
}

/**
 * PostgreSQL's TransactionIdPrecedes: is `a` logically older than `b`? Normal ids compare modulo
 * 2^32 (a precedes b when (int32)(a - b) < 0), so the answer is right across wraparound as long as the
 * two are less than 2^31 apart, which the server's wraparound protection guarantees for live ids.
 */
export function transactionIdPrecedes(a: number, b: number): boolean {
  checkXid(a);
  checkXid(b);
  if (a < FIRST_NORMAL_XID || b < FIRST_NORMAL_XID) return a < b;
  return ((a - b) | 0) < 0;
}

/**
 * Whether a transaction that committed (decoding printed its COMMIT) is visible in `snapshot`:
 * it precedes xmin, or it precedes xmax and was not running (not in xip) when the snapshot was taken.
 *
 * xmax is compared first: then the answer is right for every xid less than 2^31 from xmax (an xid
 * 2^31 after xmin would otherwise "precede" xmin). The server keeps every live xid far closer.
 */
export function committedXidVisible(snapshot: XidSnapshot, xid: number): boolean {
  checkXid(xid);
  if (!transactionIdPrecedes(xid, boundXid(snapshot.xmax))) return false;
  if (transactionIdPrecedes(xid, boundXid(snapshot.xmin))) return true;
  return !snapshot.xip.some((running) => xidOf(running) === xid);
}

/**
 * A snapshot bound as a 32-bit xid. The ids 0, 1 and 2 of each epoch are never assigned (the server
 * skips to 3 on wraparound), so a bound on one of them orders assigned ids exactly as 3 does, and unlike
 * them 3 compares modulo 2^32.
 */
function boundXid(full: bigint): number {
  return Math.max(xidOf(full), FIRST_NORMAL_XID);
}

function checkXid(xid: number): void {
  if (!Number.isInteger(xid) || xid < 0 || xid > XID_MAX) throw new RangeError(`${xid} is not a 32-bit xid`);
}
