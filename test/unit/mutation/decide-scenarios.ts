import { type Lsn, parseLsn } from '../../../src/core/lsn.js';
import type {
  RecoveryInput,
  TaskObservation,
  TaskWaitObservation,
} from '../../../src/core/recovery/types.js';
import type { SlotState } from '../../../src/core/slot.js';
import { slotState } from '../../support/slot-state.js';

/**
 * One recovery input per branch of the decision table (docs/architecture.md, "Recovery: restart versus resume"), for the exact-decision test
 * (recovery-decide.test.ts). The slot is 1/1000 (restart) .. 1/2000 (confirmed) on a writer at 1/9000;
 * the task failed with RECOVERABLE_ERROR at checkpoint 1/3000; the last known good position is 1/500.
 */
const L = (text: string): Lsn => parseLsn(text);

export const slot = slotState;

export function task(overrides: Partial<TaskObservation> = {}): TaskObservation {
  return {
    status: 'failed',
    stopReason: 'Stop Reason RECOVERABLE_ERROR',
    lastFailureMessage: 'Last Error connection lost',
    checkpointLsn: L('1/3000'),
    resumable: true,
    ...overrides,
  };
}

interface Scenario {
  readonly task?: TaskObservation | undefined;
  readonly slot?: SlotState | undefined;
  readonly unreachable?: boolean;
  readonly server?: Lsn | null;
  readonly previous?: Lsn | null;
  readonly inRecovery?: boolean;
  readonly failover?: boolean;
  readonly lastKnownGood?: Lsn | null;
  readonly terminate?: boolean;
  readonly taskWait?: TaskWaitObservation | null;
}

export function recoveryInput(s: Scenario): RecoveryInput {
  return {
    task: 'task' in s ? s.task : task(),
    slot: s.unreachable
      ? undefined
      : {
          slot: 'slot' in s ? s.slot : slot(),
          serverLsn: s.server === undefined ? L('1/9000') : s.server,
          previousConfirmedFlushLsn: s.previous ?? null,
          ...(s.inRecovery !== undefined && { inRecovery: s.inRecovery }),
        },
    failoverJustHappened: s.failover ?? false,
    lastKnownGoodLsn: s.lastKnownGood === undefined ? L('1/500') : s.lastKnownGood,
    policy: { terminateStaleBackend: s.terminate ?? false },
    ...(s.taskWait !== undefined && { taskWait: s.taskWait }),
  };
}

const waited = (waitedSeconds: number, timeoutSeconds = 900): TaskWaitObservation => ({
  waitedSeconds,
  timeoutSeconds,
});

export const SCENARIOS: Readonly<Record<string, Scenario>> = {
  sourceUnreachable: { unreachable: true },
  readFromStandby: { inRecovery: true },
  readFromStandbyWithoutPosition: { inRecovery: true, server: null },
  readFromWriter: { inRecovery: false },
  slotMissingAfterFailover: { slot: undefined, failover: true },
  slotMissingNoTaskNoPosition: { slot: undefined, task: undefined, server: null },
  slotMissingNoCheckpoint: { slot: undefined, task: task({ checkpointLsn: null }) },
  walLost: { slot: slot({ walStatus: 'lost' }) },
  noConfirmedNoTask: { slot: slot({ walStatus: null, confirmedFlushLsn: null }), task: undefined },
  noConfirmedNoRestart: {
    slot: slot({ walStatus: null, confirmedFlushLsn: null, restartLsn: null }),
    task: undefined,
    server: null,
  },
  noConfirmedNothingKnown: {
    slot: slot({ walStatus: 'unreserved', confirmedFlushLsn: null, restartLsn: null }),
    task: undefined,
    lastKnownGood: null,
  },
  invalidatedIdleTimeout: { slot: slot({ walStatus: 'lost', invalidationReason: 'idle_timeout' }) },
  invalidatedRowsRemoved: { slot: slot({ invalidationReason: 'rows_removed' }) },
  invalidatedWalLevel: { slot: slot({ walStatus: null, invalidationReason: 'wal_level_insufficient' }) },
  invalidatedWalRemoved: { slot: slot({ walStatus: 'lost', invalidationReason: 'wal_removed' }) },
  notInvalidated: { slot: slot({ invalidationReason: null }) },
  runningRestartedByDms: {
    task: task({ status: 'running' }),
    slot: slot({ active: true, activePid: 7 }),
    previous: L('1/1FFF'),
    taskWait: waited(42.6),
  },
  runningHeldNotMovingWhileWaiting: {
    task: task({ status: 'running' }),
    slot: slot({ active: true }),
    previous: L('1/2000'),
    taskWait: waited(899.9),
  },
  runningHeldNotMovingWaitOver: {
    task: task({ status: 'running' }),
    slot: slot({ active: true, activePid: 7 }),
    previous: L('1/2000'),
    taskWait: waited(900.4),
  },
  runningFirstLook: { task: task({ status: 'running' }), slot: slot({ active: true }) },
  runningAdvancing: {
    task: task({ status: 'running' }),
    slot: slot({ active: true }),
    previous: L('1/1FFF'),
  },
  runningNotAdvanced: {
    task: task({ status: 'running' }),
    slot: slot({ active: true }),
    previous: L('1/2000'),
  },
  runningWentBack: {
    task: task({ status: 'running' }),
    slot: slot({ active: true, activePid: 3 }),
    previous: L('1/2001'),
  },
  runningNothingReads: { task: task({ status: 'running' }) },
  runningNothingReadsWaiting: { task: task({ status: 'running' }), taskWait: waited(899.6) },
  runningNothingReadsWaitOver: { task: task({ status: 'running' }), taskWait: waited(900) },
  starting: { task: task({ status: 'starting' }), slot: slot({ active: true }) },
  stopping: { task: task({ status: 'stopping' }) },
  modifyingWaiting: { task: task({ status: 'modifying' }), taskWait: waited(10.2) },
  startingWaitOver: {
    task: task({ status: 'starting' }),
    slot: slot({ active: true, activePid: 9 }),
    taskWait: waited(1000.4),
  },
  heldPolicyTerminates: {
    task: task({ status: 'stopped' }),
    slot: slot({ active: true, activePid: 4242, activeApplication: 'old' }),
    terminate: true,
  },
  heldNoTaskNoApplication: { task: undefined, slot: slot({ active: true, activeApplication: '' }) },
  taskGone: { task: undefined },
  stoppedAtCommitTime: {
    task: task({ status: 'stopped', stopReason: 'Stop Reason STOPPED_AT_COMMIT_TIME' }),
  },
  stoppedAtServerTime: {
    task: task({ status: 'stopped', stopReason: 'Stop Reason STOPPED_AT_SERVER_TIME' }),
  },
  failedWithAStopAtTimeReason: {
    task: task({ status: 'failed', stopReason: 'Stop Reason STOPPED_AT_SERVER_TIME' }),
  },
  ready: { task: task({ status: 'ready' }) },
  deleting: { task: task({ status: 'deleting' }) },
  checkpointAheadAfterFailover: { task: task({ checkpointLsn: L('1/9001') }), failover: true },
  checkpointAhead: { task: task({ checkpointLsn: L('1/9001') }) },
  checkpointAtServer: {
    task: task({ checkpointLsn: L('1/9000'), stopReason: undefined, lastFailureMessage: undefined }),
  },
  checkpointAheadUnknownServer: { task: task({ checkpointLsn: L('1/9001') }), server: null },
  notResumable: {
    task: task({ resumable: false, notResumableBecause: 'its source endpoint no longer exists' }),
  },
  notResumableCheckpointBehindSlot: { task: task({ resumable: false, checkpointLsn: L('1/1500') }) },
  fatal: { task: task({ stopReason: 'Last Error boom Stop Reason FATAL_ERROR Error Level FATAL' }) },
  fatalNoMessage: { task: task({ stopReason: 'Stop Reason FATAL_ERROR', lastFailureMessage: undefined }) },
  noCheckpoint: { task: task({ checkpointLsn: null }) },
  checkpointBeforeRestart: { task: task({ checkpointLsn: L('1/FFF') }) },
  checkpointAtRestart: { task: task({ checkpointLsn: L('1/1000') }) },
  stoppedNoReasonRestartUnknownAfterFailover: {
    task: task({ status: 'stopped', stopReason: undefined, lastFailureMessage: undefined }),
    slot: slot({ restartLsn: null }),
    failover: true,
  },
  dmsRestartsIt: { task: task({ restartsOnRecoverableError: true }) },
  dmsRestartsItWaiting: { task: task({ restartsOnRecoverableError: true }), taskWait: waited(899) },
  dmsRestartsItWaitOver: { task: task({ restartsOnRecoverableError: true }), taskWait: waited(900.4) },
  dmsDoesNotRestartIt: { task: task({ restartsOnRecoverableError: false }) },
  stoppedByAPersonDmsWouldRestart: {
    task: task({ status: 'stopped', stopReason: 'Stop Reason NORMAL', restartsOnRecoverableError: true }),
  },
  fatalThatDmsWouldRestart: {
    task: task({ restartsOnRecoverableError: true, stopReason: 'Stop Reason FATAL_ERROR' }),
  },
  failedMove: { task: task({ status: 'failed-move' }) },
};
