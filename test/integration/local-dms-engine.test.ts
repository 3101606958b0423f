import { describe, expect, it } from 'vitest';
import { type FailureCode, stopReasonCode } from '../../src/core/stop-reason.js';
import { DEMO_TRANSACTION_SQL } from '../../src/local/demo-schema.js';
import { selectionMappings } from '../../src/local/table-mappings.js';
import {
  confirmedFlushLsn,
  localCdcTask,
  localDmsPerTest,
  localSourceEndpoint,
} from '../support/local-dms.js';
import type { PgNode } from '../support/pg.js';
import { ALL_TABLES_MAPPING, diffTables, waitForConvergence, waitForStatus } from '../support/replication.js';
import { holdSlot } from '../support/slot-holder.js';

const w = localDmsPerTest();

async function createTask(
  slot = 'dms_slot',
  startPosition?: string,
  extra: { tableMappings?: string; cdcStopPosition?: string } = {},
) {
  const src = await localSourceEndpoint(w.dms, `src-${w.run}`, w.source, slot);
  const tgt = w.dms.registerTargetEndpoint(`tgt-${w.run}`, w.target.url());
  const position = startPosition ?? (await confirmedFlushLsn(w.source, slot)) ?? '0/0';
  const task = await w.dms.createCdcTask(
    localCdcTask({
      identifier: `task-${w.run}`,
      sourceEndpointArn: src.arn,
      targetEndpointArn: tgt.arn,
      tableMappings: extra.tableMappings ?? ALL_TABLES_MAPPING,
      cdcStartPosition: position,
      cdcStopPosition: extra.cdcStopPosition,
    }),
  );
  await waitForStatus(w.dms, task.arn, ['ready']);
  return task.arn;
}

/** A task on a new dms_slot, from where the slot starts, started and running. */
async function runningOnNewSlot(): Promise<string> {
  await w.source.query(`SELECT pg_create_logical_replication_slot('dms_slot', 'test_decoding')`);
  const arn = await createTask();
  await w.dms.startTask(arn, 'start-replication');
  await waitForStatus(w.dms, arn, ['running']);
  return arn;
}

async function confirmedFlush(slot = 'dms_slot'): Promise<string> {
  return (await confirmedFlushLsn(w.source, slot)) ?? '0/0';
}

async function write(from: number, to: number): Promise<void> {
  for (let i = from; i <= to; i += 1) await w.source.query(DEMO_TRANSACTION_SQL, [i]);
}

async function customerIds(node: PgNode): Promise<number[]> {
  return (await node.query<{ id: string }>('SELECT id FROM shop.customers ORDER BY id')).map((r) =>
    Number(r.id),
  );
}

/** A failed task as DMS reports it: StopReason and LastFailureMessage carry the same long text. */
function expectDmsFailure(
  task: { stopReason?: string; lastFailureMessage?: string },
  code: FailureCode,
): void {
  const level = code === 'FATAL_ERROR' ? 'FATAL' : 'RECOVERABLE';
  expect(task.stopReason).toMatch(
    new RegExp(`^Last Error .+ Stop Reason ${code} Error Level ${level}$`, 's'),
  );
  expect(task.lastFailureMessage).toBe(task.stopReason);
  expect(stopReasonCode(task.stopReason)).toBe(code);
}

describe('local DMS engine: CDC from an existing slot', () => {
  it('applies every change committed after confirmed_flush_lsn and none before', async () => {
    await w.source.query(`SELECT pg_create_logical_replication_slot('dms_slot', 'test_decoding')`);
    await write(1, 5);
    // A consumer confirmed these five transactions: they are before the slot's position.
    await w.source.query(`SELECT count(*) FROM pg_logical_slot_get_changes('dms_slot', NULL, NULL)`);
    const arn = await createTask();
    await w.dms.startTask(arn, 'start-replication');
    await waitForStatus(w.dms, arn, ['running']);
    await write(6, 20);
    await w.source.query(
      `UPDATE shop.orders SET status = 'paid', note = 'it''s paid' WHERE customer_id BETWEEN 6 AND 10`,
    );
    await w.source.query('DELETE FROM shop.orders WHERE customer_id = 20');
    await w.source.query(`UPDATE shop.customers SET name = 'renamed' WHERE id = 7`);

    const expected = await w.source.query<{ id: string }>(
      'SELECT id FROM shop.customers WHERE id > 5 ORDER BY id',
    );
    await expect
      .poll(() => customerIds(w.target), { timeout: 15_000 })
      .toEqual(expected.map((r) => Number(r.id)));
    const diffs = await waitForConvergence(w.source, w.target, 1_000);
    // Exactly the rows written before the start position are missing, nothing else differs.
    expect(diffs[0]?.missingOnTarget.map((r) => JSON.parse(r).id)).toEqual([1, 2, 3, 4, 5]);
    expect(diffs[1]?.missingOnTarget).toHaveLength(15);
    expect(diffs.flatMap((d) => d.extraOnTarget)).toEqual([]);
    const task = await w.dms.describeTask(arn);
    expect(task.status).toBe('running');
    expect(task.recoveryCheckpoint).toMatch(/^checkpoint:V1#\d+#[0-9A-F]{8}\/[0-9A-F]{8}#0#0#\*#0#0$/);
  });

  it('refuses a start position older than confirmed_flush_lsn with FATAL_ERROR', async () => {
    await w.source.query(`SELECT pg_create_logical_replication_slot('dms_slot', 'test_decoding')`);
    const before = await confirmedFlush();
    await write(1, 3);
    await w.source.query(`SELECT count(*) FROM pg_logical_slot_get_changes('dms_slot', NULL, NULL)`);
    const arn = await createTask('dms_slot', before);
    await w.dms.startTask(arn, 'start-replication');
    const task = await waitForStatus(w.dms, arn, ['failed']);
    expectDmsFailure(task, 'FATAL_ERROR');
    expect(task.lastFailureMessage).toContain(
      `Invalid CDC start position ${before}: it is older than confirmed_flush_lsn`,
    );
  });

  it('fails with FATAL_ERROR when the slot does not exist', async () => {
    const arn = await createTask('no_such_slot', '0/1000000');
    await w.dms.startTask(arn, 'start-replication');
    const task = await waitForStatus(w.dms, arn, ['failed']);
    expectDmsFailure(task, 'FATAL_ERROR');
    expect(task.lastFailureMessage).toMatch(
      /^Last Error Replication slot 'no_such_slot' does not exist.*Error Level FATAL$/,
    );
  });

  it('fails with RECOVERABLE_ERROR while another PID holds the slot, and runs once it is free', async () => {
    await w.source.query(`SELECT pg_create_logical_replication_slot('dms_slot', 'test_decoding')`);
    const arn = await createTask();
    const holder = await holdSlot(w.source, 'dms_slot', 'stale-walsender');
    await w.dms.startTask(arn, 'start-replication');
    const failed = await waitForStatus(w.dms, arn, ['failed']);
    expectDmsFailure(failed, 'RECOVERABLE_ERROR');
    expect(failed.lastFailureMessage).toContain(
      `replication slot "dms_slot" is active for PID ${holder.pid}`,
    );
    await holder.release();
    await w.dms.startTask(arn, 'resume-processing');
    await waitForStatus(w.dms, arn, ['running']);
    await write(1, 3);
    expect((await waitForConvergence(w.source, w.target)).flatMap((d) => d.missingOnTarget)).toEqual([]);
  });
});

describe('local DMS engine: stop, crash, resume and restart', () => {
  it('resume-processing after a stop continues from the checkpoint: nothing lost or duplicated', async () => {
    const arn = await runningOnNewSlot();
    await write(1, 10);
    await waitForConvergence(w.source, w.target);
    await w.dms.stopTask(arn);
    const stopped = await waitForStatus(w.dms, arn, ['stopped']);
    expect(stopped.stopReason).toBe('Stop Reason NORMAL');
    await write(11, 25); // while the task is stopped: the slot keeps these
    await w.dms.startTask(arn, 'resume-processing');
    await waitForStatus(w.dms, arn, ['running']);
    await write(26, 30);
    const diffs = await waitForConvergence(w.source, w.target);
    expect(diffs).toEqual([
      { table: 'shop.customers', missingOnTarget: [], extraOnTarget: [] },
      { table: 'shop.orders', missingOnTarget: [], extraOnTarget: [] },
    ]);
    expect(await customerIds(w.target)).toHaveLength(30);
  });

  it('a crashed engine resumes from its checkpoint without losing or repeating a transaction', async () => {
    const arn = await runningOnNewSlot();
    const writing = write(1, 60);
    await expect
      .poll(() => customerIds(w.target).then((ids) => ids.length), { timeout: 15_000 })
      .toBeGreaterThan(5);
    w.dms.crashTask(arn);
    const failed = await waitForStatus(w.dms, arn, ['failed']);
    expectDmsFailure(failed, 'RECOVERABLE_ERROR');
    await writing;
    await w.dms.startTask(arn, 'resume-processing');
    await waitForStatus(w.dms, arn, ['running']);
    const diffs = await waitForConvergence(w.source, w.target);
    expect(diffs.flatMap((d) => [...d.missingOnTarget, ...d.extraOnTarget])).toEqual([]);
    expect(await customerIds(w.target)).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
  });

  it('start-replication on a task that ran recreates the slot, and the rows written meanwhile are lost', async () => {
    const arn = await runningOnNewSlot();
    await write(1, 5);
    await waitForConvergence(w.source, w.target);
    await w.dms.stopTask(arn);
    await waitForStatus(w.dms, arn, ['stopped']);
    const slotBefore = await w.source.query<{ lsn: string }>(
      `SELECT restart_lsn::text AS lsn FROM pg_replication_slots WHERE slot_name = 'dms_slot'`,
    );
    await write(6, 9); // held by the slot... until a restart drops it
    await w.dms.startTask(arn, 'start-replication');
    await waitForStatus(w.dms, arn, ['running']);
    await write(10, 12);
    await expect.poll(() => customerIds(w.target), { timeout: 15_000 }).toContain(12);
    const diffs = await diffTables(w.source, w.target);
    expect(diffs[0]?.missingOnTarget.map((r) => JSON.parse(r).id)).toEqual([6, 7, 8, 9]);
    const slotAfter = await w.source.query<{ lsn: string }>(
      `SELECT restart_lsn::text AS lsn FROM pg_replication_slots WHERE slot_name = 'dms_slot'`,
    );
    expect(slotAfter[0]?.lsn).not.toBe(slotBefore[0]?.lsn);
  });

  it('a source that goes away fails the task with RECOVERABLE_ERROR', async () => {
    const arn = await runningOnNewSlot();
    await w.source.kill();
    const failed = await waitForStatus(w.dms, arn, ['failed']);
    expectDmsFailure(failed, 'RECOVERABLE_ERROR');
    expect(failed.recoveryCheckpoint).toBeDefined();
  });
});

describe('local DMS engine: what a task applies and where it stops', () => {
  it('skips tables its mappings exclude', async () => {
    await w.source.query(`SELECT pg_create_logical_replication_slot('dms_slot', 'test_decoding')`);
    const mapping = JSON.stringify(
      selectionMappings(
        { name: 'all', schema: 'shop' },
        { id: 2, name: 'no-orders', schema: 'shop', table: 'ord%', action: 'exclude' },
      ),
    );
    const arn = await createTask('dms_slot', undefined, { tableMappings: mapping });
    await w.dms.startTask(arn, 'start-replication');
    await waitForStatus(w.dms, arn, ['running']);
    await write(1, 4);
    await expect.poll(() => customerIds(w.target), { timeout: 10_000 }).toEqual([1, 2, 3, 4]);
    expect(await w.target.query('SELECT count(*)::int AS n FROM shop.orders')).toEqual([{ n: 0 }]);
  });

  it('applies TRUNCATE of several tables', async () => {
    await runningOnNewSlot();
    await write(1, 4);
    await expect.poll(() => customerIds(w.target), { timeout: 10_000 }).toEqual([1, 2, 3, 4]);
    await w.source.query('TRUNCATE shop.orders, shop.customers');
    await expect.poll(() => customerIds(w.target), { timeout: 10_000 }).toEqual([]);
    expect(await w.target.query('SELECT count(*)::int AS n FROM shop.orders')).toEqual([{ n: 0 }]);
  });

  it('stops at a commit_time stop position: later transactions are left for the next run', async () => {
    await w.source.query(`SELECT pg_create_logical_replication_slot('dms_slot', 'test_decoding')`);
    await write(1, 3);
    // Stop positions have one-second precision: keep a whole second on each side of the boundary.
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const [{ at } = { at: '' }] = await w.source.query<{ at: string }>(
      `SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS') AS at`,
    );
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    await write(4, 6);
    const arn = await createTask('dms_slot', undefined, { cdcStopPosition: `commit_time:${at}` });
    await w.dms.startTask(arn, 'start-replication');
    const stopped = await waitForStatus(w.dms, arn, ['stopped']);
    expect(stopped.stopReason).toBe('Stop Reason STOPPED_AT_COMMIT_TIME');
    expect(await customerIds(w.target)).toEqual([1, 2, 3]);
  });

  it('stops at a server_time stop position even when nothing is written', async () => {
    await w.source.query(`SELECT pg_create_logical_replication_slot('dms_slot', 'test_decoding')`);
    const soon = new Date(Date.now() + 1_500).toISOString().slice(0, 19);
    const arn = await createTask('dms_slot', undefined, { cdcStopPosition: `server_time:${soon}` });
    await w.dms.startTask(arn, 'start-replication');
    await waitForStatus(w.dms, arn, ['running']);
    const stopped = await waitForStatus(w.dms, arn, ['stopped']);
    expect(stopped.stopReason).toBe('Stop Reason STOPPED_AT_SERVER_TIME');
  });
});
