import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { pgPreflightGatherers } from '../../src/adapters/pg/preflight/index.js';
import type { PreflightOptions } from '../../src/core/preflight/context.js';
import type { PreflightReport } from '../../src/core/preflight/report.js';
import { runPreflight } from '../../src/core/preflight/run.js';
import { type PgNode, primaryForFile, standbyForFile } from '../support/pg.js';

async function preflight(
  node: PgNode,
  options: PreflightOptions = {},
  database = 'postgres',
): Promise<PreflightReport> {
  const client = await node.connect(database);
  try {
    return await runPreflight(pgPreflightGatherers({ db: client, describe: node.name }), options);
  } finally {
    await client.end();
  }
}

const ids = (report: PreflightReport, severity: string) =>
  report.findings.filter((f) => f.severity === severity).map((f) => f.id);

// Each server-level prerequisite broken at once on a real PostgreSQL 17, then fixed the way the
// remedies say (ALTER SYSTEM + restart), and the same checks pass.
const BROKEN = {
  wal_level: 'replica',
  max_replication_slots: 0,
  max_wal_senders: 0,
  wal_sender_timeout: '5s',
  max_slot_wal_keep_size: '64MB',
  idle_in_transaction_session_timeout: '60s',
  logical_decoding_work_mem: '1MB',
} as const;

describe('preflight server settings on PostgreSQL 17', () => {
  it('finds every broken setting, with the observed value, then passes once fixed', async () => {
    const node = await primaryForFile({ name: 'preflight-settings', settings: BROKEN });
    await node.query('CREATE TABLE orders (id int PRIMARY KEY)');
    const broken = await preflight(node);
    expect(ids(broken, 'blocker')).toEqual([
      'server.wal-level',
      'server.max-replication-slots',
      'server.max-wal-senders',
      'server.wal-sender-timeout',
    ]);
    expect(ids(broken, 'warning')).toEqual([
      'server.max-slot-wal-keep-size',
      'server.idle-in-transaction-timeout',
      'server.logical-decoding-work-mem',
    ]);
    const observed = Object.fromEntries(broken.findings.map((f) => [f.id, f.observed]));
    expect(observed).toMatchObject({
      'server.wal-level': 'wal_level = replica',
      'server.max-replication-slots': 'max_replication_slots = 0, 0 in use',
      'server.max-wal-senders': 'max_wal_senders = 0, 0 running',
      'server.wal-sender-timeout': 'wal_sender_timeout = 5000ms',
      'server.max-slot-wal-keep-size': 'max_slot_wal_keep_size = 64MB',
      'server.idle-in-transaction-timeout': 'idle_in_transaction_session_timeout = 60000ms for postgres',
      'server.logical-decoding-work-mem': 'logical_decoding_work_mem = 1024kB',
    });
    expect(broken.source).toMatchObject({
      platform: 'self-managed',
      serverVersion: expect.stringMatching(/^17\./),
    });

    // A pending wal_level change is reported as such before the restart.
    await node.query(`ALTER SYSTEM SET wal_level = 'logical'`);
    await node.query('SELECT pg_reload_conf()');
    const pending = await preflight(node);
    expect(pending.findings.find((f) => f.id === 'server.wal-level')?.remedy).toBe(
      'A new wal_level is configured but not active: restart PostgreSQL',
    );

    for (const sql of [
      'ALTER SYSTEM SET max_replication_slots = 10',
      'ALTER SYSTEM SET max_wal_senders = 10',
      `ALTER SYSTEM SET wal_sender_timeout = '60s'`,
      'ALTER SYSTEM SET max_slot_wal_keep_size = -1',
      'ALTER SYSTEM SET idle_in_transaction_session_timeout = 0',
      `ALTER SYSTEM SET logical_decoding_work_mem = '64MB'`,
    ])
      await node.query(sql);
    // ALTER SYSTEM writes postgresql.auto.conf, which wins over the harness's own file.
    await node.restart();
    const fixed = await preflight(node);
    expect([...ids(fixed, 'blocker'), ...ids(fixed, 'warning')]).toEqual([]);
    expect(ids(fixed, 'info')).toEqual(['server.version-supported']);
  });

  it('blocks a standby (server.in-recovery) and passes on its primary', async () => {
    const primary = await primaryForFile({ name: 'preflight-primary' });
    await primary.query('CREATE TABLE orders (id int PRIMARY KEY)');
    const standby = await standbyForFile(primary, { failoverSlotSync: false });
    expect(ids(await preflight(standby), 'blocker')).toContain('server.in-recovery');
    expect(ids(await preflight(primary), 'blocker')).not.toContain('server.in-recovery');
  });

  it('gathers the facts in a constant number of round trips', async () => {
    const node = await primaryForFile({ name: 'preflight-trips' });
    const before = (await preflight(node)).source.roundTrips;
    await node.query(`DO $$ BEGIN
      FOR i IN 1..200 LOOP EXECUTE format('CREATE TABLE t_%s (id int PRIMARY KEY, v text[])', i); END LOOP;
    END $$`);
    const after = await preflight(node);
    expect(after.source.tablesInScope).toBe(200);
    expect(after.source.roundTrips).toBe(before);
    // server, tables, activity, and the LOAD probe for test_decoding (superuser, no slot yet)
    expect(before).toBe(4);
  });
});

describe('the LOAD probe for test_decoding', () => {
  it('loads the module on a real server', async () => {
    const node = await primaryForFile({ name: 'preflight-probe' });
    const client = new pg.Client(node.connectionConfig());
    await client.connect();
    try {
      const { gatherSourceFacts } = await import('../../src/adapters/pg/preflight/source-facts.js');
      expect((await gatherSourceFacts(client)).facts.testDecoding).toBe('loaded');
    } finally {
      await client.end();
    }
  });
});
