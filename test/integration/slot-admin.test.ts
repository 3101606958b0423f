import pg from 'pg';
import { beforeAll, describe, expect, it } from 'vitest';
import { cleanupSource, type EnsureSlotRequest, ensureSlot } from '../../src/adapters/pg/slot-admin.js';
import { buildPgSourceDb } from '../../src/adapters/pg/slots.js';
import { parseLsn } from '../../src/core/lsn.js';
import {
  SlotActiveError,
  SlotCreationBlockedError,
  SlotMismatchError,
  SlotNotFoundError,
  StartPositionTooOldError,
} from '../../src/core/slot-errors.js';
import { chooseStartPosition } from '../../src/core/start-position.js';
import { type PgNode, primaryForFile } from '../support/pg.js';
import { holdSlot } from '../support/slot-holder.js';

let source: PgNode;
const connect = async () => {
  const client = new pg.Client(source.connectionConfig());
  await client.connect();
  return client;
};
const request = (slotName: string, extra: Partial<EnsureSlotRequest> = {}): EnsureSlotRequest => ({
  slotName,
  plugin: 'test_decoding',
  database: 'postgres',
  allowCreate: true,
  failover: false,
  timeoutMs: 5_000,
  source: 'test source',
  ...extra,
});

beforeAll(async () => {
  source = await primaryForFile({ settings: { max_prepared_transactions: 5 } });
  await source.query('CREATE TABLE items (id int PRIMARY KEY, name text)');
});

describe('ensureSlot', () => {
  it('creates a test_decoding slot when allowed, then finds and reuses it', async () => {
    const first = await ensureSlot(connect, request('orders_slot'));
    expect(first.created).toBe(true);
    expect(first.reading.slot).toMatchObject({
      slotName: 'orders_slot',
      plugin: 'test_decoding',
      active: false,
    });
    const second = await ensureSlot(connect, request('orders_slot'));
    expect(second.created).toBe(false);
    expect(second.reading.slot.confirmedFlushLsn).toBe(first.reading.slot.confirmedFlushLsn);
    expect(await slotNames()).toContain('orders_slot');
  });

  it('creates a failover slot on PostgreSQL 17 when asked', async () => {
    const { reading } = await ensureSlot(connect, request('failover_slot', { failover: true }));
    expect(reading.slot.failover).toBe(true);
  });

  it('refuses to create a missing slot unless allowed', async () => {
    await expect(ensureSlot(connect, request('never_made', { allowCreate: false }))).rejects.toThrow(
      SlotNotFoundError,
    );
    expect(await slotNames()).not.toContain('never_made');
  });

  it('refuses a slot that exists with another plugin', async () => {
    await source.query(`SELECT pg_create_logical_replication_slot('pgoutput_slot', 'pgoutput')`);
    const error = await ensureSlot(connect, request('pgoutput_slot')).catch((e) => e);
    expect(error).toBeInstanceOf(SlotMismatchError);
    expect(error).toMatchObject({ field: 'plugin', expected: 'test_decoding', observed: 'pgoutput' });
  });

  it('gives up after the timeout naming the open transaction that blocked creation, and leaves no slot', async () => {
    const blocker = new pg.Client({ ...source.connectionConfig(), application_name: 'forgotten-batch-job' });
    await blocker.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query(`INSERT INTO items VALUES (1, 'holding an xid')`);
      const blockerPid = (await blocker.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]
        ?.pid;
      const error = await ensureSlot(connect, request('blocked_slot', { timeoutMs: 700 })).catch((e) => e);
      expect(error).toBeInstanceOf(SlotCreationBlockedError);
      expect(error.blockers).toEqual([
        expect.objectContaining({ pid: blockerPid, application: 'forgotten-batch-job' }),
      ]);
      expect(error.message).toContain(`PID ${blockerPid} "forgotten-batch-job"`);
      expect(await slotNames()).not.toContain('blocked_slot');
    } finally {
      await blocker.query('ROLLBACK');
      await blocker.end();
    }
    // Once the transaction is gone the same request succeeds.
    expect((await ensureSlot(connect, request('blocked_slot'))).created).toBe(true);
  });

  it('names a prepared transaction that blocks creation', async () => {
    const client = await connect();
    await client.query('BEGIN');
    await client.query(`INSERT INTO items VALUES (2, 'prepared')`);
    await client.query(`PREPARE TRANSACTION 'dms-cdc-test-gid'`);
    await client.end();
    try {
      const error = await ensureSlot(connect, request('prepared_block', { timeoutMs: 700 })).catch((e) => e);
      expect(error).toBeInstanceOf(SlotCreationBlockedError);
      expect(error.message).toContain('prepared transaction "dms-cdc-test-gid"');
    } finally {
      await source.query(`ROLLBACK PREPARED 'dms-cdc-test-gid'`);
    }
  });
});

describe('the start position rule on a real slot', () => {
  it('uses confirmed_flush_lsn read while inactive; an older request is refused; a held slot is refused', async () => {
    await ensureSlot(connect, request('start_slot'));
    await source.query(`INSERT INTO items SELECT g, 'x' FROM generate_series(100, 200) g`);
    await source.query(`SELECT count(*) FROM pg_logical_slot_get_changes('start_slot', NULL, 50)`);
    const client = await connect();
    const db = buildPgSourceDb(client);
    const reading = await db.readSlot('start_slot');
    const [truth] = await source.query<{ confirmed: string }>(
      `SELECT confirmed_flush_lsn::text AS confirmed FROM pg_replication_slots WHERE slot_name = 'start_slot'`,
    );
    const rule = {
      slotName: 'start_slot',
      source: 'test',
      plugin: 'test_decoding',
      database: 'postgres',
    } as const;
    expect(chooseStartPosition(reading, rule).cdcStartPosition).toBe(parseLsn(truth?.confirmed));

    // The slot advanced between an early inspection and now: the old position is no longer valid.
    const stale = reading?.slot.restartLsn ?? parseLsn('0/0');
    expect(() => chooseStartPosition(reading, { ...rule, requested: stale })).toThrow(
      StartPositionTooOldError,
    );

    const holder = await holdSlot(source, 'start_slot', 'old-dms-task');
    try {
      const held = await db.readSlot('start_slot');
      const error = (() => {
        try {
          chooseStartPosition(held, rule);
        } catch (e) {
          return e;
        }
        return undefined;
      })();
      expect(error).toBeInstanceOf(SlotActiveError);
      expect(error).toMatchObject({ activePid: holder.pid, application: 'old-dms-task' });
    } finally {
      await holder.release();
      await client.end();
    }
  });
});

describe('cleanupSource', () => {
  it('removes the DMS DDL artifacts and the slot on request, and nothing else', async () => {
    await source.query(`
      CREATE SCHEMA dms_artifacts;
      CREATE TABLE dms_artifacts.awsdms_ddl_audit (c_key bigserial PRIMARY KEY, c_ddlqry text);
      CREATE TABLE dms_artifacts.keep_me (id int);
      CREATE FUNCTION dms_artifacts.awsdms_intercept_ddl() RETURNS event_trigger LANGUAGE plpgsql
        AS $$ BEGIN INSERT INTO dms_artifacts.awsdms_ddl_audit (c_ddlqry) VALUES (current_query()); END $$;
      CREATE FUNCTION dms_artifacts.keep_fn() RETURNS int LANGUAGE sql AS 'SELECT 1';
      CREATE EVENT TRIGGER awsdms_intercept_ddl ON ddl_command_end EXECUTE FUNCTION dms_artifacts.awsdms_intercept_ddl();
    `);
    await ensureSlot(connect, request('cleanup_slot'));
    const client = await connect();
    try {
      const result = await cleanupSource(client, {
        artifactsSchema: 'dms_artifacts',
        dropSlot: 'cleanup_slot',
      });
      expect(result.removed).toEqual([
        'event trigger awsdms_intercept_ddl',
        'function dms_artifacts.awsdms_intercept_ddl()',
        'table dms_artifacts.awsdms_ddl_audit',
        'slot cleanup_slot',
      ]);
      const again = await cleanupSource(client, {
        artifactsSchema: 'dms_artifacts',
        dropSlot: 'cleanup_slot',
      });
      expect(again.removed).toEqual([]);
      expect(again.absent).toHaveLength(4);
    } finally {
      await client.end();
    }
    const [left] = await source.query<{ schema: boolean; table: boolean; fn: boolean }>(
      `SELECT to_regnamespace('dms_artifacts') IS NOT NULL AS schema,
              to_regclass('dms_artifacts.keep_me') IS NOT NULL AS table,
              to_regprocedure('dms_artifacts.keep_fn()') IS NOT NULL AS fn`,
    );
    expect(left).toEqual({ schema: true, table: true, fn: true });
    expect(await slotNames()).toContain('orders_slot');
  });

  it('refuses to drop a slot that a consumer holds', async () => {
    await ensureSlot(connect, request('busy_slot'));
    const holder = await holdSlot(source, 'busy_slot');
    const client = await connect();
    try {
      await expect(
        cleanupSource(client, { artifactsSchema: 'public', dropSlot: 'busy_slot' }),
      ).rejects.toThrow(SlotActiveError);
    } finally {
      await client.end();
      await holder.release();
    }
    expect(await slotNames()).toContain('busy_slot');
  });
});

async function slotNames(): Promise<string[]> {
  return (await source.query<{ slot_name: string }>('SELECT slot_name FROM pg_replication_slots')).map(
    (r) => r.slot_name,
  );
}
