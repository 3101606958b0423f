import { existsSync } from 'node:fs';
import pg from 'pg';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureSlot } from '../../src/adapters/pg/slot-admin.js';
import type { Finding } from '../../src/core/preflight/finding.js';
import type { PreflightReport } from '../../src/core/preflight/report.js';
import { OutputPluginNotAllowedError } from '../../src/core/slot-errors.js';
import { preflightJson } from '../support/cli.js';
import { binariesIn, type PgNode, primaryForFile, serverParameters, sleep } from '../support/pg.js';
import { PG15, pglogicalPrimary, pglogicalSlotRequest } from '../support/pglogical-request.js';

// Debian's PostgreSQL 15.20 has output_plugin_libraries (15.18 and the embedded 12-18 builds do not):
// a logical slot can only be created, or decoded, with a plugin whose library the parameter lists.
// The harness lists pglogical on the servers it starts with pglogical preloaded; the server here
// gets the parameter's built-in default instead, as a real server would have it.
const ID = 'plugin.output-plugin-libraries';
const parameter = existsSync(`${PG15}/postgres`)
  ? (await serverParameters(binariesIn(PG15))).get('output_plugin_libraries')
  : undefined;

/** `dms-cdc preflight ... --json` on this node. */
const preflight = (node: PgNode, args: string[]) => preflightJson(node.url(), args);

const findings = (report: PreflightReport): Finding[] => report.findings.filter((f) => f.id === ID);

/** pg_reload_conf() only signals the postmaster: wait until a new session sees `expected`. */
async function waitForSetting(node: PgNode, expected: string): Promise<void> {
  let seen: string | undefined;
  for (let i = 0; i < 200; i += 1) {
    const [row] = await node.query<{ value: string }>('SELECT current_setting($1) AS value', [
      'output_plugin_libraries',
    ]);
    seen = row?.value;
    if (seen === expected) return;
    await sleep(25);
  }
  throw new Error(`output_plugin_libraries is still ${seen}, expected ${expected}`);
}

describe.runIf(parameter)(
  'output_plugin_libraries on PostgreSQL 15 with pglogical (binaries that have it)',
  () => {
    let source: PgNode;
    const connect = async () => {
      const client = new pg.Client(source.connectionConfig());
      await client.connect();
      return client;
    };
    const request = (slotName: string) =>
      pglogicalSlotRequest(source, slotName, [{ schema: 'public', table: 'orders' }]);
    const slotCount = async (slotName: string) =>
      (
        await source.query<{ n: number }>(
          'SELECT count(*)::int AS n FROM pg_replication_slots WHERE slot_name = $1',
          [slotName],
        )
      )[0]?.n;

    beforeAll(async () => {
      source = await pglogicalPrimary('opl-pg15', { output_plugin_libraries: parameter?.bootValue ?? '' });
      // Everything else pglogical needs is in place: the parameter is the one thing missing.
      await source.query(`
      CREATE EXTENSION pglogical;
      CREATE TABLE orders (id int PRIMARY KEY, amount numeric);`);
      await source.query('SELECT pglogical.create_node(node_name := $1, dsn := $2)', [
        'dms_source',
        `host=127.0.0.1 port=${source.port} dbname=postgres`,
      ]);
    });

    it('blocks in preflight and in slot creation (OutputPluginNotAllowedError); the remedy, a reload without restart, fixes both', async () => {
      const [{ value: listed } = { value: '' }] = await source.query<{ value: string }>(
        `SELECT setting AS value FROM pg_settings WHERE name = 'output_plugin_libraries'`,
      );
      expect(listed).toBe('pgoutput, test_decoding');

      const before = await preflight(source, ['--plugin', 'pglogical']);
      const remedy =
        "ALTER SYSTEM SET output_plugin_libraries = 'pgoutput', 'test_decoding', 'pglogical'; then SELECT pg_reload_conf();";
      expect(findings(before.report)).toEqual([
        expect.objectContaining({
          severity: 'blocker',
          observed: 'output_plugin_libraries = pgoutput, test_decoding; plugin pglogical (option)',
          remedy,
        }),
      ]);
      expect(before.report.summary.blockers).toBe(1);
      expect(before.status).toBe(1);

      // The blocker is real: the product's slot creation is refused, with a typed error, and creates nothing.
      const refused = await ensureSlot(connect, request('dms_opl_slot')).catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(OutputPluginNotAllowedError);
      expect(refused).toMatchObject({
        name: 'OutputPluginNotAllowedError',
        setting: 'output_plugin_libraries',
        slotName: 'dms_opl_slot',
        plugin: 'pglogical',
        listed: ['pgoutput', 'test_decoding'],
        message:
          'cannot create replication slot "dms_opl_slot": the server does not allow "pglogical" as an output plugin ' +
          '(output_plugin_libraries = pgoutput, test_decoding)',
        remedy: expect.stringContaining(remedy),
      });
      expect(await slotCount('dms_opl_slot')).toBe(0);

      // The remedy as printed, statement by statement (ALTER SYSTEM cannot run in a transaction block).
      const postmaster = source.postmasterPid();
      for (const statement of remedy.split('; then ')) await source.query(statement);
      await waitForSetting(source, 'pgoutput, test_decoding, pglogical');
      expect(source.postmasterPid()).toBe(postmaster);

      const after = await preflight(source, ['--plugin', 'pglogical']);
      expect(findings(after.report)).toEqual([]);
      expect(after.report.summary.blockers).toBe(0);
      expect(after.status).toBe(0);
      const created = await ensureSlot(connect, request('dms_opl_slot'));
      expect(created.created).toBe(true);
      expect(created.reading.slot).toMatchObject({ plugin: 'pglogical', slotType: 'logical' });
    });

    it('an existing pglogical slot cannot be decoded once pglogical leaves the list: still a blocker', async () => {
      await source.query('ALTER SYSTEM RESET output_plugin_libraries');
      await source.query('SELECT pg_reload_conf()');
      await waitForSetting(source, 'pgoutput, test_decoding');

      await expect(
        source.query('SELECT * FROM pg_logical_slot_peek_changes($1, NULL, NULL)', ['dms_opl_slot']),
      ).rejects.toMatchObject({ code: '42501' });
      const bySlot = await preflight(source, ['--slot', 'dms_opl_slot']);
      expect(bySlot.report.source).toMatchObject({ plugin: 'pglogical', pluginChosenBy: 'slot' });
      expect(findings(bySlot.report).map((f) => f.severity)).toEqual(['blocker']);
      expect(bySlot.status).toBe(1);
    });
  },
);

describe('a server without output_plugin_libraries', () => {
  it('PostgreSQL 17 (embedded): no such parameter, no finding', async () => {
    const node = await primaryForFile({ name: 'opl-pg17' });
    expect((await serverParameters(node.binaries)).has('output_plugin_libraries')).toBe(false);
    const [{ n } = { n: -1 }] = await node.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_settings WHERE name = 'output_plugin_libraries'`,
    );
    expect(n).toBe(0);
    const { report } = await preflight(node, ['--plugin', 'test-decoding']);
    expect(findings(report)).toEqual([]);
  });
});
