import { formatSize } from './health/sizes.js';
import { formatLsn, type Lsn, lsnDiff } from './lsn.js';

/** pg_replication_slots.wal_status (PostgreSQL 13+). */
export type WalStatus = 'reserved' | 'extended' | 'unreserved' | 'lost';

/**
 * One replication slot as pg_replication_slots reports it: the one slot model. `L` and `B` are how LSNs
 * and byte sizes are carried: SlotState holds them typed (Lsn, bigint), SlotJson as JSON carries them
 * (text, number). Columns a major lacks are null (see src/adapters/pg/slots.ts, the one reader).
 */
interface SlotModel<L, B> {
  readonly slotName: string;
  readonly slotType: 'logical' | 'physical';
  readonly plugin: string | null;
  readonly database: string | null;
  readonly temporary: boolean;
  readonly active: boolean;
  readonly activePid: number | null;
  /** application_name of the backend holding the slot, when one does. */
  readonly activeApplication: string | null;
  readonly restartLsn: L | null;
  readonly confirmedFlushLsn: L | null;
  readonly walStatus: WalStatus | null;
  /** Bytes that can still be written before the slot is in danger of losing WAL (max_slot_wal_keep_size). */
  readonly safeWalSizeBytes: B | null;
  /** PostgreSQL 14+: decodes prepared transactions at PREPARE. null before 14. */
  readonly twoPhase: boolean | null;
  /** PostgreSQL 17+: created with failover = true. null before 17. */
  readonly failover: boolean | null;
  /** PostgreSQL 17+: a copy synced from the primary (only ever true on a standby or a promoted one). */
  readonly synced: boolean | null;
  /** PostgreSQL 17+: when the slot last became inactive (ISO 8601), null while active. */
  readonly inactiveSince: string | null;
  /**
   * PostgreSQL 16+: the slot was invalidated by a recovery conflict. null before 16. The reader always
   * sets it; optional so that a slot built by hand may leave out what it does not test.
   */
  readonly conflicting?: boolean | null;
  /**
   * PostgreSQL 17+: why PostgreSQL invalidated the slot (wal_removed, rows_removed, wal_level_insufficient;
   * 18: idle_timeout, after idle_replication_slot_timeout). null while valid or before 17. Always set by
   * the reader; optional like conflicting.
   */
  readonly invalidationReason?: string | null;
}

/** A slot with typed LSNs and exact byte sizes: what the core decides on. */
export type SlotState = SlotModel<Lsn, bigint>;

/** The same slot as JSON carries it: LSNs as text, sizes as numbers. */
export type SlotJson = SlotModel<string, number>;

/** A slot read together with the server position it is measured against. */
export interface SlotReading {
  readonly slot: SlotState;
  /** pg_current_wal_lsn() on a primary, pg_last_wal_replay_lsn() on a standby. */
  readonly serverLsn: Lsn;
  readonly inRecovery: boolean;
  /** Changes not yet confirmed by the consumer: serverLsn - confirmed_flush_lsn. */
  readonly lagBytes: bigint | null;
  /** WAL the server keeps for this slot: serverLsn - restart_lsn. */
  readonly retainedWalBytes: bigint | null;
}

export function measureSlot(slot: SlotState, serverLsn: Lsn, inRecovery: boolean): SlotReading {
  return {
    slot,
    serverLsn,
    inRecovery,
    lagBytes:
      slot.confirmedFlushLsn === null ? null : clampAtZero(lsnDiff(serverLsn, slot.confirmedFlushLsn)),
    retainedWalBytes: slot.restartLsn === null ? null : clampAtZero(lsnDiff(serverLsn, slot.restartLsn)),
  };
}

// A standby's replay position can trail a synced slot's confirmed position for a moment;
// negative lag would only confuse thresholds and readers.
function clampAtZero(bytes: bigint): bigint {
  return bytes < 0n ? 0n : bytes;
}

/** Human byte sizes for reports (formatSize, the one byte formatter): 1536n -> "1.5 KiB"; null -> "n/a". */
export function formatBytes(bytes: bigint | null): string {
  return bytes === null ? 'n/a' : formatSize(Number(bytes));
}

/** The JSON shape of a slot reading (Step Functions payloads, CLI --json): LSNs as text, sizes as numbers. */
export type SlotReport = Omit<SlotJson, 'conflicting' | 'invalidationReason'> & {
  readonly serverLsn: string;
  readonly inRecovery: boolean;
  readonly lagBytes: number | null;
  readonly retainedWalBytes: number | null;
};

/** A slot as JSON carries it (every column, conflicting and invalidationReason included). */
export function toSlotJson(slot: SlotState): Required<SlotJson> {
  return {
    ...reportedColumns(slot),
    conflicting: slot.conflicting ?? null,
    invalidationReason: slot.invalidationReason ?? null,
  };
}

function reportedColumns(slot: SlotState): Omit<SlotJson, 'conflicting' | 'invalidationReason'> {
  return {
    slotName: slot.slotName,
    slotType: slot.slotType,
    plugin: slot.plugin,
    database: slot.database,
    temporary: slot.temporary,
    active: slot.active,
    activePid: slot.activePid,
    activeApplication: slot.activeApplication,
    restartLsn: optionalFormat(slot.restartLsn),
    confirmedFlushLsn: optionalFormat(slot.confirmedFlushLsn),
    walStatus: slot.walStatus,
    safeWalSizeBytes: optionalNumber(slot.safeWalSizeBytes),
    twoPhase: slot.twoPhase,
    failover: slot.failover,
    synced: slot.synced,
    inactiveSince: slot.inactiveSince,
  };
}

export function toSlotReport(reading: SlotReading): SlotReport {
  return {
    ...reportedColumns(reading.slot),
    serverLsn: formatLsn(reading.serverLsn),
    inRecovery: reading.inRecovery,
    lagBytes: optionalNumber(reading.lagBytes),
    retainedWalBytes: optionalNumber(reading.retainedWalBytes),
  };
}

function optionalFormat(lsn: Lsn | null): string | null {
  return lsn === null ? null : formatLsn(lsn);
}

// Byte counts below 2^53 (8 PiB) are exact as numbers, which is every WAL size a server can hold.
function optionalNumber(bytes: bigint | null): number | null {
  return bytes === null ? null : Number(bytes);
}
