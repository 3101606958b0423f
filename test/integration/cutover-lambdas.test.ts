import { Logger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeHandler as checkCatchUp } from '../../functions/check-catch-up.js';
import { makeHandler as verifyRowCounts } from '../../functions/verify-row-counts.js';
import { LocalSecretStore } from '../../src/adapters/local/secret-store.js';
import { CatchUpTimeoutError, RowCountMismatchError } from '../../src/core/cutover/errors.js';
import { TaskFailedError } from '../../src/core/dms/errors.js';
import { SlotNotFoundError } from '../../src/core/slot-errors.js';
import { selectionMappings } from '../../src/local/table-mappings.js';
import type { Dms, Task, TaskStatus } from '../../src/ports/dms.js';
import type { CdcLatency, DmsMetrics } from '../../src/ports/dms-metrics.js';
import { lambdaTestContext } from '../support/lambda-context.js';
import { type PgNode, primaryForFile } from '../support/pg.js';

/**
 * check-catch-up and verify-row-counts, the real handlers, against real PostgreSQL 17 servers (a
 * source with a logical slot and a target), with only DMS replaced: the slot is advanced here the way
 * DMS confirms progress, and the task status and latency are what a test says they are.
 */

const TASK_ARN = 'arn:aws:dms:us-east-1:123456789012:task:CUTOVERIT';
const INSTANCE_ARN = 'arn:aws:dms:us-east-1:123456789012:rep:RI1';
const ENV = { SOURCE_TLS: 'disable', TARGET_TLS: 'disable' };
const logger = new Logger({ serviceName: 'dms-cdc-it', logLevel: 'SILENT' });
const secrets = new LocalSecretStore();

let source: PgNode;
let target: PgNode;
let sourceSecretArn: string;
let targetSecretArn: string;

beforeAll(async () => {
  [source, target] = await Promise.all([
    primaryForFile({ name: 'cutover-src' }),
    primaryForFile({ name: 'cutover-tgt' }),
  ]);
  sourceSecretArn = secrets.register('cutover-src', source.url());
  targetSecretArn = secrets.register('cutover-tgt', target.url());
  await source.query(`SELECT pg_create_logical_replication_slot('dms_slot', 'test_decoding')`);
  const schema = `
    CREATE SCHEMA shop;
    CREATE TABLE shop.orders (id int PRIMARY KEY, note text);
    CREATE TABLE shop.customers (id int PRIMARY KEY);
    CREATE TABLE shop."Order ""Items""" (id int PRIMARY KEY);
    CREATE TABLE shop."select" (id int PRIMARY KEY);
    CREATE TABLE shop.scratch (id int);
    CREATE TABLE shop.events (id int, at date) PARTITION BY RANGE (at);
    CREATE TABLE shop.events_2026 PARTITION OF shop.events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
    CREATE TABLE audit.log (id int);`;
  for (const node of [source, target]) {
    await node.query('CREATE SCHEMA audit');
    for (const statement of schema.split(';').filter((s) => s.trim() !== '')) await node.query(statement);
  }
  const rows = `
    INSERT INTO shop.orders SELECT g, md5(g::text) FROM generate_series(1, 1500) g;
    INSERT INTO shop.customers SELECT g FROM generate_series(1, 40) g;
    INSERT INTO shop."Order ""Items""" SELECT g FROM generate_series(1, 7) g;
    INSERT INTO shop."select" SELECT g FROM generate_series(1, 3) g;
    INSERT INTO shop.events SELECT g, DATE '2026-03-01' FROM generate_series(1, 25) g;
    INSERT INTO audit.log SELECT g FROM generate_series(1, 9) g`;
  for (const node of [source, target]) {
    for (const statement of rows.split(';')) await node.query(statement);
  }
  // Only the source holds scratch rows: the exclude rule must keep them out of the comparison.
  await source.query('INSERT INTO shop.scratch SELECT g FROM generate_series(1, 5) g');
});

const context = (): Context => lambdaTestContext('cutover-it');

// --- check-catch-up ---------------------------------------------------------------------------------

/** The one DMS call check-catch-up makes, answered with the given status. */
function dmsWithTask(status: TaskStatus, lastFailureMessage?: string): Dms {
  const task = {
    arn: TASK_ARN,
    identifier: 'cutover-it',
    status,
    migrationType: 'cdc',
    replicationInstanceArn: INSTANCE_ARN,
    lastFailureMessage,
  } as Task;
  return { describeTask: async () => task } as unknown as Dms;
}

function metrics(latency: CdcLatency): DmsMetrics & { asked: unknown[] } {
  const asked: unknown[] = [];
  return {
    asked,
    cdcLatencySeconds: async (task) => {
      asked.push(task);
      return latency;
    },
  };
}

const THRESHOLDS = {
  maxLagBytes: 4096,
  maxLatencySeconds: 30,
  consecutivePolls: 2,
  pollSeconds: 1,
  catchUpTimeoutSeconds: 600,
};

function poll(
  previous: unknown,
  options: { status?: TaskStatus; latency?: CdcLatency; slotName?: string } = {},
) {
  const handler = checkCatchUp({
    dms: dmsWithTask(options.status ?? 'running', 'slot gone'),
    metrics: metrics(options.latency ?? { source: 1, target: 2 }),
    secrets,
    logger,
    env: ENV,
  });
  return handler(
    {
      taskArn: TASK_ARN,
      source: { secretArn: sourceSecretArn, database: 'postgres' },
      slotName: options.slotName ?? 'dms_slot',
      thresholds: THRESHOLDS,
      previous,
    },
    context(),
  );
}

/** Writes WAL that the slot has not confirmed: about 200 kB. */
async function writeChanges(): Promise<void> {
  await source.query(
    `INSERT INTO shop.orders SELECT g, repeat('x', 200) FROM generate_series(100001, 101000) g`,
  );
  await source.query('DELETE FROM shop.orders WHERE id > 100000');
}

/** What DMS does as it applies and confirms: the slot's confirmed_flush_lsn moves to the current position. */
async function confirmEverything(): Promise<void> {
  await source.query(`SELECT pg_replication_slot_advance('dms_slot', pg_current_wal_lsn())`);
}

describe('check-catch-up on PostgreSQL 17', () => {
  it('measures the slot lag exactly as PostgreSQL does, and is outside the thresholds while DMS lags', async () => {
    await writeChanges();

    const result = await poll(null);

    const [row] = await source.query<{ lag: string; confirmed: string }>(
      `SELECT (pg_current_wal_lsn() - confirmed_flush_lsn)::text AS lag, confirmed_flush_lsn::text AS confirmed
         FROM pg_replication_slots WHERE slot_name = 'dms_slot'`,
    );
    expect(result.confirmedFlushLsn).toBe(row?.confirmed);
    expect(result.lagBytes).toBeGreaterThan(100_000);
    // Nothing wrote in between but this check's own read: the two measures agree within a few records.
    expect(Math.abs(Number(row?.lag) - (result.lagBytes ?? 0))).toBeLessThan(4096);
    expect(result).toMatchObject({
      withinThresholds: false,
      consecutive: 0,
      caughtUp: false,
      polls: 1,
      latencySeconds: 2,
    });
  });

  it('counts consecutive polls once DMS has confirmed the changes, and is caught up on the second', async () => {
    await writeChanges();
    await confirmEverything();

    const first = await poll(null);
    expect(first).toMatchObject({ withinThresholds: true, consecutive: 1, caughtUp: false });
    expect(first.lagBytes).toBeLessThanOrEqual(THRESHOLDS.maxLagBytes);
    expect(first.serverLsn).toMatch(/^[0-9A-F]+\/[0-9A-F]+$/);

    const second = await poll(first);
    expect(second).toMatchObject({
      withinThresholds: true,
      consecutive: 2,
      caughtUp: true,
      polls: 2,
      since: first.since,
    });

    await writeChanges();
    const lagging = await poll(second);
    expect(lagging).toMatchObject({ withinThresholds: false, consecutive: 0, caughtUp: false, polls: 3 });
  });

  it('does not count a poll with high DMS latency, even with no slot lag', async () => {
    await confirmEverything();

    expect(await poll(null, { latency: { source: 2, target: 45 } })).toMatchObject({
      lagBytes: expect.any(Number),
      latencySeconds: 45,
      withinThresholds: false,
    });
  });

  it('fails with CatchUpTimeoutError past the deadline', async () => {
    await writeChanges();
    const since = new Date(Date.now() - 601_000).toISOString();

    await expect(poll({ consecutive: 0, polls: 60, since })).rejects.toBeInstanceOf(CatchUpTimeoutError);
  });

  it('fails with TaskFailedError for a failed task and SlotNotFoundError for a missing slot', async () => {
    await expect(poll(null, { status: 'failed' })).rejects.toBeInstanceOf(TaskFailedError);
    await expect(poll(null, { slotName: 'no_such_slot' })).rejects.toBeInstanceOf(SlotNotFoundError);
  });
});

// --- verify-row-counts ------------------------------------------------------------------------------

const MAPPINGS = selectionMappings(
  { name: 'shop', schema: 'shop' },
  { id: 2, name: 'no-scratch', schema: 'shop', table: 'scratch', action: 'exclude' },
);

/**
 * Strict verification of a task that stopped now: its checkpoint is the current position, so nothing
 * the slot holds is after it and the target must hold what the source holds (the rows were loaded on
 * both sides directly). test/integration/verify-at-checkpoint.test.ts covers writes after the stop.
 */
async function verify(strict: boolean) {
  const [position] = await source.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn');
  const dms = {
    describeTask: async (arn: string) =>
      ({ arn, status: 'stopped', recoveryCheckpoint: `checkpoint:V1#1#${position?.lsn}#0#0#*#0#0` }) as Task,
  } as unknown as Dms;
  return verifyRowCounts({ secrets, logger, env: ENV, dms })(
    {
      source: { secretArn: sourceSecretArn, database: 'postgres' },
      target: { secretArn: targetSecretArn, database: 'postgres' },
      tableMappings: MAPPINGS,
      strict,
      taskArn: TASK_ARN,
      slotName: 'dms_slot',
    },
    context(),
  );
}

const counted = (name: string, rows: number, targetRows: number | null = rows, strict = true) => ({
  name,
  sourceRows: rows,
  targetRows,
  expectedTargetRows: rows,
  postCheckpointDelta: strict ? 0 : null,
  truncatedAfterCheckpoint: false,
});

describe('verify-row-counts on PostgreSQL 17', () => {
  it('counts every selected table on both sides: quoted and reserved names, partitions, not the excluded table', async () => {
    const result = await verify(true);

    expect(result).toMatchObject({
      tables: [
        counted('shop.Order "Items"', 7),
        counted('shop.customers', 40),
        counted('shop.events_2026', 25),
        counted('shop.orders', 1500),
        counted('shop.select', 3),
      ],
      mismatchedTables: 0,
      skipped: null,
    });
    expect(result.boundary?.transactions.afterBoundary).toBe(0);
  });

  it('reports a difference and a table missing on the target, and fails on them when strict', async () => {
    await target.query('DELETE FROM shop.customers WHERE id > 38');
    await target.query('DROP TABLE shop."select"');
    try {
      const result = await verify(false);
      expect(result.mismatchedTables).toBe(2);
      expect(result.tables).toContainEqual(counted('shop.customers', 40, 38, false));
      expect(result.tables).toContainEqual(counted('shop.select', 3, null, false));

      const error = await verify(true).then(
        () => new Error('expected RowCountMismatchError'),
        (e: unknown) => e as Error,
      );
      expect(error).toBeInstanceOf(RowCountMismatchError);
      expect(error.message).toContain('shop.customers (source 40, target 38)');
      expect(error.message).toContain('shop.select (source 3, target missing)');
    } finally {
      await target.query('CREATE TABLE IF NOT EXISTS shop."select" (id int PRIMARY KEY)');
      await target.query(
        'INSERT INTO shop."select" SELECT g FROM generate_series(1, 3) g ON CONFLICT DO NOTHING',
      );
      await target.query(
        'INSERT INTO shop.customers SELECT g FROM generate_series(39, 40) g ON CONFLICT DO NOTHING',
      );
    }
  });

  it('closes every session it opened', async () => {
    await verify(false);
    await poll(null);

    const open = await source.query<{ n: string }>(
      `SELECT count(*)::text AS n FROM pg_stat_activity
        WHERE application_name IN ('dms-cdc-verify-row-counts', 'dms-cdc-check-catch-up')`,
    );
    expect(open[0]?.n).toBe('0');
  });
});
