import type { TaskStatus } from '../../ports/dms.js';
import type { Lsn } from '../lsn.js';
import type { SlotState } from '../slot.js';
import type { DECISION_KINDS as DECISION_KINDS_LIST } from './report.js';

/** The DMS task as the recover machine read it; undefined when it no longer exists. */
export interface TaskObservation {
  readonly status: TaskStatus;
  readonly stopReason: string | undefined;
  readonly lastFailureMessage: string | undefined;
  /** The LSN inside RecoveryCheckpoint; null when DMS reports none (never ran, or deleted). */
  readonly checkpointLsn: Lsn | null;
  /**
   * False when what DMS reports rules a resume-processing out: the task failed to move (failed-move), or its
   * source endpoint is gone or no longer names the slot (or the database) being recovered.
   */
  readonly resumable: boolean;
  /** Why it cannot be resumed, in DMS's terms (only when resumable is false). */
  readonly notResumableBecause?: string;
  /**
   * DMS restarts this task by itself after a recoverable error: ReplicationTaskSettings
   * ErrorBehavior.RecoverableErrorCount is not 0 (DMS's default is -1: DMS decides how many attempts). Unknown: false.
   */
  readonly restartsOnRecoverableError?: boolean;
}

/** The wait for DMS to bring the task back by itself (WAIT_FOR_TASK) that a decision continues. */
export interface TaskWaitObservation {
  /** Seconds since the first WAIT_FOR_TASK decision of this wait. */
  readonly waitedSeconds: number;
  /** The bound (timing.taskWaitTimeoutSeconds): past it, stop waiting for DMS. */
  readonly timeoutSeconds: number;
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
  /** The previous decision was WAIT_FOR_TASK: how long DMS has been waited for. Absent: no such wait. */
  readonly taskWait?: TaskWaitObservation | null;
}

/**
 * Every decision the recover machine branches on (its Choice states compare these names), listed once
 * in report.ts with what the machine does on each.
 */
export { DECISION_KINDS } from './report.js';
export type DecisionKind = (typeof DECISION_KINDS_LIST)[number];

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
  /**
   * NO_ACTION that ends a WAIT_FOR_TASK: DMS restarted the task by itself (from its checkpoint) while the
   * machine waited; the machine only confirms the slot advances.
   */
  readonly restartedByDms?: boolean;
  /** WAIT_FOR_SLOT: who holds the slot, and whether policy allows terminating it after the wait. */
  readonly holder?: {
    readonly pid: number | null;
    readonly application: string | null;
    readonly terminate: boolean;
  };
}
