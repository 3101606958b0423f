import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  committedXidVisible,
  InvalidXidSnapshotError,
  parseXidSnapshot,
  transactionIdPrecedes,
  xidOf,
} from '../../src/core/xid-snapshot.js';

const EPOCH = 1n << 32n;
const HALF = 1n << 31n;

describe('parseXidSnapshot', () => {
  it('reads what txid_current_snapshot() and pg_current_snapshot() print', () => {
    expect(parseXidSnapshot('740:740:')).toEqual({ xmin: 740n, xmax: 740n, xip: [] });
    expect(parseXidSnapshot('740:745:740,743')).toEqual({ xmin: 740n, xmax: 745n, xip: [740n, 743n] });
    // 64-bit ids after a wraparound: epoch 1.
    expect(parseXidSnapshot('4294967299:4294967310:4294967300')).toEqual({
      xmin: EPOCH + 3n,
      xmax: EPOCH + 14n,
      xip: [EPOCH + 4n],
    });
  });

  it.each(['', '740', '740:740', '740:739:', '740:745:746', '740:745:739', 'a:b:', '740:745:740,', ' :1:'])(
    'rejects %j',
    (text) => {
      expect(() => parseXidSnapshot(text)).toThrow(InvalidXidSnapshotError);
    },
  );
});

describe('transactionIdPrecedes (PostgreSQL TransactionIdPrecedes)', () => {
  it('compares normal ids modulo 2^32', () => {
    expect(transactionIdPrecedes(740, 741)).toBe(true);
    expect(transactionIdPrecedes(741, 740)).toBe(false);
    expect(transactionIdPrecedes(740, 740)).toBe(false);
    // Across wraparound: the last id of an epoch precedes the first normal id of the next.
    expect(transactionIdPrecedes(0xffffffff, 3)).toBe(true);
    expect(transactionIdPrecedes(3, 0xffffffff)).toBe(false);
    // 2^31 - 1 apart is the farthest the order holds.
    expect(transactionIdPrecedes(3, 3 + 0x7fffffff)).toBe(true);
  });

  it('compares the special ids 0, 1 and 2 as plain numbers', () => {
    expect(transactionIdPrecedes(2, 0xffffffff)).toBe(true);
    expect(transactionIdPrecedes(0xffffffff, 2)).toBe(false);
    expect(transactionIdPrecedes(1, 2)).toBe(true);
  });

  it('is a strict order on normal ids less than 2^31 apart', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 3, max: 0xffffffff }),
        fc.integer({ min: 1, max: 0x7fffffff }),
        (a, d) => {
          const b = (a + d) % 2 ** 32;
          if (b < 3) return; // a special id, compared as a plain number
          expect(transactionIdPrecedes(a, b)).toBe(true);
          expect(transactionIdPrecedes(b, a)).toBe(false);
        },
      ),
    );
  });

  it('refuses what is not a 32-bit xid', () => {
    expect(() => transactionIdPrecedes(-1, 3)).toThrow(RangeError);
    expect(() => transactionIdPrecedes(3, 2 ** 32)).toThrow(RangeError);
    expect(() => transactionIdPrecedes(3.5, 4)).toThrow(RangeError);
  });
});

/** A 64-bit id the server can assign: its low 32 bits are never 0, 1 or 2 (GetNewTransactionId skips them). */
const assignable = (full: bigint) => (xidOf(full) < 3 ? full + 3n : full);

/** Snapshots as the server takes them: xmin <= xip < xmax, xmax less than 2^31 ahead of xmin, any epoch. */
const snapshots = fc
  .record({
    epoch: fc.bigInt({ min: 0n, max: 5n }),
    low: fc.bigInt({ min: 0n, max: EPOCH - 1n }),
    span: fc.bigInt({ min: 0n, max: 2000n }),
    running: fc.array(fc.bigInt({ min: 0n, max: 2000n }), { maxLength: 12 }),
  })
  .map(({ epoch, low, span, running }) => {
    const xmin = assignable(epoch * EPOCH + low + 3n);
    const xmax = xmin + span;
    const xip = [xmin, ...running.map((r) => xmin + (span === 0n ? 0n : r % span))].filter(
      (x) => x < xmax && xidOf(x) >= 3,
    );
    return { xmin, xmax, xip: [...new Set(xip)] };
  });

describe('committedXidVisible', () => {
  it('sees what finished before the snapshot, nothing running or started after it', () => {
    const snapshot = parseXidSnapshot('740:745:740,743');
    expect(committedXidVisible(snapshot, 739)).toBe(true); // before xmin
    expect(committedXidVisible(snapshot, 740)).toBe(false); // xmin is running
    expect(committedXidVisible(snapshot, 741)).toBe(true); // finished between xmin and xmax
    expect(committedXidVisible(snapshot, 743)).toBe(false); // running
    expect(committedXidVisible(snapshot, 744)).toBe(true);
    expect(committedXidVisible(snapshot, 745)).toBe(false); // xmax: started after the snapshot
    expect(committedXidVisible(snapshot, 900)).toBe(false);
  });

  it('is right across wraparound (the 32-bit xid is compared with 64-bit snapshot ids)', () => {
    const snapshot = parseXidSnapshot(`${EPOCH - 2n}:${EPOCH + 5n}:${EPOCH + 3n}`);
    expect(committedXidVisible(snapshot, 0xfffffffd)).toBe(true); // before xmin (epoch 0)
    expect(committedXidVisible(snapshot, 0xfffffffe)).toBe(true); // xmin itself, not running
    expect(committedXidVisible(snapshot, 4)).toBe(true); // epoch 1, finished
    expect(committedXidVisible(snapshot, 3)).toBe(false); // epoch 1, running
    expect(committedXidVisible(snapshot, 5)).toBe(false); // xmax
    expect(committedXidVisible(snapshot, 0x7fffffff)).toBe(false); // far ahead
  });

  it('agrees with the 64-bit rule for every id within 2^31 of the snapshot', () => {
    fc.assert(
      fc.property(snapshots, fc.bigInt({ min: -(HALF - 1n), max: HALF - 1n }), (snapshot, offset) => {
        // Any id less than 2^31 from xmax (the server keeps every live one far closer).
        const full = snapshot.xmax + offset;
        if (full < 3n || xidOf(full) < 3) return;
        const expected = full < snapshot.xmin || (full < snapshot.xmax && !snapshot.xip.includes(full));
        expect(committedXidVisible(snapshot, xidOf(full))).toBe(expected);
      }),
      { numRuns: 2000 },
    );
  });

  it('agrees with the 64-bit rule near the snapshot, where the cases are', () => {
    fc.assert(
      fc.property(snapshots, fc.bigInt({ min: -3000n, max: 3000n }), (snapshot, offset) => {
        const full = snapshot.xmin + offset;
        if (full < 3n || xidOf(full) < 3) return;
        const expected = full < snapshot.xmin || (full < snapshot.xmax && !snapshot.xip.includes(full));
        expect(committedXidVisible(snapshot, xidOf(full))).toBe(expected);
      }),
      { numRuns: 2000 },
    );
  });
});
