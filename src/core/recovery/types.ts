import type { TaskStatus } from '../../ports/dms.js';
import type { Lsn } from '../lsn.js';
import type { SlotState } from '../slot.js';

/** The DMS task as the recover machine read it; undefined when it no longer exists. */
export interface TaskObservation {
  readonly status: TaskStatus;
  readonly stopReason: string | undefined;
  readonly lastFailureMessage: string | undefined;
  /** The LSN inside RecoveryCheckpoint; null when DMS reports none (never ran, or deleted). */
  readonly checkpointLsn: Lsn | null;
  /** False when the task cannot be resumed as it is (settings or endpoint changed by a person). */
  readonly resumable: boolean;
}

export interface SlotObservation {
  /** The slot on the current writer; undefined when it does not exist there. */
  readonly slot: SlotState | undefined;
  /** The writer's current WAL position (the upper bound of a range at risk). */
  readonly serverLsn: Lsn | null;
  /** confirmed_flush_lsn at the previous observation, to tell whether a running task advances it. */
  readonly previousConfirmedFlushLsn: Lsn | null;
  /**
   * pg_is_in_recovery() on the server that was read: true when it is a standby, not the writer
   * (a failover not finished, or a secret that names a replica). Unknown when absent.
   */
  readonly inRecovery?: boolean;
}

export interface RecoveryInput {
  readonly task: TaskObservation | undefined;
  /** undefined when the source could not be reached (after the machine's own retries). */
  readonly slot: SlotObservation | undefined;
  readonly failoverJustHappened: boolean;
  /** The last position known to be safely applied before the fault (e.g. the task's start position). */
  readonly lastKnownGoodLsn: Lsn | null;
  readonly policy: { readonly terminateStaleBackend: boolean };
}

export type DecisionKind =
  | 'NO_ACTION'
  | 'RESUME'
  | 'WAIT_FOR_SLOT'
  | 'NEW_TASK_FROM_SLOT'
  | 'DATA_GAP'
  | 'ESCALATE';

export interface LsnRange {
  /** Exclusive: the last position known to be applied. null when not known. */
  readonly from: Lsn | null;
  /** Inclusive: the writer's position when the gap was found. null when not known. */
  readonly to: Lsn | null;
}

export interface Decision {
  readonly kind: DecisionKind;
  /** Plain words: what was seen and why this is the safe choice. */
  readonly reason: string;
  /** The positions the decision was made on (only the ones known). */
  readonly lsns: {
    readonly checkpoint?: Lsn;
    readonly confirmedFlush?: Lsn;
    readonly restart?: Lsn;
    readonly server?: Lsn;
    /** NEW_TASK_FROM_SLOT: where the new task starts. */
    readonly startPosition?: Lsn;
  };
  /** DATA_GAP: the changes that may be missing on the target. */
  readonly atRisk?: LsnRange;
  /** WAIT_FOR_SLOT: who holds the slot, and whether policy allows terminating it after the wait. */
  readonly holder?: {
    readonly pid: number | null;
    readonly application: string | null;
    readonly terminate: boolean;
  };
}
