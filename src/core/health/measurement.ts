import type { Lsn } from '../lsn.js';
import type { SlotReading } from '../slot.js';
import type { DmsTaskRef } from './config.js';

/**
 * What one health check measured on one source. The ports it measures through are in
 * src/ports/health.ts; the core only sees these shapes.
 */

/** A slot as the health check needs it: the slot reading plus what only the health query adds. */
export interface SlotHealth {
  readonly reading: SlotReading;
  /** max(age(xmin), age(catalog_xmin)) in transactions; null when the slot holds neither. */
  readonly xminAge: number | null;
  /** Seconds since inactive_since on the server's clock (PostgreSQL 17+); null while active or before 17. */
  readonly inactiveSeconds: number | null;
  /** PostgreSQL 17+: why the slot was invalidated (wal_removed, rows_removed, ...), else null. */
  readonly invalidationReason: string | null;
  /**
   * PostgreSQL 18+: seconds left before idle_replication_slot_timeout invalidates this inactive slot (at the
   * next checkpoint after it); null when the timeout is off or absent, or the slot is active or invalidated.
   */
  readonly idleTimeoutLeftSeconds?: number | null;
}

/** Every slot on the server and the server facts they are measured against, from one query. */
export interface SlotsSnapshot {
  readonly serverVersion: number;
  /** The server's now() (epoch milliseconds) when the slots were read. */
  readonly serverTime: number;
  readonly inRecovery: boolean;
  readonly slots: readonly SlotHealth[];
  /** pg_current_wal_lsn() (a standby: pg_last_wal_replay_lsn()), for the WAL rate between checks. */
  readonly serverLsn?: Lsn;
  /** max_slot_wal_keep_size (PostgreSQL 13+). */
  readonly slotWalLimit?: SlotWalLimit;
}

/**
 * max_slot_wal_keep_size as it bears on safe_wal_size: a size in bytes, `unlimited` (-1, the default:
 * slots keep WAL without bound and safe_wal_size is null), or `unavailable` (PostgreSQL 12 has neither).
 */
export type SlotWalLimit = { readonly bytes: number } | 'unlimited' | 'unavailable';

/** pg_ls_waldir(): every file in pg_wal. */
export interface WalDirReading {
  readonly bytes: number;
  readonly files: number;
}

export interface RdsStorageReading {
  /** CloudWatch AWS/RDS TransactionLogsDiskUsage (bytes), latest datapoint; null without recent data. */
  readonly transactionLogsDiskUsage: number | null;
  /** AWS/RDS ReplicationSlotDiskUsage (bytes): spill files of logical slots. */
  readonly replicationSlotDiskUsage: number | null;
  /** AWS/RDS FreeStorageSpace (bytes). */
  readonly freeStorageSpace: number | null;
}

export interface DmsLatencyReading {
  readonly task: DmsTaskRef;
  /** AWS/DMS CDCLatencySource (seconds), latest datapoint; null when the task published none recently. */
  readonly cdcLatencySource: number | null;
  readonly cdcLatencyTarget: number | null;
}

export interface CloudReadings {
  readonly rds: RdsStorageReading | null;
  readonly dms: readonly DmsLatencyReading[];
}

/** WAL on disk for the whole server, wherever it was measured. */
export interface WalDiskHealth {
  readonly via: 'pg_ls_waldir' | 'cloudwatch';
  readonly bytes: number | null;
  /** Files in pg_wal; null when measured through CloudWatch. */
  readonly files: number | null;
  /** What walDiskPercent divides by: walDiskCapacityBytes, or on RDS WAL + FreeStorageSpace. */
  readonly capacityBytes: number | null;
  readonly percent: number | null;
  readonly freeStorageBytes: number | null;
  readonly replicationSlotDiskBytes: number | null;
}

/** One source, measured. `problems` are partial failures that did not stop the check. */
export interface SourceMeasurement {
  readonly source: string;
  readonly measuredAt: number;
  readonly serverVersion: number;
  readonly inRecovery: boolean;
  /** The slots the configuration selects, by name. */
  readonly slots: readonly SlotHealth[];
  /** Slots named in the configuration that the server does not have. */
  readonly missingSlots: readonly string[];
  readonly wal: WalDiskHealth | null;
  readonly dms: readonly DmsLatencyReading[];
  readonly problems: readonly string[];
  readonly serverLsn?: Lsn;
  readonly slotWalLimit?: SlotWalLimit;
}
