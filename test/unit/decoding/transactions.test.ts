import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type DecodedChange,
  type DecodedTransaction,
  DecodingParseError,
  groupTransactions,
  type SlotChangeRow,
} from '../../../src/core/decoding/index.js';
import { change, commitTime, message } from './arbitraries.js';
import { renderLine } from './render.js';

const row = (lsn: string, xid: string, data: string): SlotChangeRow => ({ lsn, xid, data });

describe('groupTransactions', () => {
  it('groups rows read from PostgreSQL 17 (include-xids, include-timestamp, skip-empty-xacts)', () => {
    // Captured output: the non-transactional message was emitted inside transaction 747, so it
    // comes out first, with an lsn above the BEGIN row that follows it.
    const rows = [
      row('0/15189F8', '740', 'BEGIN 740'),
      row('0/15189F8', '740', "table public.full_t: INSERT: id[integer]:1 v[text]:'a'"),
      row(
        '0/1518A78',
        '740',
        "table public.full_t: UPDATE: old-key: id[integer]:1 v[text]:'a' new-tuple: id[integer]:1 v[text]:'b'",
      ),
      row('0/1518BA0', '740', 'COMMIT 740 (at 2026-11-21 23:45:59.343051+00)'),
      row('0/15325F0', '747', 'message: transactional: 0 prefix: nt, sz: 11 content:line1\nline2'),
      row('0/15325B0', '747', 'BEGIN 747'),
      row('0/15325B0', '747', 'message: transactional: 1 prefix: p, sz: 3 content:abc'),
      row('0/1532620', '747', 'COMMIT 747 (at 2026-11-21 23:45:59.348629+00)'),
      row('0/1534468', '750', 'BEGIN 750'),
      row('0/1534468', '750', 'table public.big: TRUNCATE: (no-flags)'),
      row('0/1534608', '750', 'COMMIT 750 (at 2026-11-21 23:45:59.349778+00)'),
    ];
    const { transactions, incomplete } = groupTransactions(rows);
    expect(incomplete).toBeNull();
    expect(transactions.map(({ changes, ...t }) => ({ ...t, kinds: changes.map((c) => c.kind) }))).toEqual([
      {
        xid: '740',
        beginLsn: '0/15189F8',
        commitLsn: '0/1518BA0',
        commitTime: '2026-11-21 23:45:59.343051+00',
        kinds: ['insert', 'update'],
      },
      { xid: '747', beginLsn: '0/15325F0', commitLsn: '0/15325F0', kinds: ['message'] },
      {
        xid: '747',
        beginLsn: '0/15325B0',
        commitLsn: '0/1532620',
        commitTime: '2026-11-21 23:45:59.348629+00',
        kinds: ['message'],
      },
      {
        xid: '750',
        beginLsn: '0/1534468',
        commitLsn: '0/1534608',
        commitTime: '2026-11-21 23:45:59.349778+00',
        kinds: ['truncate'],
      },
    ]);
    expect(transactions[1]?.changes).toEqual([
      { kind: 'message', transactional: false, prefix: 'nt', content: 'line1\nline2' },
    ]);
  });

  it('takes the xid from the row when include-xids is off, and keeps empty transactions', () => {
    const { transactions } = groupTransactions([
      row('0/10', '738', 'BEGIN'),
      row('0/20', '738', 'COMMIT'),
      row('0/30', '739', 'BEGIN'),
      row('0/30', '739', 'table public.t: DELETE: id[integer]:1'),
      row('0/40', '739', 'COMMIT'),
    ]);
    expect(transactions).toEqual([
      { xid: '738', beginLsn: '0/10', commitLsn: '0/20', changes: [] },
      {
        xid: '739',
        beginLsn: '0/30',
        commitLsn: '0/40',
        changes: [
          {
            kind: 'delete',
            schema: 'public',
            table: 't',
            key: [{ name: 'id', type: 'integer', value: '1' }],
          },
        ],
      },
    ]);
  });

  it('returns the whole transactions and reports a batch that ends inside one', () => {
    const result = groupTransactions([
      row('0/10', '740', 'BEGIN 740'),
      row('0/10', '740', 'table public.t: INSERT: id[integer]:1'),
      row('0/20', '740', 'COMMIT 740'),
      row('0/30', '741', 'BEGIN 741'),
      row('0/30', '741', 'table public.t: INSERT: id[integer]:2'),
    ]);
    expect(result.transactions.map((t) => t.commitLsn)).toEqual(['0/20']);
    expect(result.incomplete).toEqual({ xid: '741', beginLsn: '0/30', firstRow: 3, rows: 2 });
  });

  it('returns nothing for no rows', () => {
    expect(groupTransactions([])).toEqual({ transactions: [], incomplete: null });
  });

  it.each<[string, SlotChangeRow[], string, number]>([
    ['COMMIT without BEGIN', [row('0/20', '740', 'COMMIT 740')], 'COMMIT without a BEGIN', 0],
    [
      'a change before any BEGIN',
      [row('0/10', '740', 'table public.t: INSERT: id[integer]:1'), row('0/20', '740', 'COMMIT 740')],
      'insert outside a transaction',
      0,
    ],
    [
      'a transactional message before any BEGIN',
      [row('0/10', '740', 'message: transactional: 1 prefix: p, sz: 1 content:x')],
      'message outside a transaction',
      0,
    ],
    [
      'BEGIN inside a transaction',
      [row('0/10', '740', 'BEGIN 740'), row('0/20', '741', 'BEGIN 741')],
      'BEGIN inside transaction 740',
      1,
    ],
    [
      'COMMIT of another transaction',
      [row('0/10', '740', 'BEGIN 740'), row('0/20', '741', 'COMMIT 741')],
      'closes transaction 740',
      1,
    ],
    [
      'BEGIN xid not the row xid',
      [row('0/10', '740', 'BEGIN 741')],
      'BEGIN 741 on a row whose xid is 740',
      0,
    ],
    [
      'a change of another transaction',
      [row('0/10', '740', 'BEGIN 740'), row('0/10', '741', 'table public.t: INSERT: id[integer]:1')],
      'change of transaction 741 inside transaction 740',
      1,
    ],
    [
      'a non-transactional message inside a transaction',
      [
        row('0/10', '740', 'BEGIN 740'),
        row('0/10', '740', 'message: transactional: 0 prefix: p, sz: 1 content:x'),
      ],
      'non-transactional message inside transaction 740',
      1,
    ],
    [
      'a line that does not parse',
      [row('0/10', '740', 'BEGIN 740'), row('0/1A', '740', 'table public.t: INSERT: id[integer]:x')],
      'expected a value',
      1,
    ],
  ])('refuses %s with DecodingParseError naming the row', (_label, rows, reason, rowIndex) => {
    let error: unknown;
    try {
      groupTransactions(rows);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(DecodingParseError);
    const { message, row: at, lsn } = error as DecodingParseError;
    expect(message).toContain(reason);
    expect(at).toBe(rowIndex);
    expect(lsn).toBe(rows[rowIndex]?.lsn);
    expect(message).toContain(`(row ${rowIndex}, lsn ${rows[rowIndex]?.lsn})`);
  });

  // A stream of units (transactions and standalone messages) rendered as slot rows.
  const unit = fc.oneof(
    {
      weight: 4,
      arbitrary: fc.record({
        changes: fc.array(
          change.map((c) => (c.kind === 'message' ? { ...c, transactional: true } : c)),
          { maxLength: 5 },
        ),
        commitTime: fc.option(commitTime, { nil: undefined }),
        withXids: fc.boolean(),
      }),
    },
    { weight: 1, arbitrary: message.map((m) => ({ standalone: { ...m, transactional: false } })) },
  );

  it('groups any rendered stream back into its transactions, and any prefix of it into the whole ones', () => {
    fc.assert(
      fc.property(fc.array(unit, { maxLength: 8 }), fc.nat(), (units, cutSeed) => {
        const rows: SlotChangeRow[] = [];
        const expected: { units: DecodedTransaction[]; lastRow: number[]; firstRow: number[] } = {
          units: [],
          lastRow: [],
          firstRow: [],
        };
        let lsn = 0x1000;
        const nextLsn = () => {
          lsn += 0x28;
          return `0/${lsn.toString(16).toUpperCase()}`;
        };
        units.forEach((u, i) => {
          const xid = String(700 + i);
          const first = rows.length;
          if ('standalone' in u) {
            const at = nextLsn();
            rows.push(row(at, xid, renderLine(u.standalone)));
            expected.units.push({ xid, beginLsn: at, commitLsn: at, changes: [u.standalone] });
          } else {
            const beginLsn = nextLsn();
            rows.push(
              row(beginLsn, xid, renderLine(u.withXids ? { kind: 'begin', xid } : { kind: 'begin' })),
            );
            for (const c of u.changes) rows.push(row(nextLsn(), xid, renderLine(c)));
            const commitLsn = nextLsn();
            rows.push(
              row(
                commitLsn,
                xid,
                renderLine({
                  kind: 'commit',
                  ...(u.withXids ? { xid } : {}),
                  ...(u.commitTime === undefined ? {} : { commitTime: u.commitTime }),
                }),
              ),
            );
            expected.units.push({
              xid,
              beginLsn,
              commitLsn,
              ...(u.commitTime === undefined ? {} : { commitTime: u.commitTime }),
              changes: u.changes as DecodedChange[],
            });
          }
          expected.firstRow.push(first);
          expected.lastRow.push(rows.length - 1);
        });

        expect(groupTransactions(rows)).toEqual({ transactions: expected.units, incomplete: null });

        const cut = rows.length ? cutSeed % (rows.length + 1) : 0;
        const partial = groupTransactions(rows.slice(0, cut));
        const whole = expected.lastRow.filter((last) => last < cut).length;
        expect(partial.transactions).toEqual(expected.units.slice(0, whole));
        const cutInside = whole < units.length && (expected.firstRow[whole] ?? cut) < cut;
        expect(partial.incomplete).toEqual(
          cutInside
            ? {
                xid: expected.units[whole]?.xid,
                beginLsn: expected.units[whole]?.beginLsn,
                firstRow: expected.firstRow[whole],
                rows: cut - (expected.firstRow[whole] ?? 0),
              }
            : null,
        );
      }),
      { numRuns: 500 },
    );
  });
});
