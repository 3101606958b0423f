import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { pgPreflightGatherers } from '../../src/adapters/pg/preflight/index.js';
import type { PreflightOptions } from '../../src/core/preflight/context.js';
import type { PreflightReport } from '../../src/core/preflight/report.js';
import { runPreflight } from '../../src/core/preflight/run.js';
import { type PgNode, primaryForFile, sleep, standbyForFile } from '../support/pg.js';

const opened: pg.Client[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((c) => c.end().catch(() => undefined)));
});

async function preflight(node: PgNode, options: PreflightOptions = {}): Promise<PreflightReport> {
  const client = await node.connect();
  try {
    return await runPreflight(pgPreflightGatherers({ db: client, describe: node.name }), options);
  } finally {
    await client.end();
  }
}

async function session(node: PgNode, config: pg.ClientConfig = {}): Promise<pg.Client> {
  const client = new pg.Client({ ...node.connectionConfig(), ...config });
  client.on('error', () => undefined);
  await client.connect();
  opened.push(client);
  return client;
}

const finding = (report: PreflightReport, id: string) => report.findings.filter((f) => f.id === id);
const severities = (report: PreflightReport, id: string) => finding(report, id).map((f) => f.severity);

async function primary(name: string, settings: Record<string, string | number> = {}): Promise<PgNode> {
  const node = await primaryForFile({ name, settings });
  await node.query('CREATE TABLE orders (id int PRIMARY KEY, note text)');
  return node;
}

describe('workload on PostgreSQL 17', () => {
  it('workload.long-running-transactions: an open transaction on another connection, then committed', async () => {
    const node = await primary('preflight-longtx');
    const other = await session(node, { application_name: 'batch-job' });
    await other.query('BEGIN');
    await other.query(`INSERT INTO orders VALUES (1, 'held open')`);
    await sleep(1100);
    const open = await preflight(node, { longTransactionSeconds: 1 });
    expect(finding(open, 'workload.long-running-transactions')[0]).toMatchObject({ severity: 'warning' });
    expect(finding(open, 'workload.long-running-transactions')[0]?.observed).toMatch(
      /^pid \d+ \(postgres, batch-job, idle in transaction, [1-9]\d* s, has written\)$/,
    );
    await other.query('COMMIT');
    expect(
      finding(await preflight(node, { longTransactionSeconds: 1 }), 'workload.long-running-transactions'),
    ).toEqual([]);
  });

  it('workload.prepared-transactions: blocks until COMMIT PREPARED', async () => {
    const node = await primary('preflight-2pc', { max_prepared_transactions: 5 });
    await node.query(
      `BEGIN; INSERT INTO orders VALUES (2, 'prepared'); PREPARE TRANSACTION 'dms_preflight_tx'`,
    );
    const prepared = await preflight(node);
    expect(finding(prepared, 'workload.prepared-transactions')[0]).toMatchObject({
      severity: 'blocker',
      remedy: "COMMIT PREPARED '<gid>'; or ROLLBACK PREPARED '<gid>'; as the owner, in its database",
    });
    expect(finding(prepared, 'workload.prepared-transactions')[0]?.observed).toMatch(
      /^'dms_preflight_tx' \(postgres@postgres, \d+ s\)$/,
    );
    await node.query(`COMMIT PREPARED 'dms_preflight_tx'`);
    expect(finding(await preflight(node), 'workload.prepared-transactions')).toEqual([]);
  });
});

describe('an existing slot on PostgreSQL 17', () => {
  it('slot.exists, slot.logical, slot.plugin-matches, slot.database-matches, slot.two-phase', async () => {
    const node = await primary('preflight-slot-kinds');
    const missing = await preflight(node, { slotName: 'dms_slot' });
    expect(severities(missing, 'slot.exists')).toEqual(['blocker']);

    await node.query('CREATE DATABASE other');
    await node.query(`SELECT pg_create_physical_replication_slot('phys_slot')`);
    await node.query(`SELECT pg_create_logical_replication_slot('pgoutput_slot', 'pgoutput')`);
    await node.query(
      `SELECT pg_create_logical_replication_slot('other_db_slot', 'test_decoding')`,
      [],
      'other',
    );
    await node.query(
      `SELECT pg_create_logical_replication_slot('two_phase_slot', 'test_decoding', false, true)`,
    );
    await node.query(
      `SELECT pg_create_logical_replication_slot('dms_slot', 'test_decoding', false, false, true)`,
    );

    expect(severities(await preflight(node, { slotName: 'phys_slot' }), 'slot.logical')).toEqual(['blocker']);
    const pgoutput = await preflight(node, { slotName: 'pgoutput_slot', plugin: 'test-decoding' });
    expect(finding(pgoutput, 'slot.plugin-matches')[0]?.title).toBe(
      'pgoutput_slot decodes with pgoutput, which DMS cannot read',
    );
    const otherDb = await preflight(node, { slotName: 'other_db_slot' });
    expect(finding(otherDb, 'slot.database-matches')[0]?.observed).toBe(
      'slot database = other, source endpoint database = postgres',
    );
    expect(severities(await preflight(node, { slotName: 'two_phase_slot' }), 'slot.two-phase')).toEqual([
      'blocker',
    ]);

    const good = await preflight(node, { slotName: 'dms_slot' });
    const slotIds = good.findings.filter((f) => f.id.startsWith('slot.')).map((f) => `${f.id} ${f.severity}`);
    // No standby yet: the failover slot has nothing to be synced to.
    expect(slotIds).toEqual(['slot.failover-ready warning', 'slot.confirmed-flush-lsn info']);
    const [truth] = await node.query<{ lsn: string }>(
      `SELECT confirmed_flush_lsn::text AS lsn FROM pg_replication_slots WHERE slot_name = 'dms_slot'`,
    );
    expect(finding(good, 'slot.confirmed-flush-lsn')[0]?.expected).toBe(`CdcStartPosition >= ${truth?.lsn}`);
  });

  it('slot.inactive: blocks while a walsender streams from the slot, passes once it disconnects', async () => {
    const node = await primary('preflight-active');
    await node.query(`SELECT pg_create_logical_replication_slot('dms_slot', 'test_decoding')`);
    const walsender = await session(node, {
      replication: 'database',
      application_name: 'old-dms-task',
    } as pg.ClientConfig);
    // START_REPLICATION never completes as a query: the slot stays acquired while the stream is open.
    walsender.query('START_REPLICATION SLOT dms_slot LOGICAL 0/0').catch(() => undefined);
    await waitFor(async () => {
      const [row] = await node.query<{ active: boolean }>(
        `SELECT active FROM pg_replication_slots WHERE slot_name = 'dms_slot'`,
      );
      return row?.active === true;
    });
    const held = await preflight(node, { slotName: 'dms_slot' });
    expect(finding(held, 'slot.inactive')[0]?.observed).toMatch(/^active, held by pid \d+ \(old-dms-task\)$/);
    expect(held.source.roundTrips).toBe(3); // a slot decodes with test_decoding: no LOAD probe needed

    await walsender.end();
    await waitFor(async () => {
      const [row] = await node.query<{ active: boolean }>(
        `SELECT active FROM pg_replication_slots WHERE slot_name = 'dms_slot'`,
      );
      return row?.active === false;
    });
    expect(finding(await preflight(node, { slotName: 'dms_slot' }), 'slot.inactive')).toEqual([]);
  });

  it('slot.wal-reserved: unreserved warns, lost (max_slot_wal_keep_size) blocks, a new slot passes', async () => {
    const node = await primary('preflight-lost', { max_slot_wal_keep_size: '1MB', wal_keep_size: 0 });
    await node.query(`SELECT pg_create_logical_replication_slot('dms_slot', 'test_decoding')`);
    const status = async () =>
      (
        await node.query<{ s: string }>(
          `SELECT wal_status AS s FROM pg_replication_slots WHERE slot_name = 'dms_slot'`,
        )
      )[0]?.s;
    // Switching segments without a checkpoint takes the slot past the limit: unreserved.
    for (let i = 0; i < 3 && (await status()) === 'reserved'; i += 1) {
      await node.query(
        `INSERT INTO orders SELECT g, repeat('x', 100) FROM generate_series(${i * 1000 + 1}, ${(i + 1) * 1000}) g`,
      );
      await node.query('SELECT pg_switch_wal()');
    }
    expect(await status()).toBe('unreserved');
    expect(severities(await preflight(node, { slotName: 'dms_slot' }), 'slot.wal-reserved')).toEqual([
      'warning',
    ]);
    // The next checkpoint removes the WAL and invalidates the slot.
    await waitFor(async () => {
      await node.query('SELECT pg_switch_wal()');
      await node.query('CHECKPOINT');
      return (await status()) === 'lost';
    });
    const lost = await preflight(node, { slotName: 'dms_slot' });
    expect(finding(lost, 'slot.wal-reserved')[0]).toMatchObject({
      severity: 'blocker',
      observed: 'wal_status = lost, invalidation_reason = wal_removed',
    });
    await node.query(`SELECT pg_drop_replication_slot('dms_slot')`);
    await node.query(`SELECT pg_create_logical_replication_slot('dms_slot', 'test_decoding')`);
    expect(finding(await preflight(node, { slotName: 'dms_slot' }), 'slot.wal-reserved')).toEqual([]);
  });

  it('slot.failover-ready: passes once a standby syncs the failover slot', async () => {
    const node = await primary('preflight-failover');
    await node.query(`SELECT pg_create_logical_replication_slot('plain_slot', 'test_decoding')`);
    await node.query(
      `SELECT pg_create_logical_replication_slot('dms_slot', 'test_decoding', false, false, true)`,
    );
    expect(
      finding(await preflight(node, { slotName: 'plain_slot' }), 'slot.failover-ready')[0]?.observed,
    ).toBe('failover = false');
    await standbyForFile(node);
    await waitFor(async () => {
      const [row] = await node.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_replication_slots WHERE slot_type = 'physical' AND active`,
      );
      return row?.n === 1;
    });
    expect(finding(await preflight(node, { slotName: 'dms_slot' }), 'slot.failover-ready')).toEqual([]);
  });
});

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(50);
  }
}
