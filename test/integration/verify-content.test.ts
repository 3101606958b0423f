import { beforeAll, describe, expect, it } from 'vitest';
import { connectPg } from '../../src/adapters/pg/client.js';
import { type VerifyRequest, verifyOverPg } from '../../src/adapters/pg/verify/index.js';
import type { TableVerification } from '../../src/core/verify/model.js';
import { type PgNode, primaryForFile } from '../support/pg.js';

/**
 * The content comparison on a real server, source and target being two databases of it: every
 * common type compared by meaning, each kind of difference found by key, and small planning limits
 * so that a handful of rows already takes every path of the bisection (split, descend, leaf).
 */
let node: PgNode;
let databases = 0;

beforeAll(async () => {
  node = await primaryForFile({ name: 'verify-content' });
});

/** A fresh source and target database with the same DDL. */
async function pair(ddl: string): Promise<{ source: string; target: string }> {
  databases += 1;
  const source = `src_${databases}`;
  const target = `tgt_${databases}`;
  await node.query(`CREATE DATABASE ${source}`);
  await node.query(`CREATE DATABASE ${target}`);
  await node.query(ddl, [], source);
  await node.query(ddl, [], target);
  return { source, target };
}

async function verify(databases: { source: string; target: string }, extra: Partial<VerifyRequest> = {}) {
  return verifyOverPg(connectPg, {
    source: node.connectionConfig(databases.source),
    target: node.connectionConfig(databases.target),
    ...extra,
  });
}

function table(tables: readonly TableVerification[], name: string): TableVerification {
  const found = tables.find((t) => t.name === name);
  if (!found) throw new Error(`${name} not in the report`);
  return found;
}

const ALL_TYPES = `
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
CREATE TABLE public.all_types (
  id int PRIMARY KEY, big bigint, small smallint, amount numeric(12,4), ratio float8, label text,
  code varchar(20), fixed char(5), flag bool, day date, at timestamp, at_tz timestamptz, clock time,
  clock_tz timetz, span interval, uid uuid, doc json, docb jsonb, raw bytea, ints int[], texts text[],
  amounts numeric[], feeling mood)`;

const ROW_1 = `1, 9007199254740993, -32768, 1.5000, 0.1, 'it''s "quoted" \\ back', 'v', 'ab', true,
  '2024-02-29', '2024-02-29 12:34:56.123456', '2024-02-29 12:34:56.123456+00', '23:59:59.999999',
  '10:00+02', '1 day 2 hours', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{"b": 1, "a": [1, 2.50]}',
  '{"z": null}', '\\x00ff10', '{1,2,3}', '{"a,b",NULL,""}', '{1.50,2}', 'happy'`;

describe('verify: equal content', () => {
  it('finds every common type equal when only its text differs (numeric scale, time zone, json spacing)', async () => {
    const db = await pair(ALL_TYPES);
    await node.query(
      `INSERT INTO all_types VALUES (${ROW_1}), (2, ${Array(22).fill('NULL').join(', ')})`,
      [],
      db.source,
    );
    // The target got the same values written another way: trailing zeros, another time zone, json
    // keys in another order and spacing, the same interval in hours.
    await node.query(
      `SET TimeZone TO 'Asia/Tokyo';
       INSERT INTO all_types VALUES (1, 9007199254740993, -32768, 1.5, 0.1, 'it''s "quoted" \\ back', 'v', 'ab   ', true,
        '2024-02-29', '2024-02-29 12:34:56.123456', '2024-02-29 21:34:56.123456+09', '23:59:59.999999',
        '10:00+02', '26 hours', 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11', '{"a":[1,2.5],  "b":1}',
        '{"z":null}', '\\x00FF10', '{1,2,3}', '{"a,b",NULL,""}', '{1.5,2.000}', 'happy'),
        (2, ${Array(22).fill('NULL').join(', ')})`,
      [],
      db.target,
    );
    const report = await verify(db);
    expect(report.tables).toEqual([
      expect.objectContaining({ name: 'public.all_types', rows: 2, equal: true, comparedBy: 'primary-key' }),
    ]);
    expect(report.summary).toMatchObject({ equal: true, tables: 1, tablesEqual: 1, rowsCompared: 2 });
  });

  it('compares a large equal table in one pass and finds one changed row among 20,000 by bisection', async () => {
    const db = await pair('CREATE TABLE big (id bigint PRIMARY KEY, v text, n numeric)');
    for (const database of [db.source, db.target])
      await node.query(
        `INSERT INTO big SELECT g, 'row ' || g, g * 1.25 FROM generate_series(1, 20000) g; ANALYZE big`,
        [],
        database,
      );
    expect((await verify(db, { planning: { leafRows: 50, maxBuckets: 16 } })).summary.equal).toBe(true);
    await node.query(`UPDATE big SET n = n + 0.01 WHERE id = 12345`, [], db.target);
    const t = table((await verify(db, { planning: { leafRows: 50, maxBuckets: 16 } })).tables, 'public.big');
    expect(t).toMatchObject({
      equal: false,
      rows: 20000,
      totals: { missingOnTarget: 0, extraOnTarget: 0, changed: 1 },
    });
    expect(t.changed).toEqual([{ key: { id: '12345' }, columns: ['n'] }]);
  });
});

describe('verify: differences by key', () => {
  it('finds every row of a large table the source lacks, splitting at the target side values', async () => {
    const db = await pair('CREATE TABLE ghosts (id int PRIMARY KEY, v text)');
    await node.query(
      `INSERT INTO ghosts SELECT g, 'v' FROM generate_series(1, 1000) g; ANALYZE ghosts`,
      [],
      db.target,
    );
    await node.query('ANALYZE ghosts', [], db.source);
    const t = table(
      (await verify(db, { planning: { leafRows: 20, maxBuckets: 8 }, cap: 5 })).tables,
      'public.ghosts',
    );
    expect(t).toMatchObject({
      rows: 0,
      equal: false,
      totals: { missingOnTarget: 0, extraOnTarget: 1000, changed: 0 },
    });
    expect(t.extraOnTarget).toHaveLength(5);
  });

  it('reports changed, missing and extra rows, NULL against empty string as changed, and a scale change as equal', async () => {
    const db = await pair('CREATE TABLE accounts (id int PRIMARY KEY, owner text, balance numeric)');
    const rows = `SELECT g, 'owner ' || g, g * 10.5 FROM generate_series(1, 200) g`;
    await node.query(`INSERT INTO accounts ${rows}`, [], db.source);
    await node.query(`INSERT INTO accounts ${rows}`, [], db.target);
    await node.query(`UPDATE accounts SET owner = NULL WHERE id = 7`, [], db.source);
    await node.query(
      `UPDATE accounts SET owner = '' WHERE id = 7;
       UPDATE accounts SET balance = 420.000 WHERE id = 40;
       UPDATE accounts SET balance = 0 WHERE id = 41;
       DELETE FROM accounts WHERE id IN (100, 150);
       INSERT INTO accounts VALUES (500, 'nobody', 1)`,
      [],
      db.target,
    );
    const t = table(
      (await verify(db, { planning: { leafRows: 8, maxBuckets: 4 } })).tables,
      'public.accounts',
    );
    expect(t.totals).toEqual({ missingOnTarget: 2, extraOnTarget: 1, changed: 2 });
    expect(sortKeys(t.missingOnTarget)).toEqual([{ id: '100' }, { id: '150' }]);
    expect(t.extraOnTarget).toEqual([{ id: '500' }]);
    expect(sortKeys(t.changed.map((c) => ({ ...c.key, columns: c.columns.join(',') })))).toEqual([
      { id: '41', columns: 'balance' },
      { id: '7', columns: 'owner' },
    ]);
  });

  it('bisects a composite key through a first column with few values (descending to the next column)', async () => {
    const db = await pair('CREATE TABLE lines (tenant text, n int, qty int, PRIMARY KEY (tenant, n))');
    const rows = `SELECT t, g, g FROM unnest(ARRAY['acme', 'Zeta', 'b''s']) t, generate_series(1, 300) g`;
    await node.query(`INSERT INTO lines ${rows}`, [], db.source);
    await node.query(`INSERT INTO lines ${rows}`, [], db.target);
    await node.query(
      `UPDATE lines SET qty = -1 WHERE tenant = 'acme' AND n = 17;
       DELETE FROM lines WHERE tenant = 'b''s' AND n = 299;
       INSERT INTO lines VALUES ('Zeta', 301, 0)`,
      [],
      db.target,
    );
    const t = table((await verify(db, { planning: { leafRows: 10, maxBuckets: 4 } })).tables, 'public.lines');
    expect(t.missingOnTarget).toEqual([{ tenant: "b's", n: '299' }]);
    expect(t.extraOnTarget).toEqual([{ tenant: 'Zeta', n: '301' }]);
    expect(t.changed).toEqual([{ key: { tenant: 'acme', n: '17' }, columns: ['qty'] }]);
  });

  it('compares a table without a primary key as a multiset of whole rows', async () => {
    const db = await pair('CREATE TABLE events (kind text, at int)');
    const rows = `SELECT 'k' || (g % 5), g % 7 FROM generate_series(1, 100) g`;
    await node.query(`INSERT INTO events ${rows}`, [], db.source);
    await node.query(`INSERT INTO events ${rows}`, [], db.target);
    expect(table((await verify(db)).tables, 'public.events')).toMatchObject({
      equal: true,
      comparedBy: 'whole-row',
    });
    await node.query(
      `DELETE FROM events WHERE ctid IN (SELECT ctid FROM events WHERE kind = 'k1' AND at = 1 LIMIT 2);
       INSERT INTO events VALUES ('new', 0)`,
      [],
      db.target,
    );
    const t = table((await verify(db)).tables, 'public.events');
    expect(t).toMatchObject({
      equal: false,
      comparedBy: 'whole-row',
      totals: { missingOnTarget: 2, extraOnTarget: 1, changed: 0 },
    });
    expect(t.missingOnTarget).toEqual([{ row: { kind: 'k1', at: '1' }, copies: 2 }]);
    expect(t.extraOnTarget).toEqual([{ row: { kind: 'new', at: '0' }, copies: 1 }]);
  });

  it('reports a table the target lacks, and compares only the tables the mappings select', async () => {
    const db = await pair('CREATE TABLE kept (id int PRIMARY KEY); CREATE TABLE other (id int PRIMARY KEY)');
    await node.query('DROP TABLE other; CREATE TABLE other (id int PRIMARY KEY, extra int)', [], db.target);
    await node.query(
      'CREATE TABLE only_source (id int PRIMARY KEY); INSERT INTO only_source VALUES (1)',
      [],
      db.source,
    );
    const all = await verify(db);
    expect(table(all.tables, 'public.only_source')).toMatchObject({
      equal: false,
      rows: 1,
      problem: 'the table does not exist on the target',
    });
    expect(table(all.tables, 'public.other').problem).toBe('the target has column the source lacks: extra');
    const selected = await verify(db, {
      tableMappings: {
        selectionRules: [
          { ruleName: '1', action: 'include', schemaName: 'public', tableName: 'k%', tableType: 'table' },
        ],
      },
    });
    expect(selected.tables.map((t) => t.name)).toEqual(['public.kept']);
    expect(selected.summary.equal).toBe(true);
  });
});

describe('verify: sequences', () => {
  it('fails on a target sequence behind the source, and passes one ahead (a safety gap)', async () => {
    const db = await pair('CREATE TABLE tickets (id serial PRIMARY KEY, title text)');
    await node.query(
      `INSERT INTO tickets (title) SELECT 't' || g FROM generate_series(1, 10) g`,
      [],
      db.source,
    );
    // DMS carries the rows with their keys but never calls nextval on the target.
    await node.query(`INSERT INTO tickets SELECT g, 't' || g FROM generate_series(1, 10) g`, [], db.target);
    const behind = await verify(db);
    expect(behind.tables[0]?.equal).toBe(true);
    expect(behind.sequences).toEqual([
      expect.objectContaining({ name: 'public.tickets_id_seq', source: 10, equal: false, status: 'behind' }),
    ]);
    expect(behind.summary).toMatchObject({ equal: false, sequencesFailing: 1 });
    await node.query(`SELECT setval('tickets_id_seq', 1010)`, [], db.target);
    const ahead = await verify(db);
    expect(ahead.sequences[0]).toMatchObject({ status: 'ahead', target: 1010 });
    expect(ahead.summary).toMatchObject({ equal: true, sequencesDifferent: 1, sequencesFailing: 0 });
  });
});

function sortKeys<T extends object>(rows: readonly T[]): T[] {
  return [...rows].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
}
