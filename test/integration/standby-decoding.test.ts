import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { buildPgSourceDb } from '../../src/adapters/pg/slots.js';
import { decideRecovery } from '../../src/core/recovery/decide.js';
import type { RecoveryInput, SlotObservation } from '../../src/core/recovery/types.js';
import { type PgNode, primaryForFile, sleep, standbyForFile } from '../support/pg.js';

/** What the recover machine would decide for a failed task whose checkpoint is the slot's position. */
async function decideOn(node: PgNode, slotName: string): Promise<ReturnType<typeof decideRecovery>> {
  const client = new pg.Client(node.connectionConfig());
  await client.connect();
  try {
    const db = buildPgSourceDb(client);
    const reading = await db.readSlot(slotName);
    const position = await db.readServerPosition();
    const observed: SlotObservation = {
      slot: reading?.slot,
      serverLsn: position.serverLsn,
      previousConfirmedFlushLsn: null,
      inRecovery: position.inRecovery,
    };
    const input: RecoveryInput = {
      task: {
        status: 'failed',
        stopReason: 'Last Error Connection terminated Stop Reason RECOVERABLE_ERROR Error Level RECOVERABLE',
        lastFailureMessage: undefined,
        checkpointLsn: reading?.slot.confirmedFlushLsn ?? null,
        resumable: true,
      },
      slot: observed,
      failoverJustHappened: true,
      lastKnownGoodLsn: null,
      policy: { terminateStaleBackend: false },
    };
    return decideRecovery(input);
  } finally {
    await client.end();
  }
}

describe('PostgreSQL 16: a slot made on a read replica survives its promotion (logical decoding on a standby)', () => {
  it('is decoded on the standby, kept by the promotion, and recovery resumes on it like on a synced failover slot', async () => {
    const primary = await primaryForFile({ name: 'pg16-primary', major: 16 });
    await primary.query('CREATE TABLE orders (id int PRIMARY KEY, note text)');
    await primary.query(`SELECT pg_create_logical_replication_slot('primary_slot', 'test_decoding')`);
    const replica = await standbyForFile(primary, { name: 'pg16-replica' });

    // Creating a logical slot on a standby waits for a running-xacts record from the primary.
    let created = false;
    const creating = replica
      .query(`SELECT pg_create_logical_replication_slot('replica_slot', 'test_decoding')`)
      .finally(() => {
        created = true;
      });
    while (!created) {
      await primary.query('SELECT pg_log_standby_snapshot()');
      await sleep(100);
    }
    await creating;

    await primary.query(`INSERT INTO orders SELECT g, 'order ' || g FROM generate_series(1, 5) g`);
    await expect
      .poll(async () => (await replica.query(`SELECT count(*)::int AS n FROM orders`))[0]?.n, {
        timeout: 15_000,
      })
      .toBe(5);
    // The replica decodes the primary's changes from its own copy of the WAL.
    const decoded = await replica.query<{ data: string }>(
      `SELECT data FROM pg_logical_slot_peek_changes('replica_slot', NULL, NULL) WHERE data LIKE 'table public.orders: INSERT%'`,
    );
    expect(decoded).toHaveLength(5);

    await primary.kill();
    await replica.promote();

    const [slot] = await replica.query<{ slot_name: string; confirmed: string | null }>(
      `SELECT slot_name, confirmed_flush_lsn::text AS confirmed FROM pg_replication_slots ORDER BY slot_name`,
    );
    // Only the replica's own slot is there: the primary's plain slot did not come along.
    expect(slot).toMatchObject({ slot_name: 'replica_slot' });
    expect(slot?.confirmed).not.toBeNull();

    const resumed = await decideOn(replica, 'replica_slot');
    expect(resumed.kind).toBe('RESUME');
    expect(resumed.reason).toContain('The slot survived the failover.');
    const lost = await decideOn(replica, 'primary_slot');
    expect(lost.kind).toBe('DATA_GAP');
    expect(lost.reason).toContain(
      'it was neither a synced failover slot (PostgreSQL 17+) nor made on the promoted server while it was a standby (PostgreSQL 16+)',
    );
  });
});
