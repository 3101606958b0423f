import { describe, expect, it } from 'vitest';
import { createCdcTaskFromSlot } from '../../../src/core/cdc/create-task-from-slot.js';
import { ConflictingResourceError } from '../../../src/core/dms/errors.js';
import { type Lsn, parseLsn } from '../../../src/core/lsn.js';
import { measureSlot, type SlotReading, type SlotState } from '../../../src/core/slot.js';
import { SlotNotFoundError, StartPositionTooOldError } from '../../../src/core/slot-errors.js';
import type { Task } from '../../../src/ports/dms.js';
import type { SourceDb } from '../../../src/ports/source-db.js';
import { slotState } from '../../support/slot-state.js';
import { FakeDms } from '../dms/fake-dms.js';
import { cdcTaskSpec, portTask } from '../dms/fixtures.js';

/**
 * The native CDC start point procedure end to end against in-memory ports: the position the task
 * gets is the slot's, read right before the create, and a task that exists is reused as it is.
 */
const lsn = (text: string): Lsn => parseLsn(text);
const { cdcStartPosition: _ignored, ...TASK } = cdcTaskSpec();

const slot = (overrides: Partial<SlotState> = {}): SlotState =>
  slotState({
    slotName: 'dms_orders_slot',
    database: 'orders',
    restartLsn: lsn('4AF/A0000000'),
    confirmedFlushLsn: lsn('4AF/B00000D0'),
    failover: false,
    ...overrides,
  });

/** A SourceDb holding one slot (or none), counting how often the slot is read. */
function sourceDb(state: SlotState | undefined, server = '4AF/C0000000') {
  const reads: string[] = [];
  const db: SourceDb = {
    async readSlot(name): Promise<SlotReading | undefined> {
      reads.push(name);
      return state && name === state.slotName ? measureSlot(state, lsn(server), false) : undefined;
    },
    async readSlots() {
      throw new Error('not used');
    },
    async readServerPosition() {
      throw new Error('not used');
    },
  };
  return { db, reads };
}

/** A fake DMS that already holds the task REQUEST names, with these fields. */
function dmsWithTask(overrides: Partial<Task>) {
  const dms = new FakeDms();
  const existing = portTask({ identifier: TASK.identifier, ...overrides });
  dms.tasks.set(existing.arn, existing);
  return { dms, existing };
}

const REQUEST = {
  task: TASK,
  slotName: 'dms_orders_slot',
  plugin: 'test_decoding' as const,
  database: 'orders',
  source: 'orders@db:5432/orders',
};

describe('createCdcTaskFromSlot', () => {
  it('creates a CDC task at the slot confirmed_flush_lsn and reports what it read', async () => {
    const dms = new FakeDms();
    const { db, reads } = sourceDb(slot());
    const result = await createCdcTaskFromSlot({ sourceDb: db, dms }, REQUEST);
    expect(reads).toEqual(['dms_orders_slot']);
    expect(dms.calls).toEqual([`findTask ${TASK.identifier}`, `createCdcTask ${TASK.identifier}`]);
    expect(result).toEqual({
      task: dms.tasks.get(`arn:fake:task:${TASK.identifier}`),
      created: true,
      cdcStartPosition: '4AF/B00000D0',
      confirmedFlushLsn: '4AF/B00000D0',
      restartLsn: '4AF/A0000000',
    });
    expect(result.task.cdcStartPosition).toBe('4AF/B00000D0');
  });

  it('creates at an explicit later position, keeping confirmed_flush_lsn in the report', async () => {
    const dms = new FakeDms();
    const { db } = sourceDb(slot());
    const result = await createCdcTaskFromSlot(
      { sourceDb: db, dms },
      { ...REQUEST, requestedPosition: lsn('4AF/B0000100') },
    );
    expect(result).toMatchObject({ cdcStartPosition: '4AF/B0000100', confirmedFlushLsn: '4AF/B00000D0' });
    expect(result.task.cdcStartPosition).toBe('4AF/B0000100');
  });

  it('refuses an explicit position older than the slot and creates nothing', async () => {
    const dms = new FakeDms();
    const { db } = sourceDb(slot());
    await expect(
      createCdcTaskFromSlot({ sourceDb: db, dms }, { ...REQUEST, requestedPosition: lsn('4AF/B00000CF') }),
    ).rejects.toBeInstanceOf(StartPositionTooOldError);
    expect(dms.tasks.size).toBe(0);
  });

  it('reports an unknown restart_lsn as undefined', async () => {
    const dms = new FakeDms();
    const { db } = sourceDb(slot({ restartLsn: null }));
    const result = await createCdcTaskFromSlot({ sourceDb: db, dms }, REQUEST);
    expect(result.restartLsn).toBeUndefined();
    expect(result.confirmedFlushLsn).toBe('4AF/B00000D0');
  });

  it('refuses a missing slot, naming the slot it was asked for, and creates nothing', async () => {
    const dms = new FakeDms();
    const { db } = sourceDb(undefined);
    const error = await createCdcTaskFromSlot({ sourceDb: db, dms }, REQUEST).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SlotNotFoundError);
    expect((error as Error).message).toBe(
      'replication slot "dms_orders_slot" does not exist on orders@db:5432/orders',
    );
    expect(dms.tasks.size).toBe(0);
  });

  it('reuses an existing task at its own position without reading the slot again', async () => {
    const { dms, existing } = dmsWithTask({ cdcStartPosition: '4af/a0000000', status: 'stopped' });
    // The slot has moved on since: a new reading would give a newer position and skip changes.
    const { db, reads } = sourceDb(slot({ confirmedFlushLsn: lsn('4AF/F0000000') }), '4AF/F0000000');
    const result = await createCdcTaskFromSlot({ sourceDb: db, dms }, REQUEST);
    expect(reads).toEqual([]);
    expect(dms.calls).toEqual([`findTask ${TASK.identifier}`]);
    expect(result).toEqual({
      task: existing,
      created: false,
      cdcStartPosition: '4af/a0000000',
      confirmedFlushLsn: undefined,
      restartLsn: undefined,
    });
  });

  it('refuses to reuse an existing task that reads other endpoints', async () => {
    const { dms } = dmsWithTask({
      cdcStartPosition: '4AF/A0000000',
      targetEndpointArn: 'arn:aws:dms:us-east-1:123456789012:endpoint:OTHER',
    });
    const { db } = sourceDb(slot());
    const error = await createCdcTaskFromSlot({ sourceDb: db, dms }, REQUEST).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConflictingResourceError);
    expect(error).toMatchObject({ field: 'targetEndpointArn' });
  });

  it('refuses to reuse an existing task that has no start position (not a native-start CDC task)', async () => {
    const { dms } = dmsWithTask({ cdcStartPosition: undefined });
    const { db } = sourceDb(slot());
    const error = await createCdcTaskFromSlot({ sourceDb: db, dms }, REQUEST).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConflictingResourceError);
    expect(error).toMatchObject({ field: 'cdcStartPosition', existing: undefined, wanted: '' });
  });

  it('reports a task created by a concurrent run from another reading as a conflict on the position', async () => {
    const dms = new FakeDms();
    const { db } = sourceDb(slot());
    dms.onCreate = () => {
      dms.onCreate = undefined;
      const theirs = portTask({ identifier: TASK.identifier, cdcStartPosition: '4AF/B0000000' });
      dms.tasks.set(theirs.arn, theirs);
    };
    const error = await createCdcTaskFromSlot({ sourceDb: db, dms }, REQUEST).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConflictingResourceError);
    expect(error).toMatchObject({
      field: 'cdcStartPosition',
      existing: '4AF/B0000000',
      wanted: '4AF/B00000D0',
    });
  });
});
