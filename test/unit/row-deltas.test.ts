import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DecodingParseError } from '../../src/core/decoding/errors.js';
import type { SlotChangeRow } from '../../src/core/decoding/transactions.js';
import { formatLsn, lsnFromBigInt, parseLsn } from '../../src/core/lsn.js';
import { compareRowCounts } from '../../src/core/row-counts.js';
import { PostCheckpointFold, tableKey } from '../../src/core/row-deltas.js';
import { parseXidSnapshot } from '../../src/core/xid-snapshot.js';

/** Rows of one transaction as pg_logical_slot_peek_changes prints them (include-xids). */
function transaction(xid: number, commitLsn: string, changes: string[]): SlotChangeRow[] {
  const at = formatLsn(lsnFromBigInt(parseLsn(commitLsn) - 0x100n));
  return [
    { lsn: at, xid: String(xid), data: `BEGIN ${xid}` },
    ...changes.map((data) => ({ lsn: at, xid: String(xid), data })),
    { lsn: commitLsn, xid: String(xid), data: `COMMIT ${xid}` },
  ];
}

const insert = (table: string, id: number) => `table ${table}: INSERT: id[bigint]:${id} note[text]:'a'`;
const del = (table: string, id: number) => `table ${table}: DELETE: id[bigint]:${id}`;
const update = (table: string, id: number) => `table ${table}: UPDATE: id[bigint]:${id} note[text]:'b'`;

// Checkpoint at 0/3000; snapshot: 800-803 finished unless listed, 801 running, 804 and after not started.
const BOUNDARY = parseLsn('0/3000');
const SNAPSHOT = parseXidSnapshot('800:804:801');
const orders = tableKey('shop', 'orders');
const customers = tableKey('shop', 'customers');

describe('PostCheckpointFold', () => {
  it('counts inserts minus deletes of the transactions after the boundary that the snapshot sees', () => {
    const fold = new PostCheckpointFold(BOUNDARY, SNAPSHOT);
    fold.add([
      // Applied by the task: commit end at or before the boundary.
      ...transaction(790, '0/2000', [insert('shop.orders', 1)]),
      ...transaction(795, '0/3000', [insert('shop.orders', 2), insert('shop.orders', 3)]),
      // After the boundary and visible: counted.
      ...transaction(799, '0/3100', [
        insert('shop.orders', 4),
        insert('shop.customers', 1),
        update('shop.orders', 4),
      ]),
      ...transaction(802, '0/3200', [del('shop.orders', 1), del('shop.orders', 2), insert('shop.orders', 5)]),
      // After the boundary but running at the snapshot, or begun after it: not in the source count.
      ...transaction(801, '0/3300', [insert('shop.orders', 6)]),
      ...transaction(804, '0/3400', [insert('shop.customers', 2)]),
    ]);

    const result = fold.finish();

    expect(result.tables).toEqual(
      new Map([
        [orders, { rows: 0, truncated: false }],
        [customers, { rows: 1, truncated: false }],
      ]),
    );
    expect(result.transactions).toEqual({ decoded: 6, afterBoundary: 4, visible: 2 });
    expect(result.lastCommitLsn).toBe('0/3400');
  });

  it('marks a table truncated after the boundary, and reads several tables of one TRUNCATE', () => {
    const fold = new PostCheckpointFold(BOUNDARY, SNAPSHOT);
    fold.add(transaction(802, '0/3200', ['table shop.orders, shop."Order ""Items""": TRUNCATE: (no-flags)']));

    expect(fold.finish().tables).toEqual(
      new Map([
        [orders, { rows: 0, truncated: true }],
        [tableKey('shop', 'Order "Items"'), { rows: 0, truncated: true }],
      ]),
    );
  });

  it('ignores logical messages, and counts DELETE without key data as one row', () => {
    const fold = new PostCheckpointFold(BOUNDARY, SNAPSHOT);
    fold.add([
      { lsn: '0/3050', xid: '0', data: 'message: transactional: 0 prefix: p, sz: 1 content:x' },
      ...transaction(802, '0/3200', [
        'message: transactional: 1 prefix: p, sz: 1 content:y',
        'table shop.orders: DELETE: (no-tuple-data)',
      ]),
    ]);

    expect(fold.finish().tables.get(orders)).toEqual({ rows: -1, truncated: false });
  });

  it('gives the same totals whatever the batches the rows arrive in', () => {
    const rows = [
      ...transaction(799, '0/3100', [insert('shop.orders', 4), insert('shop.customers', 1)]),
      ...transaction(802, '0/3200', [
        del('shop.orders', 1),
        insert('shop.orders', 5),
        insert('shop.orders', 6),
      ]),
      ...transaction(801, '0/3300', [insert('shop.orders', 7)]),
    ];
    const whole = new PostCheckpointFold(BOUNDARY, SNAPSHOT);
    whole.add(rows);
    const expected = whole.finish();
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 1, max: rows.length - 1 })), (cuts) => {
        const fold = new PostCheckpointFold(BOUNDARY, SNAPSHOT);
        let from = 0;
        for (const cut of [...cuts].sort((a, b) => a - b)) {
          fold.add(rows.slice(from, cut));
          from = cut;
        }
        fold.add(rows.slice(from));
        expect(fold.finish()).toEqual(expected);
      }),
    );
  });

  it.each([
    ['rows that start inside a transaction', [{ lsn: '0/3100', xid: '802', data: insert('shop.orders', 1) }]],
    ['a COMMIT without BEGIN', [{ lsn: '0/3100', xid: '802', data: 'COMMIT 802' }]],
    [
      'a BEGIN inside a transaction',
      [
        { lsn: '0/3100', xid: '802', data: 'BEGIN 802' },
        { lsn: '0/3100', xid: '803', data: 'BEGIN 803' },
      ],
    ],
    [
      'a change of another transaction',
      [
        { lsn: '0/3100', xid: '802', data: 'BEGIN 802' },
        { lsn: '0/3100', xid: '803', data: insert('shop.orders', 1) },
      ],
    ],
    [
      'a COMMIT of another transaction',
      [
        { lsn: '0/3100', xid: '802', data: 'BEGIN 802' },
        { lsn: '0/3100', xid: '802', data: 'COMMIT 803' },
      ],
    ],
    [
      'a line that is not test_decoding output',
      [
        { lsn: '0/3100', xid: '802', data: 'BEGIN' },
        { lsn: '0/3100', xid: '802', data: 'table x' },
      ],
    ],
  ])('throws DecodingParseError on %s', (_case, rows) => {
    const fold = new PostCheckpointFold(BOUNDARY, SNAPSHOT);
    expect(() => fold.add(rows)).toThrow(DecodingParseError);
  });

  it('throws when the rows end inside a transaction', () => {
    const fold = new PostCheckpointFold(BOUNDARY, SNAPSHOT);
    fold.add(transaction(802, '0/3200', [insert('shop.orders', 1)]).slice(0, 2));
    expect(() => fold.finish()).toThrow(/end inside transaction 802/);
  });
});

describe('compareRowCounts', () => {
  const tables = [
    { schema: 'shop', name: 'orders' },
    { schema: 'shop', name: 'customers' },
    { schema: 'shop', name: 'items' },
  ];
  const target = new Map([
    ['shop.orders', 100],
    ['shop.customers', 40],
    ['shop.items', 7],
  ]);

  it('expects the source count without deltas (counted as the source is now)', () => {
    const { tables: counted, mismatched } = compareRowCounts(tables, [100, 41, 7], target);
    expect(counted[1]).toEqual({
      name: 'shop.customers',
      sourceRows: 41,
      targetRows: 40,
      expectedTargetRows: 41,
      postCheckpointDelta: null,
      truncatedAfterCheckpoint: false,
    });
    expect(mismatched.map((t) => t.name)).toEqual(['shop.customers']);
  });

  it('expects the source count less the delta after the checkpoint, and never passes a truncated table', () => {
    const deltas = new Map([
      [orders, { rows: 3, truncated: false }],
      [customers, { rows: -2, truncated: false }],
      [tableKey('shop', 'items'), { rows: 0, truncated: true }],
    ]);
    const { tables: counted, mismatched } = compareRowCounts(tables, [103, 38, 7], target, deltas);
    expect(counted).toEqual([
      {
        name: 'shop.orders',
        sourceRows: 103,
        targetRows: 100,
        expectedTargetRows: 100,
        postCheckpointDelta: 3,
        truncatedAfterCheckpoint: false,
      },
      {
        name: 'shop.customers',
        sourceRows: 38,
        targetRows: 40,
        expectedTargetRows: 40,
        postCheckpointDelta: -2,
        truncatedAfterCheckpoint: false,
      },
      {
        name: 'shop.items',
        sourceRows: 7,
        targetRows: 7,
        expectedTargetRows: null,
        postCheckpointDelta: 0,
        truncatedAfterCheckpoint: true,
      },
    ]);
    expect(mismatched.map((t) => t.name)).toEqual(['shop.items']);
  });

  it('fails a table missing on the target, and one off by a row the deltas do not explain', () => {
    const deltas = new Map([[orders, { rows: 3, truncated: false }]]);
    const { mismatched } = compareRowCounts(tables, [104, 40, 7], new Map([['shop.orders', 100]]), deltas);
    expect(mismatched.map((t) => [t.name, t.expectedTargetRows, t.targetRows])).toEqual([
      ['shop.orders', 101, 100],
      ['shop.customers', 40, null],
      ['shop.items', 7, null],
    ]);
  });
});
