import pg from 'pg';
import { beforeEach, describe, expect, it } from 'vitest';
import { LocalDms } from '../../src/adapters/local/dms/engine.js';
import { buildPgSourceDb } from '../../src/adapters/pg/slots.js';
import {
  type CreateTaskFromSlotRequest,
  createCdcTaskFromSlot,
} from '../../src/core/cdc/create-task-from-slot.js';
import { SlotActiveError } from '../../src/core/slot-errors.js';
import { DEMO_TRANSACTION_SQL } from '../../src/local/demo-schema.js';
import { demoServers, localCdcTask, localSourceEndpoint } from '../support/local-dms.js';
import type { PgNode } from '../support/pg.js';
import { diffTables, waitForConvergence, waitForStatus } from '../support/replication.js';
import { holdSlot } from '../support/slot-holder.js';

let source: PgNode;
let target: PgNode;
let dms: LocalDms;
let client: pg.Client;
let request: CreateTaskFromSlotRequest;

beforeEach(async () => {
  [source, target] = await demoServers();
  await source.query(`SELECT pg_create_logical_replication_slot('dms_slot', 'test_decoding')`);
  dms = new LocalDms();
  const src = await localSourceEndpoint(dms, 'src', source);
  const tgt = dms.registerTargetEndpoint('tgt', target.url());
  client = new pg.Client(source.connectionConfig());
  await client.connect();
  request = {
    task: localCdcTask({
      identifier: 'cutover-task',
      replicationInstanceArn: 'arn:aws:dms:local:000000000000:rep:LOCAL',
      sourceEndpointArn: src.arn,
      targetEndpointArn: tgt.arn,
    }),
    slotName: 'dms_slot',
    plugin: 'test_decoding',
    database: 'postgres',
    source: 'local source',
  };
  return async () => {
    await dms.shutdown();
    await client.end();
  };
});

const write = async (from: number, to: number) => {
  for (let i = from; i <= to; i += 1) await source.query(DEMO_TRANSACTION_SQL, [i]);
};
const confirmedFlush = async () =>
  (
    await source.query<{ lsn: string }>(`SELECT confirmed_flush_lsn::text AS lsn FROM pg_replication_slots`)
  )[0]?.lsn;

describe('createCdcTaskFromSlot', () => {
  it('reads the slot at creation time: a slot that advanced after an early inspection starts where it is now', async () => {
    const early = await confirmedFlush();
    await write(1, 4);
    await source.query(`SELECT count(*) FROM pg_logical_slot_get_changes('dms_slot', NULL, NULL)`);
    const now = await confirmedFlush();
    expect(now).not.toBe(early);

    const result = await createCdcTaskFromSlot({ sourceDb: buildPgSourceDb(client), dms }, request);
    expect(result).toMatchObject({ created: true, cdcStartPosition: now, confirmedFlushLsn: now });
    await waitForStatus(dms, result.task.arn, ['ready']);
    await dms.startTask(result.task.arn, 'start-replication');
    await waitForStatus(dms, result.task.arn, ['running']);
    await write(5, 9);
    await waitForConvergence(source, target, 5_000);
    const [customers] = await diffTables(source, target);
    // The task started at the slot's position: the four consumed transactions are not replayed.
    expect(customers?.missingOnTarget.map((r) => JSON.parse(r).id)).toEqual([1, 2, 3, 4]);
    expect(customers?.extraOnTarget).toEqual([]);
  });

  it('a second run reuses the task it made, even after the slot moved on', async () => {
    const first = await createCdcTaskFromSlot({ sourceDb: buildPgSourceDb(client), dms }, request);
    await write(1, 2);
    await source.query(`SELECT count(*) FROM pg_logical_slot_get_changes('dms_slot', NULL, NULL)`);
    const second = await createCdcTaskFromSlot({ sourceDb: buildPgSourceDb(client), dms }, request);
    expect(second).toMatchObject({ created: false, cdcStartPosition: first.cdcStartPosition });
    expect(second.task.arn).toBe(first.task.arn);
  });

  it('refuses while the slot is held, and creates nothing', async () => {
    const holder = await holdSlot(source, 'dms_slot', 'old-task');
    try {
      await expect(
        createCdcTaskFromSlot({ sourceDb: buildPgSourceDb(client), dms }, request),
      ).rejects.toThrow(SlotActiveError);
      expect(await dms.findTask('cutover-task')).toBeUndefined();
    } finally {
      await holder.release();
    }
  });
});
