import { describe, expect, it } from 'vitest';
import { DifferenceCollector } from '../../../src/core/verify/collect.js';
import { changedColumns, diffLeaf, diffMultiset, keyValues } from '../../../src/core/verify/diff.js';
import { buildReport } from '../../../src/core/verify/model.js';
import { formatDuration, progressLine } from '../../../src/core/verify/progress.js';
import { renderVerifyReport } from '../../../src/core/verify/render.js';
import {
  deleteRow,
  insertRow,
  quoteIdentifier,
  quoteLiteral,
  setCopies,
  updateRow,
} from '../../../src/core/verify/repair.js';

describe('leaf and multiset differences', () => {
  it('classifies rows by key: only on the source, only on the target, or with another hash', () => {
    const diff = diffLeaf(
      [
        { key: ['1', 'a'], hash: '10' },
        { key: ['2', 'a'], hash: '20' },
        { key: ['3', 'a'], hash: '30' },
      ],
      [
        { key: ['2', 'a'], hash: '21' },
        { key: ['3', 'a'], hash: '30' },
        { key: ['4', 'a'], hash: '40' },
      ],
    );
    expect(diff).toEqual({
      missingOnTarget: [['1', 'a']],
      extraOnTarget: [['4', 'a']],
      changed: [['2', 'a']],
    });
    expect(keyValues(['id', 'kind'], ['1', 'a'])).toEqual({ id: '1', kind: 'a' });
    expect(changedColumns(['a', 'b', 'c'], ['1', '2', '3'], ['1', '9', '3'])).toEqual(['b']);
  });

  it('counts copies of whole rows on each side', () => {
    const diff = diffMultiset(
      [
        { hash: 'x', copies: 3 },
        { hash: 'y', copies: 1 },
      ],
      [
        { hash: 'x', copies: 1 },
        { hash: 'y', copies: 1 },
        { hash: 'z', copies: 2 },
      ],
    );
    expect(diff).toEqual({
      missingOnTarget: [{ hash: 'x', copies: 2, onSource: 3 }],
      extraOnTarget: [{ hash: 'z', copies: 2, onSource: 0 }],
    });
  });

  it('keeps the first keys up to the cap and counts them all', () => {
    const collector = new DifferenceCollector(2);
    collector.missingOnTarget(3, [{ id: '1' }, { id: '2' }, { id: '3' }]);
    collector.missingOnTarget(1, [{ id: '4' }]);
    const result = collector.result('s.t', 10, 'primary-key');
    expect(result.missingOnTarget).toEqual([{ id: '1' }, { id: '2' }]);
    expect(result.totals).toEqual({ missingOnTarget: 4, extraOnTarget: 0, changed: 0 });
    expect(result.equal).toBe(false);
  });
});

describe('repair statements', () => {
  const table = { schema: 'Sales "EU"', name: 'order', keyColumns: ['id'], columns: ['id', 'note'] };

  it('quotes identifiers and literals so that they read back exactly', () => {
    expect(quoteIdentifier('a"b')).toBe('"a""b"');
    expect(quoteLiteral("it's")).toBe("'it''s'");
    expect(quoteLiteral('back\\slash')).toBe("E'back\\\\slash'");
  });

  it('inserts, updates and deletes by key through the target row type', () => {
    const row = JSON.stringify({ id: 1, note: "l'été" });
    expect(insertRow(table, row)).toBe(
      `INSERT INTO "Sales ""EU"""."order" OVERRIDING SYSTEM VALUE SELECT * FROM jsonb_populate_record(NULL::"Sales ""EU"""."order", '{"id":1,"note":"l''été"}') ON CONFLICT DO NOTHING;`,
    );
    expect(updateRow(table, row)).toBe(
      `UPDATE "Sales ""EU"""."order" AS t SET ("note") = ROW(r."note") FROM jsonb_populate_record(NULL::"Sales ""EU"""."order", '{"id":1,"note":"l''été"}') AS r WHERE t."id" = r."id";`,
    );
    expect(deleteRow(table, '{"id":"1"}')).toBe(
      `DELETE FROM "Sales ""EU"""."order" AS t USING jsonb_populate_record(NULL::"Sales ""EU"""."order", '{"id":"1"}') AS r WHERE t."id" = r."id";`,
    );
  });

  it('brings a table without a key to the source number of copies', () => {
    const [insert, remove] = setCopies({ ...table, keyColumns: [] }, '{"id":1}', 2);
    expect(insert).toContain('CROSS JOIN generate_series(1, 2 - (SELECT count(*)');
    expect(remove).toContain('LIMIT greatest(0, (SELECT count(*)');
    expect(remove).toContain(') - 2));');
  });
});

describe('progress and report text', () => {
  it('shows tables, rows, rate and time left', () => {
    expect(
      progressLine({
        tablesDone: 1,
        tables: 3,
        rowsCompared: 2_000_000,
        rowsEstimated: 6_000_000,
        elapsedSeconds: 2,
      }),
    ).toBe('verify: 1/3 tables, 2,000,000 rows compared, 1,000,000 rows/s, about 4s left');
    expect(formatDuration(3725)).toBe('1h02m');
    expect(formatDuration(125)).toBe('2m05s');
  });

  it('counts copies of rows without a key when it says how many more there are', () => {
    const collector = new DifferenceCollector(100);
    collector.missingOnTarget(3, [
      { row: { a: '5' }, copies: 2 },
      { row: { a: '6' }, copies: 1 },
    ]);
    const report = buildReport([collector.result('public.np', 9, 'whole-row')], [], 1);
    expect(renderVerifyReport(report, 1).split('\n')[2]).toBe('    missing on target: a="5" x2 (and 1 more)');
    expect(renderVerifyReport(report).split('\n')[2]).toBe('    missing on target: a="5" x2; a="6"');
  });

  it('names the differing keys and changed columns', () => {
    const collector = new DifferenceCollector(100);
    collector.changed(1, [{ key: { id: '7' }, columns: ['note'] }]);
    const report = buildReport([collector.result('public.t', 9, 'primary-key')], [], 1.5);
    expect(renderVerifyReport(report)).toBe(
      [
        'verify: 1 of 1 tables differ (0 rows missing on the target, 0 extra, 1 changed); 0 sequences behind or missing; 9 rows compared in 1.5 s',
        '  public.t: DIFFERENT (9 rows): 0 missing on the target, 0 extra, 1 changed',
        '    changed: id="7" [note]',
      ].join('\n'),
    );
  });
});
