import { describe, expect, it } from 'vitest';
import type { SequenceComparison } from '../../../src/core/sequences/compare.js';
import { DifferenceCollector, uncomparable } from '../../../src/core/verify/collect.js';
import { diffMultiset } from '../../../src/core/verify/diff.js';
import { ContentMismatchError } from '../../../src/core/verify/errors.js';
import {
  buildReport,
  sequenceFails,
  summarize,
  type TableVerification,
} from '../../../src/core/verify/model.js';
import { progressLine } from '../../../src/core/verify/progress.js';
import { samplePercent } from '../../../src/core/verify/ranges.js';
import { renderVerifyReport } from '../../../src/core/verify/render.js';
import {
  deleteRow,
  insertRow,
  REPAIR_FOOTER,
  repairHeader,
  updateRow,
} from '../../../src/core/verify/repair.js';

/**
 * The content comparison's pure parts at their edges (mutation testing): every list the collector
 * caps, the summary's sequence verdicts, the report and error texts a person reads, and the repair
 * statements for tables with composite keys, no key or only key columns.
 */

const sequence = (status: SequenceComparison['status'], over: Partial<SequenceComparison> = {}) =>
  ({
    name: `app.${status}`,
    source: 5,
    target: 5,
    equal: status === 'equal',
    status,
    ...over,
  }) satisfies SequenceComparison;

const equalTable = (
  name: string,
  rows: number,
  comparedBy: TableVerification['comparedBy'] = 'primary-key',
) => new DifferenceCollector(10).result(name, rows, comparedBy);

describe('DifferenceCollector', () => {
  it('is equal while nothing was found, and an empty result lists nothing', () => {
    const collector = new DifferenceCollector(3);
    expect(collector.any).toBe(false);
    expect(collector.result('s.t', 4, 'primary-key')).toEqual({
      name: 's.t',
      rows: 4,
      equal: true,
      missingOnTarget: [],
      extraOnTarget: [],
      changed: [],
      totals: { missingOnTarget: 0, extraOnTarget: 0, changed: 0 },
      comparedBy: 'primary-key',
      problem: null,
    });
  });

  it('counts any kind of difference, one of each kind included', () => {
    const extraOnly = new DifferenceCollector(3);
    extraOnly.extraOnTarget(1, [{ id: '9' }]);
    expect(extraOnly.any).toBe(true);
    const changedOnly = new DifferenceCollector(3);
    changedOnly.changed(1, [{ key: { id: '9' }, columns: [] }]);
    expect(changedOnly.any).toBe(true);
    const both = new DifferenceCollector(3);
    both.missingOnTarget(1, [{ id: '1' }]);
    both.extraOnTarget(1, [{ id: '2' }]);
    expect(both.any).toBe(true);
    expect(both.result('s.t', 1, 'primary-key').equal).toBe(false);
  });

  it('keeps extra and changed rows up to the cap across calls, and counts them all', () => {
    const collector = new DifferenceCollector(2);
    expect(collector.extraRoom).toBe(2);
    expect(collector.changedRoom).toBe(2);
    collector.extraOnTarget(3, [{ id: '1' }, { id: '2' }, { id: '3' }]);
    collector.extraOnTarget(2, [{ id: '4' }]);
    collector.changed(1, [{ key: { id: '5' }, columns: ['a'] }]);
    expect(collector.changedRoom).toBe(1);
    collector.changed(2, [
      { key: { id: '6' }, columns: ['b'] },
      { key: { id: '7' }, columns: ['c'] },
    ]);
    expect(collector.extraRoom).toBe(0);
    expect(collector.changedRoom).toBe(0);
    const result = collector.result('s.t', 10, 'primary-key');
    expect(result.extraOnTarget).toEqual([{ id: '1' }, { id: '2' }]);
    expect(result.changed).toEqual([
      { key: { id: '5' }, columns: ['a'] },
      { key: { id: '6' }, columns: ['b'] },
    ]);
    expect(result.totals).toEqual({ missingOnTarget: 0, extraOnTarget: 5, changed: 3 });
  });

  it('marks a table it could not compare as not equal, with its reason and no rows', () => {
    expect(uncomparable('s.t', 7, 'whole-row', 'missing on the target')).toEqual({
      name: 's.t',
      rows: 7,
      equal: false,
      missingOnTarget: [],
      extraOnTarget: [],
      changed: [],
      totals: { missingOnTarget: 0, extraOnTarget: 0, changed: 0 },
      comparedBy: 'whole-row',
      problem: 'missing on the target',
    });
  });
});

describe('diffMultiset', () => {
  it('says how many more copies the target holds when the source holds some too', () => {
    expect(diffMultiset([{ hash: 'x', copies: 1 }], [{ hash: 'x', copies: 3 }])).toEqual({
      missingOnTarget: [],
      extraOnTarget: [{ hash: 'x', copies: 2, onSource: 1 }],
    });
  });
});

describe('summary and sequences', () => {
  it('fails a verification on a sequence behind, missing or unreadable, not on one ahead', () => {
    expect(sequenceFails(sequence('equal'))).toBe(false);
    expect(sequenceFails(sequence('ahead'))).toBe(false);
    expect(sequenceFails(sequence('behind'))).toBe(true);
    expect(sequenceFails(sequence('missing-on-target'))).toBe(true);
    expect(sequenceFails(sequence('unreadable'))).toBe(true);
  });

  it('counts tables and sequences that differ and is equal only with none failing', () => {
    const different = new DifferenceCollector(10);
    different.missingOnTarget(2, [{ id: '1' }]);
    different.extraOnTarget(1, [{ id: '2' }]);
    different.changed(4, []);
    const tables = [equalTable('s.a', 3), different.result('s.b', 5, 'primary-key'), equalTable('s.c', 1)];
    expect(summarize(tables, [sequence('equal'), sequence('ahead', { target: 9 })], 1.23456)).toEqual({
      tables: 3,
      tablesEqual: 2,
      tablesDifferent: 1,
      rowsCompared: 9,
      missingOnTarget: 2,
      extraOnTarget: 1,
      changed: 4,
      sequencesDifferent: 1,
      sequencesFailing: 0,
      equal: false,
      seconds: 1.235,
    });
    const same = summarize([equalTable('s.a', 3)], [sequence('equal'), sequence('ahead')], 2);
    expect(same.equal).toBe(true);
    expect(same.tablesDifferent).toBe(0);
    expect(same.sequencesDifferent).toBe(1);
    const behind = summarize([equalTable('s.a', 3)], [sequence('behind', { target: 1 })], 2);
    expect(behind).toMatchObject({ equal: false, sequencesDifferent: 1, sequencesFailing: 1 });
  });
});

describe('progressLine', () => {
  const state = { tablesDone: 0, tables: 2, rowsCompared: 0, rowsEstimated: 1000, elapsedSeconds: 0 };

  it('gives no rate and no time left before any time has passed', () => {
    expect(progressLine(state)).toBe('verify: 0/2 tables, 0 rows compared, 0 rows/s');
    expect(progressLine({ ...state, rowsCompared: 10 })).toBe(
      'verify: 0/2 tables, 10 rows compared, 0 rows/s',
    );
  });

  it('gives no time left when nothing moves, the total is unknown, or every estimated row is done', () => {
    expect(progressLine({ ...state, elapsedSeconds: 5 })).toBe(
      'verify: 0/2 tables, 0 rows compared, 0 rows/s',
    );
    expect(progressLine({ ...state, rowsCompared: 50, rowsEstimated: 0, elapsedSeconds: 5 })).toBe(
      'verify: 0/2 tables, 50 rows compared, 10 rows/s',
    );
    expect(progressLine({ ...state, rowsCompared: 1000, elapsedSeconds: 10 })).toBe(
      'verify: 0/2 tables, 1,000 rows compared, 100 rows/s',
    );
    expect(progressLine({ ...state, rowsCompared: 900, elapsedSeconds: 9 })).toBe(
      'verify: 0/2 tables, 900 rows compared, 100 rows/s, about 1s left',
    );
  });
});

describe('samplePercent', () => {
  it('samples every row when the estimate is not a number', () => {
    expect(samplePercent(Number.NaN, 4)).toBe(100);
  });
});

describe('renderVerifyReport', () => {
  it('says so when everything is equal, naming tables compared by whole row', () => {
    const report = buildReport(
      [equalTable('s.a', 3), equalTable('s.np', 2, 'whole-row')],
      [sequence('equal')],
      0.5,
    );
    expect(renderVerifyReport(report)).toBe(
      [
        'verify: source and target are equal; 5 rows compared in 0.5 s',
        '  s.a: equal (3 rows)',
        '  s.np: equal (2 rows, no primary key: whole-row checksums)',
      ].join('\n'),
    );
  });

  it('gives the reason a table was not compared and where each differing sequence stands', () => {
    const report = buildReport(
      [uncomparable('s.gone', 4, 'primary-key', 'missing on the target')],
      [
        sequence('equal'),
        sequence('missing-on-target', { target: null }),
        sequence('unreadable', { source: null, target: 3 }),
        sequence('ahead', { target: 9 }),
      ],
      1,
    );
    expect(renderVerifyReport(report).split('\n').slice(1)).toEqual([
      '  s.gone: not compared: missing on the target',
      '  sequence app.missing-on-target: source 5, target -',
      '  sequence app.unreadable: source -, target 3',
      '  sequence app.ahead: source 5, target 9',
    ]);
  });

  it('lists extra rows, NULL key values, composite keys and changed rows without column detail', () => {
    const collector = new DifferenceCollector(10);
    collector.extraOnTarget(1, [{ id: '1', region: null }]);
    collector.changed(1, [{ key: { id: '2', region: 'eu' }, columns: [] }]);
    collector.changed(1, [{ key: { id: '3', region: 'us' }, columns: ['a', 'b'] }]);
    const report = buildReport([collector.result('s.t', 9, 'whole-row')], [], 1);
    expect(renderVerifyReport(report).split('\n').slice(1)).toEqual([
      '  s.t: DIFFERENT (9 rows, no primary key: whole-row checksums): 0 missing on the target, 1 extra, 2 changed',
      '    extra on target: id="1", region=NULL',
      '    changed: id="2", region="eu"; id="3", region="us" [a, b]',
    ]);
  });

  it('shows a key whose columns are named copies and row by their values, one row each', () => {
    const collector = new DifferenceCollector(10);
    collector.missingOnTarget(3, [{ copies: '7', row: null }]);
    collector.extraOnTarget(2, [{ row: null }]);
    collector.changed(2, [{ key: { copies: '8' }, columns: [] }]);
    const report = buildReport([collector.result('s.t', 9, 'primary-key')], [], 1);
    expect(renderVerifyReport(report, 1).split('\n').slice(2)).toEqual([
      '    missing on target: copies="7", row=NULL (and 2 more)',
      '    extra on target: row=NULL (and 1 more)',
      '    changed: copies="8" (and 1 more)',
    ]);
  });

  it('counts each listed key as one row when saying how many more there are', () => {
    const collector = new DifferenceCollector(10);
    collector.missingOnTarget(3, [{ id: '1' }, { id: '2' }]);
    const report = buildReport([collector.result('s.t', 9, 'primary-key')], [], 1);
    expect(renderVerifyReport(report, 1).split('\n')[2]).toBe('    missing on target: id="1" (and 2 more)');
  });
});

describe('ContentMismatchError', () => {
  const differing = (name: string) => {
    const collector = new DifferenceCollector(10);
    collector.missingOnTarget(5, [{ id: '1' }, { id: '2' }, { id: '3' }, { id: '4' }]);
    collector.extraOnTarget(1, [{ row: { id: '9', note: null }, copies: 2 }]);
    collector.changed(2, [
      { key: { id: '5' }, columns: ['note', 'total'] },
      { key: { id: '6' }, columns: [] },
    ]);
    return collector.result(name, 10, 'primary-key');
  };

  it('names one table, its first keys, how many more, and the columns that changed', () => {
    const error = new ContentMismatchError([differing('s.t')]);
    expect(error.name).toBe('ContentMismatchError');
    expect(error.tables).toHaveLength(1);
    expect(error.message).toBe(
      '1 table differs in content between source and target after the task stopped: ' +
        's.t (5 missing on the target: (id=1), (id=2), (id=3) and 2 more; ' +
        '1 extra on the target: (id=9, note=NULL); ' +
        '2 changed: (id=5) [note, total], (id=6))',
    );
    expect(error.remedy).toBe(
      'Do not switch applications to the target yet. Run dms-cdc verify --source <url> --target <url> ' +
        '--repair-sql repair.sql with the same table mappings, review repair.sql and run it on the target, ' +
        'then run the verification again',
    );
  });

  it('names at most ten tables, a problem in place of keys, and counts the rest', () => {
    const tables = [
      uncomparable('s.gone', 1, 'primary-key', 'missing on the target'),
      ...Array.from({ length: 11 }, (_, i) => {
        const collector = new DifferenceCollector(10);
        collector.changed(1, [{ key: { id: String(i) }, columns: ['a'] }]);
        return collector.result(`s.t${i}`, 1, 'primary-key');
      }),
    ];
    const message = new ContentMismatchError(tables).message;
    expect(message).toMatch(
      /^12 tables differ in content between source and target after the task stopped: /,
    );
    expect(message).toContain(': s.gone (missing on the target); s.t0 (1 changed: (id=0) [a]); s.t1 (');
    expect(message).toContain('s.t8 (1 changed: (id=8) [a]); and 2 more');
    expect(message).not.toContain('s.t9');
  });
});

describe('ContentMismatchError at ten tables', () => {
  it('names exactly ten tables without saying there are more', () => {
    const tables = Array.from({ length: 10 }, (_, i) => uncomparable(`s.t${i}`, 1, 'primary-key', 'gone'));
    const message = new ContentMismatchError(tables).message;
    expect(message).toMatch(/s\.t9 \(gone\)$/);
    expect(message).not.toContain('more');
  });

  it('shows a key column named copies by its value', () => {
    const collector = new DifferenceCollector(10);
    collector.missingOnTarget(1, [{ copies: '3' }]);
    expect(new ContentMismatchError([collector.result('s.t', 1, 'primary-key')]).message).toMatch(
      /: s\.t \(1 missing on the target: \(copies=3\)\)$/,
    );
  });
});

describe('repair statements at their edges', () => {
  const table = {
    schema: 'app',
    name: 'line',
    keyColumns: ['order_id', 'n'],
    columns: ['order_id', 'n', 'sku', 'qty'],
  };

  it('matches a composite key on every column and sets every other column', () => {
    expect(updateRow(table, '{}')).toBe(
      `UPDATE "app"."line" AS t SET ("sku", "qty") = ROW(r."sku", r."qty") FROM jsonb_populate_record(NULL::"app"."line", '{}') AS r WHERE t."order_id" = r."order_id" AND t."n" = r."n";`,
    );
    expect(deleteRow(table, '{}')).toBe(
      `DELETE FROM "app"."line" AS t USING jsonb_populate_record(NULL::"app"."line", '{}') AS r WHERE t."order_id" = r."order_id" AND t."n" = r."n";`,
    );
  });

  it('inserts into a table without a key without ON CONFLICT (it has no key to conflict on)', () => {
    expect(insertRow({ ...table, keyColumns: [] }, '{}')).toBe(
      `INSERT INTO "app"."line" OVERRIDING SYSTEM VALUE SELECT * FROM jsonb_populate_record(NULL::"app"."line", '{}');`,
    );
  });

  it('writes a comment, not an UPDATE with an empty SET, for a table of key columns only', () => {
    expect(updateRow({ ...table, columns: ['order_id', 'n'] }, '{}')).toBe(
      '-- "app"."line": only key columns, nothing to update',
    );
  });

  it('opens one transaction with the comparison session settings and closes it', () => {
    expect(repairHeader('db1\r\nhost=x')).toBe(
      [
        '-- Statements that make the target equal to the source, written by dms-cdc verify; review before running.',
        '-- Source: db1  host=x',
        '-- Rerunning is safe: inserts skip keys already present, updates and deletes match by key, and a',
        '-- table without a key is brought to the number of copies of each row the source holds.',
        'BEGIN;',
        "SET LOCAL TimeZone TO 'UTC';",
        "SET LOCAL DateStyle TO 'ISO, YMD';",
        "SET LOCAL IntervalStyle TO 'postgres';",
        'SET LOCAL extra_float_digits TO 1;',
        '',
      ].join('\n'),
    );
    expect(REPAIR_FOOTER).toBe('COMMIT;\n');
  });
});
