import { formatLsn } from '../../core/lsn.js';
import type { PgNode } from './node.js';
import { sleep } from './node.js';
import { readSlotOn } from './slots.js';

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
    const source = (await readSlotOn(primary, slotName))?.slot;
    const copy = (await readSlotOn(standby, slotName))?.slot;
    if (!source) throw new Error(`slot ${slotName} does not exist on ${primary.name}`);
    persisted = copy !== undefined && !copy.temporary;
    const confirmed = source.confirmedFlushLsn;
    if (persisted && confirmed !== null && copy?.confirmedFlushLsn === confirmed) {
      return formatLsn(confirmed);
    }
    await sleep(100);
  }
  throw new Error(`slot ${slotName} was not synced to ${standby.name} in time`);
}
