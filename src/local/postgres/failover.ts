import type { PgNode } from './node.js';
import { sleep } from './node.js';

interface SlotPosition {
  confirmed_flush_lsn: string | null;
  restart_lsn: string | null;
  temporary?: boolean;
}

/**
 * Waits until the failover slot `slotName` on `standby` is a persistent synced copy of the
 * primary's, at the primary's `confirmed_flush_lsn`, and returns that LSN.
 *
 * PostgreSQL 17 keeps a synced slot temporary until the primary slot's `restart_lsn` passes the
 * standby's own position, and `restart_lsn` only moves when a running-transactions record is
 * decoded. With `advance`, the helper plays the consumer: it logs a standby snapshot and advances
 * the slot to the current WAL position until the copy is persistent, then stops advancing so
 * both sides settle on the same position.
 */
export async function waitForFailoverSlotSync(
  primary: PgNode,
  standby: PgNode,
  slotName: string,
  options: { advance?: boolean; timeoutMs?: number } = {},
): Promise<string> {
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  let persisted = false;
  while (Date.now() < deadline) {
    if (!persisted) {
      await primary.query('SELECT pg_log_standby_snapshot()');
      if (options.advance) {
        await primary.query('SELECT pg_replication_slot_advance($1, pg_current_wal_lsn())', [slotName]);
      }
    }
    const [source] = await slotRow(primary, slotName);
    const [copy] = await slotRow(standby, slotName);
    if (!source) throw new Error(`slot ${slotName} does not exist on ${primary.name}`);
    persisted = copy !== undefined && copy.temporary === false;
    if (persisted && copy?.confirmed_flush_lsn === source.confirmed_flush_lsn && source.confirmed_flush_lsn) {
      return source.confirmed_flush_lsn;
    }
    await sleep(100);
  }
  throw new Error(`slot ${slotName} was not synced to ${standby.name} in time`);
}

function slotRow(node: PgNode, slotName: string): Promise<SlotPosition[]> {
  return node.query<SlotPosition>(
    `SELECT confirmed_flush_lsn::text, restart_lsn::text, temporary
       FROM pg_replication_slots WHERE slot_name = $1`,
    [slotName],
  );
}
