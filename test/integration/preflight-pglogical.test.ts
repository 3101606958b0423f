import { beforeAll, describe, expect, it } from 'vitest';
import { gatherSourceFacts } from '../../src/adapters/pg/preflight/source-facts.js';
import type { Finding } from '../../src/core/preflight/finding.js';
import type { PreflightReport } from '../../src/core/preflight/report.js';
import { preflightJson } from '../support/cli.js';
import { type PgNode, primaryForFile, sleep } from '../support/pg.js';
import { PG15, pglogicalPrimary } from '../support/pglogical-request.js';

// The pglogical checks run live here, on the system PostgreSQL 15 with the Debian package
// postgresql-15-pglogical (installed by .ci/run); the embedded PostgreSQL 17 has no pglogical.

/** shared_preload_libraries = pglogical: the extension can be created. */
let source: PgNode;
/** Another library preloaded, but not pglogical: the extension cannot even be created. */
let unloaded: PgNode;

beforeAll(async () => {
  [source, unloaded] = await Promise.all([
    pglogicalPrimary('preflight-pgl'),
    primaryForFile({
      name: 'preflight-no-pgl',
      binDir: PG15,
      settings: { shared_preload_libraries: 'pg_stat_statements' },
    }),
  ]);
  await source.query('CREATE SCHEMA sales; CREATE TABLE sales.orders (id int PRIMARY KEY, amount numeric)');
  await source.query('CREATE DATABASE shop');
  await unloaded.query('CREATE TABLE orders (id int PRIMARY KEY, amount numeric)');
});

/** `dms-cdc preflight ... --json` on `database` of this node. */
const preflight = (node: PgNode, args: string[] = [], database = 'postgres') =>
  preflightJson(node.url(database), args);

/** pg_reload_conf() only signals the postmaster: new sessions see the new value a moment later. */
async function waitUntil(condition: () => Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`not true after ${timeoutMs} ms`);
    await sleep(25);
  }
}

const findings = (report: PreflightReport, id: string): Finding[] =>
  report.findings.filter((f) => f.id === id);
const titles = (report: PreflightReport, id: string) => findings(report, id).map((f) => f.title);
const remedy = (report: PreflightReport, id: string, index = 0) => findings(report, id)[index]?.remedy ?? '';

describe('plugin.pglogical on PostgreSQL 15 with pglogical', () => {
  it('blocks while the extension is missing, then a node is missing; passes once both exist', async () => {
    // Without the extension DMS would pick test_decoding on its own: nothing about pglogical.
    const byDefault = await preflight(source);
    expect(byDefault.report.source).toMatchObject({
      plugin: 'test-decoding',
      pluginChosenBy: 'dms-default',
      serverVersionNum: expect.any(Number),
    });
    expect(Math.floor(byDefault.report.source.serverVersionNum / 10_000)).toBe(15);
    expect(findings(byDefault.report, 'plugin.pglogical')).toEqual([]);

    const missing = await preflight(source, ['--plugin', 'pglogical']);
    expect(missing.status).toBe(1);
    // pglogical is preloaded here: the extension is the only thing missing.
    expect(findings(missing.report, 'plugin.pglogical')).toEqual([
      expect.objectContaining({
        severity: 'blocker',
        title: 'The pglogical extension is not created in database postgres',
        observed: 'no pglogical in pg_extension',
        remedy: 'CREATE EXTENSION pglogical;',
      }),
    ]);

    await source.query(remedy(missing.report, 'plugin.pglogical'));
    // Now DMS itself would choose pglogical, and the provider node is what is missing.
    const noNode = await preflight(source);
    expect(noNode.report.source).toMatchObject({ plugin: 'pglogical', pluginChosenBy: 'dms-default' });
    expect(findings(noNode.report, 'plugin.pglogical')).toEqual([
      expect.objectContaining({
        severity: 'blocker',
        title: 'No pglogical node exists in the source database',
        observed: 'pglogical.local_node is empty',
      }),
    ]);
    expect(noNode.status).toBe(1);

    await source.query(
      `SELECT pglogical.create_node(node_name := 'dms_provider', dsn := 'host=127.0.0.1 port=${source.port} dbname=postgres')`,
    );
    const ready = await preflight(source);
    expect(findings(ready.report, 'plugin.pglogical')).toEqual([]);
    expect(ready.report.summary.blockers).toBe(0);
    expect(ready.status).toBe(0);
    // pglogical's own catalog tables (pglogical.node, .depend, ...) are extension members, not user data.
    expect(ready.report.source).toMatchObject({ tablesInScope: 1 });
    expect(ready.report.source.tablesInDatabase).toBeGreaterThan(1);

    // Asking for test-decoding on a server with pglogical installed is worth a note, not a blocker.
    const decoding = await preflight(source, ['--plugin', 'test-decoding']);
    expect(findings(decoding.report, 'plugin.pglogical').map((f) => f.severity)).toEqual(['info']);
    expect(decoding.status).toBe(0);
  });

  it('reads the pglogical facts and the PostgreSQL 15 slot columns as the checks expect', async () => {
    await source.query(`SELECT pg_create_logical_replication_slot('facts_pgl_slot', 'pglogical')`);
    const client = await source.connect();
    try {
      const { facts, roundTrips } = await gatherSourceFacts(client);
      expect(facts.pglogical).toEqual({ localNode: 'dms_provider' });
      expect(facts.extensions.find((e) => e.name === 'pglogical')).toMatchObject({ schema: 'pglogical' });
      expect(facts.server.settings.shared_preload_libraries?.value).toBe('pglogical');
      // two_phase exists on 15; failover, synced, conflicting and invalidation_reason came in 16/17.
      expect(facts.replication.slots.find((s) => s.slotName === 'facts_pgl_slot')).toMatchObject({
        plugin: 'pglogical',
        slotType: 'logical',
        walStatus: 'reserved',
        twoPhase: false,
        failover: null,
        synced: null,
        conflicting: null,
        invalidationReason: null,
      });
      // server, tables, activity, the pglogical node; a pglogical slot is no proof of test_decoding.
      expect(roundTrips).toBe(5);
    } finally {
      await client.end();
      await source.query(`SELECT pg_drop_replication_slot('facts_pgl_slot')`);
    }
  });
});

describe('shared_preload_libraries without pglogical (PostgreSQL 15)', () => {
  it('blocks, and the remedy as printed (ALTER SYSTEM, restart) fixes it, then the extension, node and output_plugin_libraries', async () => {
    // The blocker is real: the extension cannot be created without the preload.
    await expect(unloaded.query('CREATE EXTENSION pglogical')).rejects.toThrow(
      'pglogical is not in shared_preload_libraries',
    );
    const before = await preflight(unloaded, ['--plugin', 'pglogical']);
    expect(before.status).toBe(1);
    expect(titles(before.report, 'plugin.pglogical')).toEqual([
      'pglogical is not in shared_preload_libraries',
      'The pglogical extension is not created in database postgres',
    ]);
    const [preload] = findings(before.report, 'plugin.pglogical');
    expect(preload).toMatchObject({
      severity: 'blocker',
      observed: 'shared_preload_libraries = pg_stat_statements',
      // One literal per library: 'pg_stat_statements,pglogical' would be a single library of that
      // name, and the server would not start again.
      remedy:
        "ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements', 'pglogical'; then restart PostgreSQL",
    });

    await unloaded.query(preload?.remedy.replace(/; then restart PostgreSQL$/, '') ?? '');
    await unloaded.restart();
    const [setting] = await unloaded.query<{ setting: string }>(
      `SELECT setting FROM pg_settings WHERE name = 'shared_preload_libraries'`,
    );
    expect(setting?.setting).toBe('pg_stat_statements, pglogical');

    const preloaded = await preflight(unloaded, ['--plugin', 'pglogical']);
    expect(titles(preloaded.report, 'plugin.pglogical')).toEqual([
      'The pglogical extension is not created in database postgres',
    ]);
    await unloaded.query(remedy(preloaded.report, 'plugin.pglogical'));
    const created = await preflight(unloaded, ['--plugin', 'pglogical']);
    expect(titles(created.report, 'plugin.pglogical')).toEqual([
      'No pglogical node exists in the source database',
    ]);
    const createNode = remedy(created.report, 'plugin.pglogical');
    expect(createNode).toBe(
      "SELECT pglogical.create_node(node_name := 'postgres_provider', dsn := 'dbname=postgres');",
    );
    await unloaded.query(createNode);
    const noded = await preflight(unloaded, ['--plugin', 'pglogical']);
    expect(findings(noded.report, 'plugin.pglogical')).toEqual([]);

    // Binaries with output_plugin_libraries (Debian's 15.20) must also list pglogical there; the harness
    // lists it only on servers it starts with pglogical preloaded, and this one was not. A reload does it.
    const hasParameter = await unloaded.query(
      `SELECT 1 FROM pg_settings WHERE name = 'output_plugin_libraries'`,
    );
    const listing = findings(noded.report, 'plugin.output-plugin-libraries');
    expect(listing.map((f) => f.severity)).toEqual(hasParameter.length ? ['blocker'] : []);
    for (const finding of listing) {
      for (const statement of finding.remedy.split('; then ')) await unloaded.query(statement);
      await waitUntil(async () => {
        const [row] = await unloaded.query<{ listed: boolean }>(
          `SELECT 'pglogical' = ANY(string_to_array(current_setting($1), ', ')) AS listed`,
          ['output_plugin_libraries'],
        );
        return row?.listed === true;
      });
    }
    const after = await preflight(unloaded, ['--plugin', 'pglogical']);
    expect(findings(after.report, 'plugin.output-plugin-libraries')).toEqual([]);
    expect(after.status).toBe(0);
  });
});

describe('tables with pglogical (PostgreSQL 15, database shop)', () => {
  it('tables.replica-identity-full-with-pglogical: blocks REPLICA IDENTITY FULL, passes with a primary key and DEFAULT', async () => {
    await source.query(
      'CREATE TABLE events (id int NOT NULL, body text); ALTER TABLE events REPLICA IDENTITY FULL',
      [],
      'shop',
    );
    const full = await preflight(source, ['--plugin', 'pglogical'], 'shop');
    expect(findings(full.report, 'tables.replica-identity-full-with-pglogical')).toEqual([
      expect.objectContaining({
        severity: 'blocker',
        observed: 'plugin pglogical (option); REPLICA IDENTITY FULL: public.events',
        remedy:
          'Add primary keys, then: ALTER TABLE public.events REPLICA IDENTITY DEFAULT; Or set PluginName = test-decoding.',
      }),
    ]);
    expect(findings(full.report, 'tables.primary-key').map((f) => [f.severity, f.observed])).toEqual([
      ['warning', 'public.events (full)'],
    ]);
    // test_decoding handles REPLICA IDENTITY FULL.
    const decoding = await preflight(source, ['--plugin', 'test-decoding'], 'shop');
    expect(findings(decoding.report, 'tables.replica-identity-full-with-pglogical')).toEqual([]);

    await source.query(
      'ALTER TABLE events ADD PRIMARY KEY (id); ALTER TABLE public.events REPLICA IDENTITY DEFAULT',
      [],
      'shop',
    );
    const fixed = await preflight(source, ['--plugin', 'pglogical'], 'shop');
    expect(findings(fixed.report, 'tables.replica-identity-full-with-pglogical')).toEqual([]);
    expect(findings(fixed.report, 'tables.primary-key')).toEqual([]);
  });

  it('tables.primary-key with pglogical offers no REPLICA IDENTITY FULL, which would only trade blockers', async () => {
    await source.query('CREATE TABLE notes (body text)', [], 'shop');
    const keyless = await preflight(source, ['--plugin', 'pglogical'], 'shop');
    expect(findings(keyless.report, 'tables.primary-key')).toEqual([
      expect.objectContaining({
        severity: 'blocker',
        observed: 'no primary key and no replica identity: public.notes',
        expected: 'a primary key on every captured table (pglogical does not support REPLICA IDENTITY FULL)',
      }),
    ]);
    expect(remedy(keyless.report, 'tables.primary-key')).not.toContain('REPLICA IDENTITY FULL;');
    // With test_decoding the REPLICA IDENTITY FULL way out is offered, and it is one.
    const decoding = await preflight(source, ['--plugin', 'test-decoding'], 'shop');
    expect(remedy(decoding.report, 'tables.primary-key')).toContain(
      'ALTER TABLE public.notes REPLICA IDENTITY FULL;',
    );

    // What the test_decoding remedy would do under pglogical: one blocker replaced by another.
    await source.query('ALTER TABLE notes REPLICA IDENTITY FULL', [], 'shop');
    const traded = await preflight(source, ['--plugin', 'pglogical'], 'shop');
    expect(findings(traded.report, 'tables.replica-identity-full-with-pglogical')[0]?.severity).toBe(
      'blocker',
    );
    expect(traded.status).toBe(1);

    await source.query(
      'ALTER TABLE notes ADD COLUMN id bigserial PRIMARY KEY, REPLICA IDENTITY DEFAULT',
      [],
      'shop',
    );
    const fixed = await preflight(source, ['--plugin', 'pglogical'], 'shop');
    expect(
      fixed.report.findings.filter((f) => f.id.startsWith('tables.')).map((f) => `${f.id} ${f.severity}`),
    ).toEqual([]);
  });
});

describe('slot checks with a pglogical slot (PostgreSQL 15)', () => {
  it('slot.exists, then slot.plugin-matches against pglogical and test_decoding slots', async () => {
    const missing = await preflight(source, ['--slot', 'dms_pgl_slot', '--plugin', 'pglogical']);
    expect(findings(missing.report, 'slot.exists')[0]?.severity).toBe('blocker');
    const create = "SELECT pg_create_logical_replication_slot('dms_pgl_slot', 'pglogical');";
    expect(remedy(missing.report, 'slot.exists')).toContain(create);
    await source.query(create);
    await source.query(`SELECT pg_create_logical_replication_slot('dms_td_slot', 'test_decoding')`);

    const pglogicalSlot = await preflight(source, ['--slot', 'dms_pgl_slot', '--plugin', 'pglogical']);
    const slotIds = (report: PreflightReport) =>
      report.findings.filter((f) => f.id.startsWith('slot.')).map((f) => `${f.id} ${f.severity}`);
    // PostgreSQL 15 has no failover slots: a note, not a warning.
    expect(slotIds(pglogicalSlot.report)).toEqual([
      'slot.confirmed-flush-lsn info',
      'slot.failover-ready info',
    ]);
    const [truth] = await source.query<{ lsn: string }>(
      `SELECT confirmed_flush_lsn::text AS lsn FROM pg_replication_slots WHERE slot_name = 'dms_pgl_slot'`,
    );
    expect(findings(pglogicalSlot.report, 'slot.confirmed-flush-lsn')[0]?.expected).toBe(
      `CdcStartPosition >= ${truth?.lsn}`,
    );
    expect(pglogicalSlot.status).toBe(0);
    // Without --plugin the slot decides.
    const bySlot = await preflight(source, ['--slot', 'dms_pgl_slot']);
    expect(bySlot.report.source).toMatchObject({ plugin: 'pglogical', pluginChosenBy: 'slot' });
    expect(findings(bySlot.report, 'slot.plugin-matches')).toEqual([]);

    const testDecodingSlot = await preflight(source, ['--slot', 'dms_td_slot', '--plugin', 'pglogical']);
    expect(findings(testDecodingSlot.report, 'slot.plugin-matches')).toEqual([
      expect.objectContaining({
        severity: 'blocker',
        title: 'dms_td_slot decodes with test_decoding, not the pglogical the task will use',
        observed: 'plugin = test_decoding',
        expected: 'plugin = pglogical',
        remedy: 'Set PostgreSQLSettings.PluginName = test-decoding on the source endpoint',
      }),
    ]);
    expect(testDecodingSlot.status).toBe(1);
    // And the other way round.
    const asTestDecoding = await preflight(source, ['--slot', 'dms_pgl_slot', '--plugin', 'test-decoding']);
    expect(remedy(asTestDecoding.report, 'slot.plugin-matches')).toBe(
      'Set PostgreSQLSettings.PluginName = pglogical on the source endpoint',
    );
  });
});
