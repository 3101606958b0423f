/**
 * The test_decoding parser against real PostgreSQL 17 output. The proof of fidelity: every change
 * read from the slot is parsed and re-applied to a copy of its table through `$n::<type>` casts,
 * and each copy must then equal its original row for row (EXCEPT ALL both ways, compared as text).
 */
import fc from 'fast-check';
import type pg from 'pg';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type Column,
  castableType,
  DECODING_SESSION_SETTINGS,
  type DecodedChange,
  type DecodedTransaction,
  groupTransactions,
  parseChange,
  type RowChange,
  type SlotChangeRow,
  UNCHANGED_TOAST,
} from '../../src/core/decoding/index.js';
import { type PgNode, primaryForFile } from '../support/pg.js';
import { QUOTED_KEYWORDS, quoteIdentifier } from '../unit/decoding/render.js';

const OPTIONS = `'include-xids', '1', 'include-timestamp', '1', 'skip-empty-xacts', '1'`;

async function session(node: PgNode, settings: Readonly<Record<string, string>> = DECODING_SESSION_SETTINGS) {
  const client = await node.connect();
  for (const [name, value] of Object.entries(settings)) {
    await client.query('SELECT set_config($1, $2, false)', [name, value]);
  }
  return client;
}

/** A writing connection and a decoding session on the node, both closed after `use`. */
async function withSourceAndReader(
  node: PgNode,
  use: (source: pg.Client, reader: pg.Client) => Promise<void>,
): Promise<void> {
  const source = await node.connect();
  const reader = await session(node);
  try {
    await use(source, reader);
  } finally {
    await source.end();
    await reader.end();
  }
}

async function readSlot(client: pg.Client, slot: string, fn = 'get'): Promise<SlotChangeRow[]> {
  const { rows } = await client.query<SlotChangeRow>(
    `SELECT lsn::text, xid::text, data FROM pg_logical_slot_${fn}_changes($1, NULL, NULL, ${OPTIONS})`,
    [slot],
  );
  return rows;
}

// The source tables: every type the brief names, odd identifiers, and each replica identity.
const SCHEMA = `
  CREATE SCHEMA "My Schema";
  CREATE TYPE mood AS ENUM ('happy', 'sad', 'it''s "complicated"');
  CREATE DOMAIN posint AS integer CHECK (VALUE > 0);
  CREATE TABLE everything (
    id int PRIMARY KEY, i2 int2, i4 int4, i8 int8, n12 numeric(12,2), n numeric, f4 float4, f8 float8,
    bo bool, t text, vc varchar(20), c3 char(3), by bytea, d date, ts timestamp, tstz timestamptz,
    tz timetz, iv interval, u uuid, j json, jb jsonb, ip inet, net cidr, mac macaddr, ia int[], ta text[],
    ia2 int[][], m mood, ma mood[], b4 bit(4), vb varbit, mo money, tv tsvector, pt point, dom posint,
    "Weird Col" text, "char" "char", o oid, dropme text, gen bigint GENERATED ALWAYS AS (i4::bigint * 2) STORED
  );
  ALTER TABLE everything DROP COLUMN dropme;
  CREATE TABLE "My Schema"."Odd ""Name""" (id int PRIMARY KEY, "Weird Col" text, "select" int, "User" text);
  CREATE TABLE full_identity (id int, v text, n numeric, big text);
  ALTER TABLE full_identity REPLICA IDENTITY FULL;
  CREATE TABLE toasted (id int PRIMARY KEY, small text, large text);
  CREATE TABLE truncated (id serial PRIMARY KEY, v text);
  CREATE TABLE truncated2 (id int PRIMARY KEY, v text);
`;
const TABLES = [
  ['public', 'everything'],
  ['My Schema', 'Odd "Name"'],
  ['public', 'full_identity'],
  ['public', 'toasted'],
  ['public', 'truncated'],
  ['public', 'truncated2'],
] as const;

const TRICKY_ROW = `(
  1, -32768, -2147483648, 9223372036854775807, -1234567890.12, 0.000000000000000000001, 'NaN', '-Infinity',
  true, E'it''s a\\nline: [x] "q" \\\\ back\\tslash '' new-tuple: x[int]:1', 'v''c [:]', 'ab', '\\x00ff27',
  '2024-02-29', '2024-01-02 03:04:05.678901', '2024-06-01 12:00:00+05:30', '10:00:00.12+02',
  '1 year 2 mons 3 days 04:05:06.789', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{"k": "v''q", "n": [1, 2]}',
  '{"b": 1, "a": "x y"}', '192.168.1.1/24', '10.0.0.0/8', '08:00:2b:01:02:03', '{1,NULL,3}',
  '{"a b","c''d","e\\"f",NULL,"NULL",""}', '{{1,2},{3,4}}', 'it''s "complicated"', '{happy,NULL,sad}',
  B'1010', B'10110', 12.34, 'fat:1 cat''s:2', '(1.5,-2)', 5, 'Weird', 'x', 42
)`;
const EXTREME_ROW = `(
  3, 32767, 0, -9223372036854775808, 9999999999.99, 'NaN', 'Infinity', 1e-300,
  false, E'unicode: \\u00e9 \\u4e2d \\U0001F600, null, unchanged-toast-datum, '''''' end', '', '   ', '\\x',
  'infinity', '-infinity', '1999-12-31 23:59:59.999999+00', '00:00:00+00', '-1 days +00:00:01', '00000000-0000-0000-0000-000000000000',
  '"just a string"', '[]', '::1', '::/0', 'ff:ff:ff:ff:ff:ff', '{}', '{"\\\\"}',
  '{}', 'happy', '{}', B'0000', B'', -0.01, '', '(0,0)', 2147483647, E'\\n', '''', 0
)`;

/** What the applier needs to know about a source table. */
interface TableInfo {
  target: string;
  generated: Set<string>;
  columns: string[];
  primaryKey: string[];
  full: boolean;
}

async function tableInfo(client: pg.Client, schema: string, table: string): Promise<TableInfo> {
  const regclass = `${client.escapeIdentifier(schema)}.${client.escapeIdentifier(table)}`;
  const { rows } = await client.query<{ name: string; generated: boolean; pk: boolean; full: boolean }>(
    `SELECT a.attname AS name, a.attgenerated <> '' AS generated, c.relreplident = 'f' AS full,
            coalesce(a.attnum = ANY (i.indkey), false) AS pk
       FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
       LEFT JOIN pg_index i ON i.indrelid = c.oid AND i.indisprimary
      WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`,
    [regclass],
  );
  return {
    target: `copy.${client.escapeIdentifier(table)}`,
    generated: new Set(rows.filter((r) => r.generated).map((r) => r.name)),
    columns: rows.map((r) => r.name),
    primaryKey: rows.filter((r) => r.pk).map((r) => r.name),
    full: rows.some((r) => r.full),
  };
}

/**
 * A minimal applier, as the local DMS engine will need one: parameters cast with castableType,
 * generated columns and unchanged TOAST values left alone, one row per UPDATE/DELETE (ctid) so
 * duplicate rows under REPLICA IDENTITY FULL stay duplicates, NULLs left out of FULL old tuples
 * matched with IS NULL.
 */
async function applyChange(client: pg.Client, tables: Map<string, TableInfo>, change: DecodedChange) {
  const id = (name: string) => client.escapeIdentifier(name);
  const info = (schema: string, table: string) => {
    const found = tables.get(`${schema}.${table}`);
    if (!found) throw new Error(`no copy of ${schema}.${table}`);
    return found;
  };
  const params: unknown[] = [];
  const param = (c: Column) => {
    if (c.value === UNCHANGED_TOAST)
      throw new Error(`unchanged TOAST value where a value is needed: ${c.name}`);
    params.push(c.value);
    return `$${params.length}::${castableType(c.type)}`;
  };
  const oneRow = async (t: TableInfo, change: RowChange, key: Column[], sql: (where: string) => string) => {
    const named = new Set(key.map((c) => c.name));
    const where = [
      ...key.map((c) => `${id(c.name)} IS NOT DISTINCT FROM ${param(c)}`),
      ...(t.full ? t.columns.filter((c) => !named.has(c)).map((c) => `${id(c)} IS NULL`) : []),
    ].join(' AND ');
    const result = await client.query(
      sql(`ctid = (SELECT ctid FROM ${t.target} WHERE ${where} LIMIT 1)`),
      params,
    );
    if (result.rowCount !== 1)
      throw new Error(`${change.kind} matched ${result.rowCount} rows: ${JSON.stringify(key)}`);
  };

  switch (change.kind) {
    case 'insert': {
      const t = info(change.schema, change.table);
      const cols = (change.newTuple ?? []).filter((c) => !t.generated.has(c.name));
      await client.query(
        `INSERT INTO ${t.target} (${cols.map((c) => id(c.name)).join(', ')}) VALUES (${cols.map(param).join(', ')})`,
        params,
      );
      return;
    }
    case 'update': {
      const t = info(change.schema, change.table);
      const newTuple = change.newTuple ?? [];
      const key = change.oldKey ?? newTuple.filter((c) => t.primaryKey.includes(c.name));
      const set = newTuple
        .filter((c) => !t.generated.has(c.name) && c.value !== UNCHANGED_TOAST)
        .map((c) => `${id(c.name)} = ${param(c)}`)
        .join(', ');
      await oneRow(t, change, key, (where) => `UPDATE ${t.target} SET ${set} WHERE ${where}`);
      return;
    }
    case 'delete': {
      const t = info(change.schema, change.table);
      if (!change.key) throw new Error(`DELETE on ${change.table} without a key cannot be applied`);
      await oneRow(t, change, change.key, (where) => `DELETE FROM ${t.target} WHERE ${where}`);
      return;
    }
    case 'truncate': {
      const targets = change.relations.map((r) => info(r.schema, r.table).target).join(', ');
      await client.query(
        `TRUNCATE ${targets}${change.restartSeqs ? ' RESTART IDENTITY' : ''}${change.cascade ? ' CASCADE' : ''}`,
      );
      return;
    }
    case 'message':
      return;
  }
}

describe('test_decoding output from PostgreSQL 17', () => {
  let primary: PgNode;

  beforeAll(async () => {
    primary = await primaryForFile();
  });

  it('round-trips every change: re-applied with $n::<type> casts, each copy equals its original', async () => {
    await withSourceAndReader(primary, async (source, reader) => {
      await source.query(SCHEMA);
      await source.query(`SELECT pg_create_logical_replication_slot('fidelity', 'test_decoding')`);
      await source.query(`CREATE SCHEMA copy`);
      for (const [schema, table] of TABLES) {
        const name = `${source.escapeIdentifier(schema)}.${source.escapeIdentifier(table)}`;
        await source.query(
          `CREATE TABLE copy.${source.escapeIdentifier(table)} (LIKE ${name} INCLUDING ALL)`,
        );
      }

      const big = `(SELECT string_agg(md5(random()::text), '') FROM generate_series(1, 4000))`;
      const workload = [
        `INSERT INTO everything VALUES ${TRICKY_ROW}, ${EXTREME_ROW}`,
        `INSERT INTO everything (id) VALUES (2)`,
        `UPDATE everything SET id = 10 WHERE id = 1`,
        `UPDATE everything SET t = E'after\\nupdate', ia = '{7}', m = 'sad', i4 = 21 WHERE id = 2`,
        `DELETE FROM everything WHERE id = 3`,
        `BEGIN; INSERT INTO everything (id, t, f8) VALUES (100, 'kept', 1.5);
         SAVEPOINT s; INSERT INTO everything (id) VALUES (101); ROLLBACK TO s;
         INSERT INTO everything SELECT 3, i2, i4 FROM everything WHERE id = 10; COMMIT`,
        `BEGIN; INSERT INTO everything (id) VALUES (200); ROLLBACK`,
        `INSERT INTO "My Schema"."Odd ""Name""" VALUES (1, 'w c', 1, 'U'), (2, NULL, NULL, NULL)`,
        `UPDATE "My Schema"."Odd ""Name""" SET id = 3, "select" = 9 WHERE id = 1`,
        `DELETE FROM "My Schema"."Odd ""Name""" WHERE id = 2`,
        `INSERT INTO full_identity VALUES (1, 'dup', 1.0, NULL), (1, 'dup', 1.0, NULL), (2, NULL, NULL, 'n'),
                                         (5, 'b', 2.50, ${big})`,
        `UPDATE full_identity SET v = 'one of two' WHERE ctid = (SELECT min(ctid) FROM full_identity WHERE id = 1)`,
        `UPDATE full_identity SET n = 3 WHERE id = 2`,
        `UPDATE full_identity SET v = 'c' WHERE id = 5`,
        `DELETE FROM full_identity WHERE id = 2`,
        `INSERT INTO toasted VALUES (1, 's', ${big}), (2, 't', ${big})`,
        `UPDATE toasted SET small = 'still toasted' WHERE id = 1`,
        `UPDATE toasted SET id = 3 WHERE id = 2`,
        `INSERT INTO truncated (v) VALUES ('a'), ('b'), ('c'); INSERT INTO truncated2 VALUES (1, 'x')`,
        `TRUNCATE truncated, truncated2 RESTART IDENTITY`,
        `INSERT INTO truncated (v) VALUES ('after'), ('restart'); INSERT INTO truncated2 VALUES (2, 'y')`,
        `TRUNCATE truncated2 CASCADE`,
        `INSERT INTO truncated2 VALUES (3, 'z')`,
        `SELECT pg_logical_emit_message(true, 'dms-cdc', E'content: with '' quote\\nand, sz: 1 content:x')`,
        `SELECT pg_logical_emit_message(false, 'heartbeat', 'beat')`,
      ];
      for (const sql of workload) await source.query(sql);

      const rows = await readSlot(reader, 'fidelity');
      for (const row of rows) expect(() => parseChange(row.data), row.data.slice(0, 200)).not.toThrow();
      const { transactions, incomplete } = groupTransactions(rows);
      expect(incomplete).toBeNull();

      // The output holds each construct the parser must meet.
      const changes = transactions.flatMap((t) => t.changes);
      const lines = rows.map((r) => r.data);
      expect(changes.some((c) => c.kind === 'update' && c.oldKey && c.table === 'everything')).toBe(true);
      expect(
        changes.some((c) => c.kind === 'update' && c.newTuple?.some((col) => col.value === UNCHANGED_TOAST)),
      ).toBe(true);
      expect(lines).toContain('table public.truncated, public.truncated2: TRUNCATE: restart_seqs');
      expect(lines).toContain('table public.truncated2: TRUNCATE: cascade');
      expect(
        lines.some((l) => l.startsWith('table "My Schema"."Odd ""Name""": UPDATE: old-key: id[integer]:1')),
      ).toBe(true);
      expect(changes).toContainEqual({
        kind: 'message',
        transactional: true,
        prefix: 'dms-cdc',
        content: "content: with ' quote\nand, sz: 1 content:x",
      });
      expect(transactions.some((t) => t.changes.length === 1 && t.changes[0]?.kind === 'message')).toBe(true);
      expect(changes.some((c) => c.kind === 'insert' && c.newTuple?.some((col) => col.value === '101'))).toBe(
        false,
      );
      expect(changes.some((c) => c.kind === 'insert' && c.newTuple?.some((col) => col.value === '200'))).toBe(
        false,
      );
      for (const t of transactions) {
        expect(t.commitTime ?? 'standalone message').toMatch(
          /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)?\+00$|^standalone/,
        );
      }

      // Re-apply on the copies in commit order, one target transaction per source transaction.
      const applier = await session(primary);
      try {
        const tables = new Map<string, TableInfo>();
        for (const [schema, table] of TABLES)
          tables.set(`${schema}.${table}`, await tableInfo(applier, schema, table));
        await applyAll(applier, tables, transactions);

        for (const [schema, table] of TABLES) {
          const original = `${applier.escapeIdentifier(schema)}.${applier.escapeIdentifier(table)}`;
          const copy = tables.get(`${schema}.${table}`)?.target;
          const [diff] = (
            await applier.query<{ missing: string[] | null; extra: string[] | null; n: number }>(
              `SELECT (SELECT array_agg(r) FROM (SELECT s::text AS r FROM ${original} s EXCEPT ALL SELECT c::text FROM ${copy} c) x) AS missing,
                      (SELECT array_agg(r) FROM (SELECT c::text AS r FROM ${copy} c EXCEPT ALL SELECT s::text FROM ${original} s) x) AS extra,
                      (SELECT count(*)::int FROM ${original}) AS n`,
            )
          ).rows;
          expect({ table, missing: diff?.missing, extra: diff?.extra }).toEqual({
            table,
            missing: null,
            extra: null,
          });
          expect(diff?.n, `${table} should not be empty`).toBeGreaterThan(0);
        }
      } finally {
        await applier.end();
      }
    });
  });

  it('random unicode values, column names and table names decode exactly', async () => {
    await withSourceAndReader(primary, async (source, reader) => {
      const name = fc
        .string({ unit: 'binary', minLength: 1, maxLength: 12 })
        .map(storable)
        .filter((s) => s.length > 0 && Buffer.byteLength(s) <= 63);
      const [names] = fc.sample(fc.uniqueArray(name, { minLength: 24, maxLength: 24 }), {
        numRuns: 1,
        seed: 17,
      });
      const values = fc.sample(
        fc.oneof(
          fc.string({ unit: 'binary', maxLength: 40 }),
          fc.string({ unit: 'grapheme', maxLength: 40 }),
        ),
        { numRuns: 24 * 10, seed: 42 },
      );
      const clean = values.map(storable);
      if (!names) throw new Error('no names sampled');
      const [schema = 'S', table = 'T', ...columns] = names;
      const q = (n: string) => source.escapeIdentifier(n);
      await source.query(`CREATE SCHEMA ${q(schema)}`);
      await source.query(
        `CREATE TABLE ${q(schema)}.${q(table)} (${columns.map((c) => `${q(c)} text`).join(', ')})`,
      );
      await source.query(`SELECT pg_create_logical_replication_slot('unicode', 'test_decoding')`);
      for (let r = 0; r < 10; r += 1) {
        const row = clean.slice(r * columns.length, (r + 1) * columns.length);
        await source.query(
          `INSERT INTO ${q(schema)}.${q(table)} VALUES (${columns.map((_, i) => `$${i + 1}`).join(', ')})`,
          row,
        );
      }
      const { transactions } = groupTransactions(await readSlot(reader, 'unicode'));
      const inserts = transactions.flatMap((t) => t.changes);
      expect(inserts).toHaveLength(10);
      inserts.forEach((change, r) => {
        expect(change).toEqual({
          kind: 'insert',
          schema,
          table,
          newTuple: columns.map((c, i) => ({ name: c, type: 'text', value: clean[r * columns.length + i] })),
        });
      });
    });
  });

  it('quote_identifier: the test renderer matches the server on keywords and random names', async () => {
    const keywords = await primary.query<{ word: string }>(
      `SELECT word FROM pg_get_keywords() WHERE catcode <> 'U' ORDER BY word`,
    );
    expect(keywords.map((k) => k.word)).toEqual([...QUOTED_KEYWORDS].sort());
    const names = [
      ...fc.sample(fc.string({ unit: 'binary', minLength: 1, maxLength: 10 }), { numRuns: 300, seed: 7 }),
      ...fc.sample(fc.stringMatching(/^[a-z_][a-z0-9_]{0,8}$/), { numRuns: 300, seed: 8 }),
      ...[...QUOTED_KEYWORDS],
      'name',
      'key',
      'value',
    ].map(storable);
    const [row] = await primary.query<{ quoted: string[] }>(
      'SELECT array_agg(quote_ident(n) ORDER BY i) AS quoted FROM unnest($1::text[]) WITH ORDINALITY AS x(n, i)',
      [names],
    );
    expect(row?.quoted).toEqual(names.map(quoteIdentifier));
  });

  it('batches: upto_nchanges stops at a commit, a SQL LIMIT cuts a transaction and is reported', async () => {
    await withSourceAndReader(primary, async (source, reader) => {
      await source.query(`CREATE TABLE batch (id int PRIMARY KEY)`);
      await source.query(`SELECT pg_create_logical_replication_slot('batches', 'test_decoding')`);
      await source.query(`INSERT INTO batch SELECT generate_series(1, 5)`);
      await source.query(`INSERT INTO batch VALUES (6)`);

      const cut = await reader.query<SlotChangeRow>(
        `SELECT lsn::text, xid::text, data FROM pg_logical_slot_peek_changes('batches', NULL, NULL, ${OPTIONS}) LIMIT 4`,
      );
      const partial = groupTransactions(cut.rows);
      expect(partial.transactions).toEqual([]);
      expect(partial.incomplete).toMatchObject({ firstRow: 0, rows: 4, beginLsn: cut.rows[0]?.lsn });

      const first = await reader.query<SlotChangeRow>(
        `SELECT lsn::text, xid::text, data FROM pg_logical_slot_get_changes('batches', NULL, 1, ${OPTIONS})`,
      );
      const whole = groupTransactions(first.rows);
      expect(whole.incomplete).toBeNull();
      expect(whole.transactions.map((t) => t.changes.length)).toEqual([5]);
      // What a consumer confirms: the COMMIT row's lsn; the slot moved exactly there.
      const [slot] = await primary.query<{ confirmed: string }>(
        `SELECT confirmed_flush_lsn::text AS confirmed FROM pg_replication_slots WHERE slot_name = 'batches'`,
      );
      expect(slot?.confirmed).toBe(whole.transactions[0]?.commitLsn);
      const rest = groupTransactions(await readSlot(reader, 'batches'));
      expect(rest.transactions.map((t) => t.changes.length)).toEqual([1]);
    });
  });

  it('shapes the applier must expect: no-tuple-data, FULL old tuples without NULLs, generated columns', async () => {
    await withSourceAndReader(primary, async (source, reader) => {
      await source.query(`CREATE TABLE keyless (id int, v text);
        CREATE TABLE nothing (id int PRIMARY KEY, v text); ALTER TABLE nothing REPLICA IDENTITY NOTHING;
        CREATE TABLE fullnull (id int, v text); ALTER TABLE fullnull REPLICA IDENTITY FULL;
        CREATE TABLE gen (id int PRIMARY KEY, a int, twice int GENERATED ALWAYS AS (a * 2) STORED)`);
      await source.query(`SELECT pg_create_logical_replication_slot('shapes', 'test_decoding')`);
      await source.query(`INSERT INTO keyless VALUES (1, 'a'); DELETE FROM keyless;
        INSERT INTO nothing VALUES (1, 'a'); UPDATE nothing SET id = 2; DELETE FROM nothing;
        INSERT INTO fullnull VALUES (NULL, NULL); UPDATE fullnull SET v = 'x'; DELETE FROM fullnull;
        INSERT INTO gen VALUES (1, 21)`);
      const lines = (await readSlot(reader, 'shapes'))
        .map((r) => r.data)
        .filter((l) => l.startsWith('table'));
      expect(lines).toEqual([
        `table public.keyless: INSERT: id[integer]:1 v[text]:'a'`,
        'table public.keyless: DELETE: (no-tuple-data)',
        `table public.nothing: INSERT: id[integer]:1 v[text]:'a'`,
        `table public.nothing: UPDATE: id[integer]:2 v[text]:'a'`,
        'table public.nothing: DELETE: (no-tuple-data)',
        'table public.fullnull: INSERT: id[integer]:null v[text]:null',
        `table public.fullnull: UPDATE: old-key: new-tuple: id[integer]:null v[text]:'x'`,
        `table public.fullnull: DELETE: v[text]:'x'`,
        'table public.gen: INSERT: id[integer]:1 a[integer]:21 twice[integer]:42',
      ]);
      expect(parseChange(lines[6] ?? '')).toMatchObject({ kind: 'update', oldKey: [] });
      expect(parseChange(lines[1] ?? '')).toMatchObject({ kind: 'delete', key: null });
    });
  });

  it('type names carry no typmod: character and bit truncate as cast targets, castableType does not', async () => {
    await withSourceAndReader(primary, async (source, reader) => {
      await source.query(
        `CREATE TABLE typmods (c char(3), b bit(4), v varchar(20), n numeric(12,2), t timestamp(0))`,
      );
      await source.query(`SELECT pg_create_logical_replication_slot('typmods', 'test_decoding')`);
      await source.query(`INSERT INTO typmods VALUES ('ab', B'1010', 'v', 1.5, '2024-01-01 00:00:00')`);
      const line = (await readSlot(reader, 'typmods')).map((r) => r.data).find((l) => l.startsWith('table'));
      expect(line).toBe(
        `table public.typmods: INSERT: c[character]:'ab ' b[bit]:B'1010' v[character varying]:'v' n[numeric]:1.50 ` +
          `t[timestamp without time zone]:'2024-01-01 00:00:00'`,
      );
      const [cast] = await reader
        .query<Record<string, string>>(
          `SELECT $1::character AS naive_char, $1::${castableType('character')} AS char,
                $2::bit AS naive_bit, $2::${castableType('bit')} AS bit`,
          ['ab ', '1010'],
        )
        .then((r) => r.rows);
      expect(cast).toEqual({ naive_char: 'a', char: 'ab ', naive_bit: '1', bit: '1010' });
    });
  });

  it("values follow the decoding session's settings: DECODING_SESSION_SETTINGS makes them portable", async () => {
    const source = await primary.connect();
    const portable = await session(primary);
    const local = await session(primary, {
      DateStyle: 'SQL, DMY',
      IntervalStyle: 'postgres_verbose',
      bytea_output: 'escape',
      TimeZone: 'Asia/Kolkata',
      search_path: 'hidden, public',
    });
    try {
      await source.query(`CREATE SCHEMA hidden; CREATE TYPE hidden.color AS ENUM ('red');
        CREATE TABLE settings (d date, ts timestamptz, iv interval, by bytea, c hidden.color)`);
      await source.query(`SELECT pg_create_logical_replication_slot('settings', 'test_decoding')`);
      await source.query(
        `INSERT INTO settings VALUES ('2024-03-04', '2024-03-04 05:06:07+03', '1 mon 2 days 3 sec', '\\xdeadbeef', 'red')`,
      );
      const change = async (client: pg.Client, fn: string) =>
        (await readSlot(client, 'settings', fn)).map((r) => r.data).find((l) => l.startsWith('table'));
      expect(await change(local, 'peek')).toBe(
        `table public.settings: INSERT: d[date]:'04/03/2024' ts[timestamp with time zone]:'04/03/2024 07:36:07 IST' ` +
          `iv[interval]:'@ 1 mon 2 days 3 secs' by[bytea]:'\\336\\255\\276\\357' c[color]:'red'`,
      );
      expect(await change(portable, 'get')).toBe(
        `table public.settings: INSERT: d[date]:'2024-03-04' ts[timestamp with time zone]:'2024-03-04 02:06:07+00' ` +
          `iv[interval]:'1 mon 2 days 00:00:03' by[bytea]:'\\xdeadbeef' c[hidden.color]:'red'`,
      );
    } finally {
      await Promise.all([source.end(), portable.end(), local.end()]);
    }
  });
});

/** What PostgreSQL text can hold: no NUL, and (being UTF-8) no lone surrogate. */
function storable(text: string): string {
  return text
    .replaceAll('\0', '')
    .replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
}

async function applyAll(
  client: pg.Client,
  tables: Map<string, TableInfo>,
  transactions: DecodedTransaction[],
) {
  for (const transaction of transactions) {
    await client.query('BEGIN');
    try {
      for (const change of transaction.changes) await applyChange(client, tables, change);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK');
      throw new Error(`applying transaction ${transaction.xid} failed: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }
}
