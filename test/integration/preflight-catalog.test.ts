import { beforeAll, describe, expect, it } from 'vitest';
import { gatherSourceFacts } from '../../src/adapters/pg/preflight/source-facts.js';
import { isColumnOfInterest } from '../../src/core/preflight/column-types.js';
import type { ColumnFact, TableFact } from '../../src/core/preflight/facts.js';
import { type PgNode, primaryForFile } from '../support/pg.js';

// The catalog query reads only the columns some check looks at, and answers SELECT without
// has_table_privilege where the default ACL settles it. Both are shortcuts that must not change a
// fact: this file compares them with the long way, on every column type PostgreSQL 17 has.

let node: PgNode;

beforeAll(async () => {
  node = await primaryForFile({ name: 'preflight-catalog' });
  await node.query('CREATE DATABASE catalog');
});

async function tablesOf(schema: string, role?: string): Promise<TableFact[]> {
  const client = await node.connect('catalog');
  try {
    if (role) await client.query(`SET ROLE ${role}`);
    return (await gatherSourceFacts(client)).facts.tables.filter((t) => t.schema === schema);
  } finally {
    await client.end();
  }
}

interface CatalogColumn {
  table: string;
  column: ColumnFact;
  keyPosition: number | null;
}

// Every column of the schema, read the long way (each column with its type, as the adapter used to).
async function everyColumn(schema: string): Promise<CatalogColumn[]> {
  const rows = await node.query<CatalogColumn & { name: string }>(
    `SELECT c.relname AS "table", json_build_object('name', a.attname, 'type', format_type(a.atttypid, a.atttypmod),
              'base', b.typname, 'typtype', b.typtype, 'category', b.typcategory, 'typmod', a.atttypmod) AS "column",
            array_position(i.indkey::int2[], a.attnum) AS "keyPosition"
       FROM pg_class c
       JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
       JOIN pg_type t ON t.oid = a.atttypid
       JOIN pg_type b ON b.oid = CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END
       LEFT JOIN pg_index i ON i.indrelid = c.oid AND i.indisprimary
      WHERE c.relnamespace = $1::regnamespace AND c.relkind = 'r'
      ORDER BY c.relname, a.attnum`,
    [schema],
    'catalog',
  );
  return rows;
}

describe('the catalog query on every column type (PostgreSQL 17)', () => {
  beforeAll(async () => {
    // One column of every type a column can have (base, enum, range, multirange, domain, and the
    // array of each), a few with and without typmod, then one table keyed on each type that has a
    // btree operator class (the primary key makes a LOB column matter).
    await node.query(
      `CREATE SCHEMA every;
       CREATE TYPE every.mood AS ENUM ('ok', 'sad');
       CREATE TYPE every.pair AS (a int, b text);
       CREATE DOMAIN every.money_amount AS numeric;
       CREATE DOMAIN every.label AS text;
       CREATE DOMAIN every.tags AS text[];
       CREATE DOMAIN every.lo AS oid;
       CREATE DOMAIN every.code AS varchar(8);
       CREATE TABLE every.sizes (n numeric, n2 numeric(10, 2), v varchar, v2 varchar(20), c char(3), b bit(4));
       DO $$
       DECLARE
         types text[];
         i int := 0;
         typ text;
       BEGIN
         SELECT array_agg(format_type(t.oid, NULL) ORDER BY t.oid) INTO types
           FROM pg_type t
          WHERE t.typisdefined AND t.typtype IN ('b', 'd', 'e', 'r', 'm')
            AND t.typnamespace IN ('pg_catalog'::regnamespace, 'every'::regnamespace)
            AND t.typname !~ '^_?pg_' AND t.typcategory <> 'P';
         types := types || ARRAY['every.pair', 'every.pair[]', 'every.mood[]'];
         CREATE TABLE every.columns ();
         FOREACH typ IN ARRAY types LOOP
           i := i + 1;
           BEGIN
             EXECUTE format('ALTER TABLE every.columns ADD COLUMN c%s %s', i, typ);
           EXCEPTION WHEN others THEN
             NULL; -- not a column type (an array of a pseudo-type such as cstring[])
           END;
           BEGIN
             EXECUTE format('CREATE TABLE every.key_%s (k %s PRIMARY KEY, other %s)', i, typ, typ);
           EXCEPTION WHEN others THEN
             NULL; -- no btree operator class (json, xml, point, ...): it cannot be a key
           END;
         END LOOP;
       END $$;
       CREATE TABLE every.pair_key (a int, b text, c int[], PRIMARY KEY (b, a));
       CREATE TABLE every.plain (id int PRIMARY KEY, name varchar(80), total numeric(12, 2), at timestamptz)`,
      [],
      'catalog',
    );
  });

  it('returns exactly the columns isColumnOfInterest flags, in column order, and the key in key order', async () => {
    const [facts, catalog] = await Promise.all([tablesOf('every'), everyColumn('every')]);
    const expected = new Map<string, { columns: ColumnFact[]; key: { name: string; at: number }[] }>();
    for (const { table, column, keyPosition } of catalog) {
      const entry = expected.get(table) ?? { columns: [], key: [] };
      if (isColumnOfInterest(column, keyPosition !== null)) entry.columns.push(column);
      if (keyPosition !== null) entry.key.push({ name: column.name, at: keyPosition });
      expected.set(table, entry);
    }
    const actual = new Map(facts.map((t) => [t.name, t]));
    expect([...actual.keys()].sort()).toEqual([...expected.keys()].sort());
    for (const [table, { columns, key }] of expected) {
      const fact = actual.get(table);
      expect({ table, columns: fact?.columns }).toEqual({ table, columns });
      const keyOrder = key.sort((x, y) => x.at - y.at).map((k) => k.name);
      expect({ table, primaryKey: fact?.primaryKey }).toEqual({ table, primaryKey: keyOrder });
    }

    // The comparison is not vacuous: many columns are kept and many left out.
    const kept = facts.reduce((sum, t) => sum + t.columns.length, 0);
    expect(kept).toBeGreaterThan(50);
    expect(catalog.length - kept).toBeGreaterThan(50);
    const flagged = (table: string) => actual.get(table)?.columns.map((c) => c.name);
    expect(flagged('sizes')).toEqual(['n']);
    expect(flagged('plain')).toEqual([]);
    expect(flagged('pair_key')).toEqual(['b', 'c']);
    expect(actual.get('pair_key')?.primaryKey).toEqual(['b', 'a']);
    const keyed = [...actual.values()].filter((t) => t.name.startsWith('key_'));
    const keyedOn = (base: string) =>
      keyed.filter((t) => t.columns.some((c) => c.name === 'k' && c.base === base)).map((t) => t.columns);
    // A text key matters (pk-lob-type), the same type outside the key does not.
    expect(keyedOn('text').map((cols) => cols.map((c) => c.name))).toContainEqual(['k']);
    expect(keyedOn('varchar').map((cols) => cols.map((c) => `${c.name} ${c.type}`))).toContainEqual([
      'k character varying',
    ]);
  });
});

describe('SELECT on each table, with and without the default ACL', () => {
  const roles = ['owner', 'heir', 'noheir', 'grantee', 'reader', 'stranger'] as const;

  beforeAll(async () => {
    await node.query(
      `CREATE ROLE owner; CREATE ROLE heir IN ROLE owner; CREATE ROLE noheir NOINHERIT IN ROLE owner;
       CREATE ROLE grantee; CREATE ROLE reader IN ROLE pg_read_all_data; CREATE ROLE stranger;
       CREATE SCHEMA acl AUTHORIZATION owner;
       GRANT USAGE ON SCHEMA acl TO grantee, stranger;
       SET ROLE owner;
       CREATE TABLE acl.defaults (id int PRIMARY KEY);
       CREATE TABLE acl.granted (id int PRIMARY KEY);
       GRANT SELECT ON acl.granted TO grantee;
       CREATE TABLE acl.revoked (id int PRIMARY KEY);
       REVOKE SELECT ON acl.revoked FROM owner;
       RESET ROLE;
       CREATE SCHEMA hidden;
       CREATE TABLE hidden.table_in_it (id int PRIMARY KEY);
       GRANT SELECT ON hidden.table_in_it TO grantee`,
      [],
      'catalog',
    );
  });

  it('canSelect is has_schema_privilege(USAGE) and has_table_privilege(SELECT) for every role', async () => {
    for (const role of roles) {
      const facts = [...(await tablesOf('acl', role)), ...(await tablesOf('hidden', role))];
      const client = await node.connect('catalog');
      try {
        await client.query(`SET ROLE ${role}`);
        const { rows } = await client.query<{ name: string; can: boolean }>(
          `SELECT c.relname AS name,
                  has_schema_privilege(c.relnamespace, 'USAGE') AND has_table_privilege(c.oid, 'SELECT') AS can
             FROM pg_class c WHERE c.relnamespace IN ('acl'::regnamespace, 'hidden'::regnamespace) AND c.relkind = 'r'`,
        );
        const answer = Object.fromEntries(rows.map((r) => [r.name, r.can]));
        expect({ role, can: Object.fromEntries(facts.map((t) => [t.name, t.canSelect])) }).toEqual({
          role,
          can: answer,
        });
      } finally {
        await client.end();
      }
    }
    // Each way in and out is exercised: the owner, through the owner's role, by grant, by
    // pg_read_all_data; a revoked owner, a NOINHERIT member, a schema without USAGE.
    const can = async (role: string, schema: string) =>
      Object.fromEntries((await tablesOf(schema, role)).map((t) => [t.name, t.canSelect]));
    expect(await can('owner', 'acl')).toEqual({ defaults: true, granted: true, revoked: false });
    expect(await can('heir', 'acl')).toEqual({ defaults: true, granted: true, revoked: false });
    expect(await can('noheir', 'acl')).toEqual({ defaults: false, granted: false, revoked: false });
    expect(await can('grantee', 'acl')).toEqual({ defaults: false, granted: true, revoked: false });
    expect(await can('reader', 'acl')).toEqual({ defaults: true, granted: true, revoked: true });
    expect(await can('grantee', 'hidden')).toEqual({ table_in_it: false });
  });
});
