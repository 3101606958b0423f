import { beforeAll, describe, expect, it } from 'vitest';
import { pgPreflightGatherers } from '../../src/adapters/pg/preflight/index.js';
import type { PreflightOptions } from '../../src/core/preflight/context.js';
import type { PreflightReport } from '../../src/core/preflight/report.js';
import { runPreflight } from '../../src/core/preflight/run.js';
import { parseTableMappings } from '../../src/core/preflight/table-mappings.js';
import { selectionMappings } from '../../src/local/table-mappings.js';
import { type PgNode, primaryForFile } from '../support/pg.js';

let node: PgNode;

async function preflight(options: PreflightOptions = {}, user = 'postgres'): Promise<PreflightReport> {
  const client = await node.connect('shop');
  try {
    if (user !== 'postgres') await client.query(`SET ROLE ${user}`);
    return await runPreflight(pgPreflightGatherers({ db: client, describe: node.name }), options);
  } finally {
    await client.end();
  }
}

/** Runs SQL in the database every test selects its tables from. */
const inShop = (sql: string) => node.query(sql, [], 'shop');
const finding = (report: PreflightReport, id: string) => report.findings.filter((f) => f.id === id);
const findingsOf = (report: PreflightReport, ids: readonly string[]) =>
  report.findings.filter((f) => ids.includes(f.id));
const only = (schema: string) => parseTableMappings(selectionMappings({ schema }));

beforeAll(async () => {
  node = await primaryForFile({ name: 'preflight-tables' });
  await node.query('CREATE DATABASE shop');
});

// One schema per hazard, so that each test selects only its own tables with a table mapping.
describe('table hazards on PostgreSQL 17, each shown failing then fixed', () => {
  it('tables.primary-key and tables.array-without-pk', async () => {
    await inShop('CREATE SCHEMA keys; CREATE TABLE keys.logs (at timestamptz, msg text, tags text[])');
    const before = await preflight({ tableMappings: only('keys') });
    expect(finding(before, 'tables.primary-key')[0]).toMatchObject({
      severity: 'blocker',
      observed: 'no primary key and no replica identity: keys.logs',
    });
    expect(finding(before, 'tables.array-without-pk')[0]?.observed).toBe('keys.logs');
    await inShop('ALTER TABLE keys.logs ADD COLUMN id bigserial PRIMARY KEY');
    const after = await preflight({ tableMappings: only('keys') });
    expect([...finding(after, 'tables.primary-key'), ...finding(after, 'tables.array-without-pk')]).toEqual(
      [],
    );
  });

  it('tables.pk-lob-type, tables.unsupported-types, tables.numeric-without-precision, tables.oid-lob', async () => {
    await inShop(`CREATE SCHEMA types; CREATE TYPE types.mood AS ENUM ('ok', 'sad');
       CREATE TABLE types.docs (slug text PRIMARY KEY, ip inet, mood types.mood, price numeric, scan oid)`);
    const before = await preflight({ tableMappings: only('types') });
    expect(finding(before, 'tables.pk-lob-type')[0]?.observed).toBe('types.docs(slug text)');
    expect(finding(before, 'tables.unsupported-types')[0]?.observed).toBe(
      'types.docs.ip inet, types.docs.mood types.mood',
    );
    expect(finding(before, 'tables.numeric-without-precision')[0]?.observed).toBe('types.docs.price numeric');
    expect(finding(before, 'tables.oid-lob')[0]?.observed).toBe('types.docs.scan oid');
    await inShop(`ALTER TABLE types.docs ALTER COLUMN slug TYPE varchar(64), ALTER COLUMN ip TYPE varchar(45),
         ALTER COLUMN mood TYPE text, ALTER COLUMN price TYPE numeric(12,2), ALTER COLUMN scan TYPE bytea USING NULL`);
    const after = await preflight({ tableMappings: only('types') });
    expect(
      findingsOf(after, [
        'tables.pk-lob-type',
        'tables.unsupported-types',
        'tables.numeric-without-precision',
        'tables.oid-lob',
      ]),
    ).toEqual([]);
  });

  it('tables.partitioned: the parent warns, unselected partitions block', async () => {
    await inShop(`CREATE SCHEMA parts;
       CREATE TABLE parts.m (id int, at date, PRIMARY KEY (id, at)) PARTITION BY RANGE (at);
       CREATE TABLE parts.m_2025 PARTITION OF parts.m FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
       CREATE TABLE parts.m_2026 PARTITION OF parts.m FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')`);
    const parentOnly = parseTableMappings(
      selectionMappings({ name: 'parent', schema: 'parts', table: 'm', action: 'explicit' }),
    );
    const before = await preflight({ tableMappings: parentOnly });
    expect(finding(before, 'tables.partitioned').map((f) => [f.severity, f.observed])).toEqual([
      [
        'blocker',
        'logical decoding reports rows on the partitions, which are not selected: parts.m_2025, parts.m_2026',
      ],
      ['warning', 'parts.m'],
    ]);
    const partitionsOnly = parseTableMappings(
      selectionMappings({ name: 'partitions', schema: 'parts', table: 'm[_]%' }),
    );
    const after = await preflight({ tableMappings: partitionsOnly });
    expect(after.source.tablesInScope).toBe(2);
    expect(finding(after, 'tables.partitioned')).toEqual([]);
  });

  it('tables.case-conflict, tables.unlogged, tables.unique-index-coalesce, tables.deferrable-constraints', async () => {
    await inShop(`CREATE SCHEMA misc;
       CREATE TABLE misc.items (id int PRIMARY KEY, name text);
       CREATE TABLE misc."Items" (id int PRIMARY KEY);
       CREATE UNLOGGED TABLE misc.scratch (id int PRIMARY KEY);
       CREATE UNIQUE INDEX items_name_key ON misc.items (coalesce(name, ''));
       CREATE TABLE misc.lines (id int PRIMARY KEY, item int REFERENCES misc.items DEFERRABLE INITIALLY DEFERRED)`);
    const before = await preflight({ tableMappings: only('misc') });
    expect(finding(before, 'tables.case-conflict')[0]?.observed).toBe('misc.Items / misc.items');
    expect(finding(before, 'tables.unlogged')[0]?.observed).toBe('misc.scratch');
    expect(finding(before, 'tables.unique-index-coalesce')[0]?.observed).toBe(
      'misc.items (misc.items_name_key)',
    );
    expect(finding(before, 'tables.deferrable-constraints')[0]?.observed).toBe(
      'misc.lines (lines_item_fkey)',
    );
    await inShop(`DROP TABLE misc."Items"; ALTER TABLE misc.scratch SET LOGGED; DROP INDEX misc.items_name_key;
       CREATE UNIQUE INDEX items_name_key ON misc.items (name) NULLS NOT DISTINCT;
       ALTER TABLE misc.lines ALTER CONSTRAINT lines_item_fkey NOT DEFERRABLE`);
    const after = await preflight({ tableMappings: only('misc') });
    expect(
      findingsOf(after, [
        'tables.case-conflict',
        'tables.unlogged',
        'tables.unique-index-coalesce',
        'tables.deferrable-constraints',
      ]),
    ).toEqual([]);
  });

  it('tables.replica-identity-full-with-pglogical and plugin.pglogical when pglogical is asked for', async () => {
    await inShop(
      'CREATE SCHEMA ident; CREATE TABLE ident.events (id int, body text); ALTER TABLE ident.events REPLICA IDENTITY FULL',
    );
    const report = await preflight({ tableMappings: only('ident'), plugin: 'pglogical' });
    expect(finding(report, 'tables.replica-identity-full-with-pglogical')[0]?.severity).toBe('blocker');
    expect(finding(report, 'plugin.pglogical').map((f) => f.title)).toEqual([
      'pglogical is not in shared_preload_libraries',
      'The pglogical extension is not created in database shop',
    ]);
    // With test_decoding REPLICA IDENTITY FULL is fine: only the missing primary key is noted.
    const decoding = await preflight({ tableMappings: only('ident') });
    expect(finding(decoding, 'tables.replica-identity-full-with-pglogical')).toEqual([]);
    expect(finding(decoding, 'plugin.pglogical')).toEqual([]);
    expect(finding(decoding, 'tables.primary-key').map((f) => f.severity)).toEqual(['warning']);
  });

  it('tables.none-selected for mappings that select nothing', async () => {
    const report = await preflight({ tableMappings: only('no_such_schema') });
    expect(finding(report, 'tables.none-selected')[0]?.severity).toBe('blocker');
  });
});

describe('role and DDL capture prerequisites with a non-superuser', () => {
  it('role.replication, role.select-on-tables, role.ddl-capture-artifacts, plugin.test-decoding', async () => {
    await inShop(
      `CREATE ROLE dms_user LOGIN; CREATE SCHEMA app; CREATE TABLE app.orders (id int PRIMARY KEY)`,
    );
    const before = await preflight({ tableMappings: only('app') }, 'dms_user');
    expect(finding(before, 'role.replication')[0]?.remedy).toBe('ALTER ROLE dms_user WITH REPLICATION;');
    expect(finding(before, 'role.select-on-tables')[0]?.observed).toBe(
      'no USAGE on the schema or no SELECT on: app.orders',
    );
    expect(finding(before, 'role.ddl-capture-artifacts')[0]?.severity).toBe('warning');
    // Only a superuser may LOAD a module: the probe cannot run, and no slot proves test_decoding.
    expect(finding(before, 'plugin.test-decoding')[0]?.severity).toBe('warning');

    await inShop(`ALTER ROLE dms_user WITH REPLICATION;
       GRANT USAGE ON SCHEMA app TO dms_user; GRANT SELECT ON ALL TABLES IN SCHEMA app TO dms_user;
       GRANT CREATE ON SCHEMA public TO dms_user`);
    // The DMS procedure for a non-master user: the table and function as that user, the trigger as superuser.
    await inShop(`SET ROLE dms_user;
       CREATE TABLE public.awsdms_ddl_audit (c_key bigserial PRIMARY KEY, c_time timestamp, c_user varchar(64),
         c_txn varchar(16), c_tag varchar(24), c_oid integer, c_name varchar(64), c_schema varchar(64), c_ddlqry text);
       CREATE FUNCTION public.awsdms_intercept_ddl() RETURNS event_trigger LANGUAGE plpgsql SECURITY DEFINER AS $$
       BEGIN
         IF tg_tag IN ('CREATE TABLE', 'ALTER TABLE', 'DROP TABLE') THEN
           INSERT INTO public.awsdms_ddl_audit VALUES (DEFAULT, current_timestamp, current_user,
             cast(txid_current() AS varchar(16)), tg_tag, 0, '', current_schema, current_query());
           DELETE FROM public.awsdms_ddl_audit;
         END IF;
       END $$;
       RESET ROLE;
       CREATE EVENT TRIGGER awsdms_intercept_ddl ON ddl_command_end EXECUTE PROCEDURE public.awsdms_intercept_ddl()`);
    const withTrigger = await preflight({ tableMappings: only('app') }, 'dms_user');
    expect(finding(withTrigger, 'role.replication')).toEqual([]);
    expect(finding(withTrigger, 'role.select-on-tables')).toEqual([]);
    expect(finding(withTrigger, 'role.ddl-capture-artifacts')).toEqual([]);
    expect(finding(withTrigger, 'ddl.event-trigger-enable-always')[0]?.remedy).toBe(
      'ALTER EVENT TRIGGER awsdms_intercept_ddl ENABLE ALWAYS;',
    );

    await inShop('ALTER EVENT TRIGGER awsdms_intercept_ddl ENABLE ALWAYS');
    const always = await preflight({ tableMappings: only('app') }, 'dms_user');
    expect(finding(always, 'ddl.event-trigger-enable-always')).toEqual([]);
    // As superuser the module probe runs and finds test_decoding.
    expect(finding(await preflight({ tableMappings: only('app') }), 'plugin.test-decoding')).toEqual([]);
  });
});
