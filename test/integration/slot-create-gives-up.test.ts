import type pg from 'pg';
import { beforeAll, describe, expect, it } from 'vitest';
import { createLogicalSlot } from '../../src/adapters/pg/slot-create.js';
import { SlotCreationBlockedError } from '../../src/core/slot-errors.js';
import { type PgNode, primaryForFile } from '../support/pg.js';

/** A slot creation that gives up never leaves a slot behind a failure. */
let source: PgNode;

beforeAll(async () => {
  source = await primaryForFile({ name: 'slot-gives-up' });
  await source.query('CREATE TABLE t (id int)');
});

async function slotMade(name: string): Promise<boolean> {
  const rows = await source.query('SELECT 1 FROM pg_replication_slots WHERE slot_name = $1 AND NOT active', [
    name,
  ]);
  return rows.length > 0;
}

async function slotExists(name: string): Promise<boolean> {
  const rows = await source.query('SELECT 1 FROM pg_replication_slots WHERE slot_name = $1', [name]);
  return rows.length > 0;
}

/** A transaction holding an xid open: slot creation must wait for it. */
async function blocker(): Promise<pg.Client> {
  const client = await source.connect('postgres', 'open-transaction');
  await client.query('BEGIN');
  await client.query('INSERT INTO t VALUES (1)');
  return client;
}

async function until(check: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 20));
  }
}

const OPTIONS = { plugin: 'test_decoding', failover: false, timeoutMs: 400 } as const;

describe('a slot creation that gives up', () => {
  it('leaves no slot when it cancels the waiting creation', async () => {
    const open = await blocker();
    try {
      const error = await createLogicalSlot(() => source.connect(), 'gave_up_slot', OPTIONS).catch((e) => e);
      expect(error).toBeInstanceOf(SlotCreationBlockedError);
      expect(error.message).toContain('no slot was created');
      expect(await slotExists('gave_up_slot')).toBe(false);
    } finally {
      await open.query('ROLLBACK');
      await open.end();
    }
  });

  it('reports a slot made just as it gave up as made, never a failure with the slot pinning WAL', async () => {
    const open = await blocker();
    let connects = 0;
    // The second connection is the one that names the blockers and cancels: before it is handed
    // over, the blocker commits and the creation completes, so the cancel arrives too late.
    const connect = async () => {
      connects += 1;
      if (connects === 2) {
        await open.query('COMMIT');
        // Made, not just begun: a slot being created is listed too (ephemeral, held by its creator).
        // A running-xacts record lets the snapshot builder finish without waiting for the bgwriter's.
        await until(async () => {
          await source.query('SELECT pg_log_standby_snapshot()');
          return slotMade('late_slot');
        });
      }
      return source.connect();
    };
    try {
      const created = await createLogicalSlot(connect, 'late_slot', OPTIONS);
      expect(created).toBe(true);
      expect(await slotExists('late_slot')).toBe(true);
    } finally {
      await open.end();
      await source.query(
        "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = 'late_slot'",
      );
    }
  });
});
