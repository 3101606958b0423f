import type { Lsn } from '../core/lsn.js';
import type { SlotReading } from '../core/slot.js';

/** What the core needs from a PostgreSQL source. Adapters: src/adapters/pg. */
export interface SourceDb {
  /** The slot and the server position it is measured against; undefined when no such slot exists. */
  readSlot(slotName: string): Promise<SlotReading | undefined>;
  /** Every replication slot on the server, in one round trip. */
  readSlots(): Promise<SlotReading[]>;
  /** The server's WAL position (replay position on a standby) and whether it is a standby. */
  readServerPosition(): Promise<{ serverLsn: Lsn; inRecovery: boolean }>;
}

/**
 * Ends the backend holding a slot, only while that PID holds it (terminated false when it no longer
 * does). Adapter: src/adapters/pg/slot-admin.ts terminateSlotHolder.
 */
export type TerminateHolder = (
  slotName: string,
  pid: number,
  waitMs: number,
) => Promise<{ readonly terminated: boolean; readonly application: string | null }>;
