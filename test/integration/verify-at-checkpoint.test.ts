import { Logger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';
import type pg from 'pg';
import { beforeEach, describe, expect, it } from 'vitest';
import { makeHandler as verifyRowCounts } from '../../functions/verify-row-counts.js';
import { LocalDms } from '../../src/adapters/local/dms/engine.js';
import { LocalSecretStore } from '../../src/adapters/local/secret-store.js';
import { connectPg, type PgConnector } from '../../src/adapters/pg/client.js';
import { verifyOverPg } from '../../src/adapters/pg/verify/index.js';
import { CheckpointMissingError, RowCountMismatchError } from '../../src/core/cutover/errors.js';
import { groupTransactions, type SlotChangeRow } from '../../src/core/decoding/index.js';
import { lsnFromCheckpoint, parseLsn } from '../../src/core/lsn.js';
import { parseTableMappings } from '../../src/core/preflight/table-mappings.js';
import { SlotActiveError, SlotNotFoundError } from '../../src/core/slot-errors.js';
import { ContentMismatchError } from '../../src/core/verify/errors.js';
import { REPAIR_FOOTER, repairHeader } from '../../src/core/verify/repair.js';
import { DEMO_SCHEMA_SQL, DEMO_TRANSACTION_SQL } from '../../src/local/demo-schema.js';
import { lambdaTestContext } from '../support/lambda-context.js';
import { confirmedFlushLsn, localCdcTask, localSourceEndpoint } from '../support/local-dms.js';
import { type PgNode, primaryForFile } from '../support/pg.js';
import { ALL_TABLES_MAPPING, waitForConvergence, waitForStatus } from '../support/replication.js';
import { holdSlot } from '../support/slot-holder.js';
import { countedAtCheckpoint } from '../unit/cutover/fixtures.js';

/**
 * Strict row-count verification after the task stopped, with the source still taking writes: the real
 * handler, real PostgreSQL 17 source and target, the local DMS engine applying and stopping.
 */

const INSTANCE = 'arn:aws:dms:local:000000000000:rep:VERIFYCHECKPOINT';
const ENV = { SOURCE_TLS: 'disable', TARGET_TLS: 'disable' };
const logger = new Logger({ serviceName: 'dms-cdc-it', logLevel: 'SILENT' });

let source: PgNode;
let target: PgNode;
let dms: LocalDms;
let secrets: LocalSecretStore;
let run = 0;

beforeEach(async () => {
  [source, target] = await Promise.all([primaryForFile({ name: 'vsrc' }), primaryForFile({ name: 'vtgt' })]);
  await Promise.all([source.query(DEMO_SCHEMA_SQL), target.query(DEMO_SCHEMA_SQL)]);
  dms = new LocalDms();
  secrets = new LocalSecretStore();
  run += 1;
  return () => dms.shutdown();
});

const context = (): Context => lambdaTestContext('verify-it');

/** A CDC task on dms_slot from its confirmed_flush_lsn, started and running. */
async function runningTask(): Promise<string> {
  await source.query(`SELECT pg_create_logical_replication_slot('dms_slot', 'test_decoding')`);
  const src = await localSourceEndpoint(dms, `src-${run}`, source);
  const tgt = dms.registerTargetEndpoint(`tgt-${run}`, target.url());
  const task = await dms.createCdcTask(
    localCdcTask({
      identifier: `task-${run}`,
      replicationInstanceArn: INSTANCE,
      sourceEndpointArn: src.arn,
      targetEndpointArn: tgt.arn,
      cdcStartPosition: (await confirmedFlushLsn(source)) ?? '0/0',
    }),
  );
  await waitForStatus(dms, task.arn, ['ready']);
  await dms.startTask(task.arn, 'start-replication');
  await waitForStatus(dms, task.arn, ['running']);
  return task.arn;
}

/** Customers from..to, each with three orders, one transaction each. */
async function write(from: number, to: number): Promise<void> {
  for (let i = from; i <= to; i += 1) await source.query(DEMO_TRANSACTION_SQL, [i]);
}

/** The task applied `customers` transactions of write() and was stopped: the target holds exactly those. */
async function stoppedAfter(customers: number): Promise<string> {
  const arn = await runningTask();
  await write(1, customers);
  const diffs = await waitForConvergence(source, target);
  expect(diffs.flatMap((d) => [...d.missingOnTarget, ...d.extraOnTarget])).toEqual([]);
  await dms.stopTask(arn);
  await waitForStatus(dms, arn, ['stopped']);
  return arn;
}

function verify(taskArn: string, options: { connect?: PgConnector; slotName?: string } = {}) {
  const sourceSecretArn = secrets.register(`vsrc-${run}`, source.url());
  const targetSecretArn = secrets.register(`vtgt-${run}`, target.url());
  return verifyRowCounts({
    secrets,
    logger,
    env: ENV,
    dms,
    ...(options.connect ? { connect: options.connect } : {}),
  })(
    {
      source: { secretArn: sourceSecretArn, database: 'postgres' },
      target: { secretArn: targetSecretArn, database: 'postgres' },
      tableMappings: ALL_TABLES_MAPPING,
      strict: true,
      taskArn,
      slotName: options.slotName ?? 'dms_slot',
    },
    context(),
  );
}

async function slots(): Promise<Record<string, unknown>[]> {
  return source.query(
    `SELECT slot_name, temporary, active, restart_lsn::text, confirmed_flush_lsn::text, catalog_xmin::text
       FROM pg_replication_slots ORDER BY slot_name`,
  );
}

async function failure(promise: Promise<unknown>): Promise<Error> {
  return promise.then(
    () => new Error('expected the verification to fail'),
    (error: unknown) => error as Error,
  );
}

describe('strict verification compares the target with the source as of the stopped task', () => {
  it('passes a correct cutover while inserts, updates and deletes go on, and leaves the slot as it was', async () => {
    // A second slot from before the first write sees every transaction: where the checkpoint falls.
    await source.query(`SELECT pg_create_logical_replication_slot('witness', 'test_decoding')`);
    const arn = await stoppedAfter(10);
    const task = await dms.describeTask(arn);
    const checkpoint = lsnFromCheckpoint(task.recoveryCheckpoint);

    // The source goes on after the stop: 5 customers with 15 orders, 3 orders of an applied customer
    // deleted, 3 of a new one, and updates (which move no count).
    await write(11, 15);
    await source.query(`UPDATE shop.orders SET status = 'paid' WHERE customer_id <= 5`);
    await source.query(`UPDATE shop.customers SET name = 'renamed' WHERE id IN (3, 12)`);
    await source.query('DELETE FROM shop.orders WHERE customer_id IN (2, 12)');
    const before = await slots();

    const result = await verify(arn);

    expect(result.mismatchedTables).toBe(0);
    expect(result.tables).toEqual([
      countedAtCheckpoint('shop.customers', { source: 15, target: 10, expected: 10, delta: 5 }),
      countedAtCheckpoint('shop.orders', { source: 39, target: 30, expected: 30, delta: 9 }),
    ]);
    expect(parseLsn(result.boundaryLsn)).toBe(checkpoint);
    expect(result.boundary?.transactions).toEqual({ decoded: 8, afterBoundary: 8, visible: 8 });
    // (d) The task's slot is exactly as it was, and no copy is left behind.
    expect(await slots()).toEqual(before);
    expect(before.map((s) => s.slot_name)).toEqual(['dms_slot', 'witness']);

    // Where the engine's checkpoint stands: the COMMIT row lsn (the end of the commit record) of the
    // last transaction it applied, the tenth; the eleventh commits after it.
    const rows = await source.query<SlotChangeRow>(
      `SELECT lsn::text AS lsn, xid::text AS xid, data
         FROM pg_logical_slot_peek_changes('witness', NULL, NULL, 'include-xids', '1', 'skip-empty-xacts', '1')`,
    );
    const commits = groupTransactions(rows).transactions.map((t) => parseLsn(t.commitLsn));
    expect(commits[9]).toBe(checkpoint);
    expect(commits[10]).toBeGreaterThan(checkpoint);
  });

  it('fails a cutover that lost a row on the target, naming only that table', async () => {
    const arn = await stoppedAfter(10);
    await write(11, 13);
    await target.query('DELETE FROM shop.orders WHERE id = (SELECT max(id) FROM shop.orders)');

    const error = await failure(verify(arn));

    expect(error).toBeInstanceOf(RowCountMismatchError);
    expect((error as RowCountMismatchError).tables).toEqual([
      countedAtCheckpoint('shop.orders', { source: 39, target: 29, expected: 30, delta: 9 }),
    ]);
    expect(error.message).toContain(
      "1 table differ in row count between source and target after the task stopped: shop.orders (source 39 less 9 added after the task's checkpoint: expected 30, target 29)",
    );
  });

  it('fails a target with an extra row even when writes after the stop make the counts equal', async () => {
    const arn = await stoppedAfter(10);
    // One customer on the source after the stop, one row on the target the task never wrote.
    await source.query(`INSERT INTO shop.customers (email, name) VALUES ('late@example.com', 'Late')`);
    await target.query(
      `INSERT INTO shop.customers (id, email, name) OVERRIDING SYSTEM VALUE VALUES (1000, 'stray@example.com', 'Stray')`,
    );
    expect(await source.query('SELECT count(*)::int AS n FROM shop.customers')).toEqual(
      await target.query('SELECT count(*)::int AS n FROM shop.customers'),
    );

    const error = await failure(verify(arn));

    expect(error).toBeInstanceOf(RowCountMismatchError);
    expect(
      (error as RowCountMismatchError).tables.map((t) => [t.name, t.expectedTargetRows, t.targetRows]),
    ).toEqual([['shop.customers', 10, 11]]);
  });

  it('is exact with transactions committing around its snapshot', async () => {
    const arn = await stoppedAfter(10);
    await write(11, 12); // after the stop, before the verification: in the count, not on the target

    // A transaction whose commit record is in the WAL (the slot holds it) but which is not visible yet:
    // it waits for a synchronous standby that never answers, as a source with synchronous replication
    // does between flushing a commit and showing it. Its xid is in the snapshot's running list.
    await source.query(`ALTER SYSTEM SET synchronous_standby_names = 'nobody'`);
    await source.query('SELECT pg_reload_conf()');
    // The reload is a signal: a backend shows the new value only once the postmaster has read it, and only
    // a session started after that waits for the standby (under load that takes a moment).
    await expect
      .poll(
        async () =>
          (await source.query<{ synchronous_standby_names: string }>('SHOW synchronous_standby_names'))[0],
        {
          timeout: 10_000,
        },
      )
      .toEqual({ synchronous_standby_names: 'nobody' });
    const held = await source.connect('postgres', 'held-commit');
    let heldCommit: Promise<unknown> | undefined;
    // Transactions open when the snapshot is taken, committed (or begun and committed) while the
    // verification runs: the snapshot must not see them, whatever the decoding meets.
    const open = await source.connect('postgres', 'open-across');
    const still = await source.connect('postgres', 'open-throughout');
    try {
      await held.query('BEGIN');
      await held.query(`INSERT INTO shop.customers (email, name) VALUES ('held@example.com', 'Held')`);
      heldCommit = held.query('COMMIT');
      await expect
        .poll(
          async () =>
            (
              await source.query(
                `SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event = 'SyncRep'`,
              )
            )[0]?.n,
          { timeout: 10_000 },
        )
        .toBe(1);
      for (const session of [open, still]) {
        await session.query('SET synchronous_commit = local');
        await session.query('BEGIN');
        await session.query(DEMO_TRANSACTION_SQL, [500 + Number(session === still)]);
      }
      let fired = false;
      const connect: PgConnector = async (config) => {
        const session = await connectPg(config);
        const query = session.query.bind(session) as (...args: unknown[]) => Promise<pg.QueryResult>;
        return Object.assign(session, {
          query: async (...args: unknown[]) => {
            const result = await query(...args);
            if (!fired && String(args[0]).includes('txid_current_snapshot')) {
              fired = true;
              await open.query('COMMIT');
              await source.query(
                `SET synchronous_commit = local; ${DEMO_TRANSACTION_SQL.replaceAll('$1', '600')}`,
              );
            }
            return result;
          },
        }) as typeof session;
      };

      const result = await verify(arn, { connect });

      expect(fired).toBe(true);
      expect(result.mismatchedTables).toBe(0);
      expect(result.tables.map((t) => [t.name, t.sourceRows, t.postCheckpointDelta, t.targetRows])).toEqual([
        ['shop.customers', 12, 2, 10],
        ['shop.orders', 36, 6, 30],
      ]);
      // The held transaction was decoded (its commit record precedes the snapshot) but not counted: the
      // snapshot lists it as running. (Decoding may also meet the commit just past its end position.)
      expect(result.boundary?.transactions.visible).toBe(2);
      expect(result.boundary?.transactions.afterBoundary).toBeGreaterThanOrEqual(3);
    } finally {
      await source.query(`ALTER SYSTEM RESET synchronous_standby_names`);
      await source.query('SELECT pg_reload_conf()');
      await heldCommit?.catch(() => undefined);
      await still.query('COMMIT').catch(() => undefined);
      await Promise.all([held.end(), open.end(), still.end()]);
    }
  });
});

describe('strict verification where the slot cannot tell everything', () => {
  it('a slot confirmed past the checkpoint: compares from the slot position, so rows lost in between fail', async () => {
    const arn = await stoppedAfter(10);
    // Two transactions the task never applied, then the slot moved past them by someone else.
    await write(11, 12);
    await source.query(`SELECT pg_replication_slot_advance('dms_slot', pg_current_wal_lsn())`);
    await write(13, 13);

    const error = await failure(verify(arn));

    expect(error).toBeInstanceOf(RowCountMismatchError);
    expect(
      (error as RowCountMismatchError).tables.map((t) => [
        t.name,
        t.sourceRows,
        t.postCheckpointDelta,
        t.expectedTargetRows,
        t.targetRows,
      ]),
    ).toEqual([
      ['shop.customers', 13, 1, 12, 10],
      ['shop.orders', 39, 3, 36, 30],
    ]);
  });

  it('a table truncated after the checkpoint cannot be compared: a mismatch that says so', async () => {
    const arn = await stoppedAfter(3);
    await source.query('TRUNCATE shop.orders');
    await write(4, 4);

    const error = await failure(verify(arn));

    expect(error).toBeInstanceOf(RowCountMismatchError);
    expect((error as RowCountMismatchError).tables).toEqual([
      countedAtCheckpoint('shop.orders', { source: 3, target: 9, expected: null, delta: 3, truncated: true }),
    ]);
    expect(error.message).toContain(
      "shop.orders (truncated on the source after the task's checkpoint, so its count cannot be compared; target 9)",
    );
  });
});

describe('strict verification refuses what it cannot compare exactly', () => {
  it('a task that has not stopped: CheckpointMissingError', async () => {
    const arn = await runningTask();

    const error = await failure(verify(arn));

    expect(error).toBeInstanceOf(CheckpointMissingError);
    expect(error.name).toBe('CheckpointMissingError');
    expect(error.message).toMatch(/is running: its RecoveryCheckpoint is not final/);
  });

  it('a slot still held a moment after the task stopped (its walsender exiting) is waited for, then read', async () => {
    const arn = await stoppedAfter(2);
    const holder = await holdSlot(source, 'dms_slot', 'walsender-exiting');
    const released = new Promise<void>((resolve) =>
      setTimeout(() => void holder.release().then(resolve), 1_000),
    );

    const result = await verify(arn);
    await released;

    expect(result.mismatchedTables).toBe(0);
    expect(result.boundaryLsn).not.toBeNull();
  });

  it('a slot held by another connection: SlotActiveError; a slot that is gone: SlotNotFoundError', async () => {
    const arn = await stoppedAfter(2);
    const holder = await holdSlot(source, 'dms_slot', 'someone-else');
    try {
      const error = await failure(verify(arn));
      expect(error).toBeInstanceOf(SlotActiveError);
      expect(error.message).toContain(`is active for PID ${holder.pid}`);
    } finally {
      await holder.release();
    }
    await expect.poll(async () => (await slots())[0]?.active).toBe(false);
    await source.query(`SELECT pg_drop_replication_slot('dms_slot')`);

    const error = await failure(verify(arn));

    expect(error).toBeInstanceOf(SlotNotFoundError);
    expect(await slots()).toEqual([]);
  });
});

describe('strict verification compares every row when the source took nothing after the checkpoint', () => {
  it('passes an equal target, fails a planted difference naming the table and keys, passes after the repair SQL', async () => {
    const arn = await stoppedAfter(6);
    const passed = await verify(arn);
    expect(passed.content).toEqual({
      compared: true,
      reason: null,
      tables: 2,
      rowsCompared: 24,
      differing: [],
    });

    // Counts stay equal: one customer renamed, one order replaced by another the task never wrote.
    await target.query(`UPDATE shop.customers SET name = 'tampered' WHERE id = 4`);
    await target.query(`DELETE FROM shop.orders WHERE id = 5`);
    await target.query(
      `INSERT INTO shop.orders (id, customer_id, amount) OVERRIDING SYSTEM VALUE VALUES (900, 1, 1.00)`,
    );
    const error = await failure(verify(arn));
    expect(error).toBeInstanceOf(ContentMismatchError);
    expect(error.message).toContain(
      '2 tables differ in content between source and target after the task stopped: ' +
        'shop.customers (1 changed: (id=4) [name]); ' +
        'shop.orders (1 missing on the target: (id=5); 1 extra on the target: (id=900))',
    );

    const statements: string[] = [];
    await verifyOverPg(connectPg, {
      source: source.connectionConfig(),
      target: target.connectionConfig(),
      tableMappings: parseTableMappings(JSON.parse(ALL_TABLES_MAPPING)),
      repair: (statement) => {
        statements.push(statement);
      },
    });
    await target.query([repairHeader('source'), ...statements, REPAIR_FOOTER].join('\n'));
    expect((await verify(arn)).content).toMatchObject({ compared: true, differing: [] });
  });

  it('compares by counts only when the source took transactions after the checkpoint, and says why', async () => {
    const arn = await stoppedAfter(3);
    await write(4, 5);
    const result = await verify(arn);
    expect(result.mismatchedTables).toBe(0);
    expect(result.content).toEqual({
      compared: false,
      reason: "the source took 2 transactions after the task's checkpoint: compared by counts only",
      tables: 0,
      rowsCompared: 0,
      differing: [],
    });
  });
});
