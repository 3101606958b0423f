import { describe, expect, it } from 'vitest';
import { DEMO_TRANSACTION_SQL } from '../../src/local/demo-schema.js';
import {
  confirmedFlushLsn,
  localCdcTask,
  localDmsPerTest,
  localSourceEndpoint,
} from '../support/local-dms.js';
import type { PgNode } from '../support/pg.js';
import { waitForConvergence, waitForStatus } from '../support/replication.js';

/** The replication instance's clock as the engine reads it: the test moves it. */
let instanceNow = 0;
const w = localDmsPerTest({ clock: () => instanceNow });

async function write(from: number, to: number): Promise<void> {
  for (let i = from; i <= to; i += 1) await w.source.query(DEMO_TRANSACTION_SQL, [i]);
}

async function customerIds(node: PgNode): Promise<number[]> {
  return (await node.query<{ id: string }>('SELECT id FROM shop.customers ORDER BY id')).map((r) =>
    Number(r.id),
  );
}

/** Whether the engine's apply session on the target waits for a lock. */
async function applyWaitsForLock(): Promise<boolean> {
  const rows = await w.target.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM pg_stat_activity
      WHERE application_name LIKE 'dms-local-%-apply' AND wait_event_type = 'Lock'`,
  );
  return (rows[0]?.n ?? 0) > 0;
}

async function slotActive(): Promise<boolean> {
  const rows = await w.source.query<{ active: boolean }>(
    `SELECT active FROM pg_replication_slots WHERE slot_name = 'dms_slot'`,
  );
  return rows[0]?.active ?? false;
}

const serverTime = (ms: number) => `server_time:${new Date(ms).toISOString().slice(0, 19)}`;

describe('local DMS engine: server_time stop position', () => {
  it('stops by the instance clock with committed transactions not yet applied, and leaves them in the slot', async () => {
    // An hour ahead of the real clock: every transaction below commits before the stop time.
    const stopAt = Math.ceil((Date.now() + 3_600_000) / 1000) * 1000;
    instanceNow = stopAt - 60_000;
    await w.source.query(`SELECT pg_create_logical_replication_slot('dms_slot', 'test_decoding')`);
    const src = await localSourceEndpoint(w.dms, 'src', w.source);
    const tgt = w.dms.registerTargetEndpoint('tgt', w.target.url());
    const task = await w.dms.createCdcTask(
      localCdcTask({
        identifier: 'stop-task',
        sourceEndpointArn: src.arn,
        targetEndpointArn: tgt.arn,
        cdcStartPosition: (await confirmedFlushLsn(w.source)) ?? '0/0',
        cdcStopPosition: serverTime(stopAt),
      }),
    );
    await waitForStatus(w.dms, task.arn, ['ready']);
    await w.dms.startTask(task.arn, 'start-replication');
    await waitForStatus(w.dms, task.arn, ['running']);
    await write(1, 1);
    await expect.poll(() => customerIds(w.target), { timeout: 10_000 }).toEqual([1]);

    // The engine falls behind: its apply waits on a lock on the target while the source commits three more.
    const locker = await w.target.connect('postgres', 'lock-holder');
    try {
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE shop.customers IN ACCESS EXCLUSIVE MODE');
      await write(2, 4);
      await expect.poll(applyWaitsForLock, { timeout: 10_000 }).toBe(true);
      // The instance's clock reaches the stop time while those transactions are committed but not applied.
      instanceNow = stopAt;
      await expect.poll(slotActive, { timeout: 10_000 }).toBe(false);
    } finally {
      await locker.query('COMMIT');
      await locker.end();
    }
    const stopped = await waitForStatus(w.dms, task.arn, ['stopped']);

    expect(stopped.stopReason).toBe('Stop Reason STOPPED_AT_SERVER_TIME');
    // Customers 3 and 4 were never applied (2 was being applied when the stream closed: either way).
    const applied = await customerIds(w.target);
    expect([[1], [1, 2]]).toContainEqual(applied);
    expect(await customerIds(w.source)).toEqual([1, 2, 3, 4]);

    // Nothing is lost: the slot was not confirmed past them, so resuming (a later stop) applies them once.
    await w.dms.startTask(task.arn, 'resume-processing', {
      cdcStopPosition: serverTime(stopAt + 86_400_000),
    });
    await waitForStatus(w.dms, task.arn, ['running']);
    const diffs = await waitForConvergence(w.source, w.target);
    expect(diffs.flatMap((d) => [...d.missingOnTarget, ...d.extraOnTarget])).toEqual([]);
    expect(await customerIds(w.target)).toEqual([1, 2, 3, 4]);
  });
});
