import { describe, expect, it } from 'vitest';
import { decideRecovery } from '../../../src/core/recovery/decide.js';
import { toDecisionReport } from '../../../src/core/recovery/report.js';
import { recoveryInput, SCENARIOS } from './decide-scenarios.js';

/**
 * The recovery decision for one input per branch of the decision table (docs/architecture.md, "Recovery: restart versus resume"), exactly:
 * kind, the reason a person reads in the notification, the LSNs it was made on, the range at risk, the
 * slot holder and whether DMS's own restart was the recovery (mutation testing). The inputs are
 * in decide-scenarios.ts; a changed reason is a changed message: change it here with the code.
 */
type Expected = ReturnType<typeof toDecisionReport> & { readonly restartedByDms: boolean | null };

/** Nothing at risk, no holder, no restart by DMS: most decisions. */
const NO_RISK = { atRisk: null, holder: null, restartedByDms: null } as const;
/** The LSNs every decision made on the intact slot names (decide-scenarios.ts), and NO_RISK. */
const SLOT_INTACT = {
  lsns: { checkpoint: '1/3000', confirmedFlush: '1/2000', restart: '1/1000', server: '1/9000' },
  ...NO_RISK,
} as const;

const onIntactSlot = (kind: Expected['kind'], reason: string): Expected => ({ kind, reason, ...SLOT_INTACT });
/** A DATA_GAP: the LSNs it names and the range that may be missing on the target. */
const gap = (reason: string, lsns: Expected['lsns'], atRisk: Expected['atRisk']): Expected => ({
  kind: 'DATA_GAP',
  reason,
  lsns,
  atRisk,
  holder: null,
  restartedByDms: null,
});

const EXPECTED: Readonly<Record<string, Expected>> = {
  sourceUnreachable: {
    kind: 'ESCALATE',
    reason:
      'The source could not be reached after retries: nothing can be decided about the slot. A person must look.',
    lsns: {},
    ...NO_RISK,
  },
  readFromStandby: {
    kind: 'ESCALATE',
    reason:
      'The source that was read is a standby (pg_is_in_recovery() is true), not the writer: the failover has not finished, or the source secret names a replica. Nothing is decided from a standby: point the secret at the writer (or wait for the promotion), then run the recovery again.',
    lsns: { server: '1/9000' },
    ...NO_RISK,
  },
  readFromStandbyWithoutPosition: {
    kind: 'ESCALATE',
    reason:
      'The source that was read is a standby (pg_is_in_recovery() is true), not the writer: the failover has not finished, or the source secret names a replica. Nothing is decided from a standby: point the secret at the writer (or wait for the promotion), then run the recovery again.',
    lsns: {},
    ...NO_RISK,
  },
  readFromWriter: onIntactSlot(
    'RESUME',
    'The task is failed (RECOVERABLE_ERROR) and slot dms_slot still holds its WAL from the checkpoint 1/3000 on (restart_lsn 1/1000): resume-processing continues exactly where it stopped.',
  ),
  slotMissingAfterFailover: gap(
    'The slot does not exist on the new writer: it was neither a synced failover slot (PostgreSQL 17+) nor made on the promoted server while it was a standby (PostgreSQL 16+). Changes after the last applied position are not retained anywhere DMS can read. Changes in 1/3000 .. 1/9000 may be missing on the target. Nothing is done automatically: an approved path recreates the slot and reloads the target.',
    { checkpoint: '1/3000', server: '1/9000' },
    { from: '1/3000', to: '1/9000' },
  ),
  slotMissingNoTaskNoPosition: gap(
    'The slot does not exist on the source. Changes after the last applied position are not retained anywhere DMS can read. Changes in 1/500 .. unknown may be missing on the target. Nothing is done automatically: an approved path recreates the slot and reloads the target.',
    {},
    { from: '1/500', to: null },
  ),
  slotMissingNoCheckpoint: gap(
    'The slot does not exist on the source. Changes after the last applied position are not retained anywhere DMS can read. Changes in 1/500 .. 1/9000 may be missing on the target. Nothing is done automatically: an approved path recreates the slot and reloads the target.',
    { server: '1/9000' },
    { from: '1/500', to: '1/9000' },
  ),
  walLost: gap(
    'Slot dms_slot is invalidated (wal_status lost): the WAL it needed was removed. Changes in 1/3000 .. 1/9000 may be missing on the target. Nothing is done automatically: an approved path recreates the slot and reloads the target.',
    SLOT_INTACT.lsns,
    { from: '1/3000', to: '1/9000' },
  ),
  noConfirmedNoTask: gap(
    'Slot dms_slot is invalidated (wal_status unknown): the WAL it needed was removed. Changes in 1/1000 .. 1/9000 may be missing on the target. Nothing is done automatically: an approved path recreates the slot and reloads the target.',
    { restart: '1/1000', server: '1/9000' },
    { from: '1/1000', to: '1/9000' },
  ),
  noConfirmedNoRestart: gap(
    'Slot dms_slot is invalidated (wal_status unknown): the WAL it needed was removed. Changes in 1/500 .. unknown may be missing on the target. Nothing is done automatically: an approved path recreates the slot and reloads the target.',
    {},
    { from: '1/500', to: null },
  ),
  noConfirmedNothingKnown: gap(
    'Slot dms_slot is invalidated (wal_status unreserved): the WAL it needed was removed. Changes in unknown .. 1/9000 may be missing on the target. Nothing is done automatically: an approved path recreates the slot and reloads the target.',
    { server: '1/9000' },
    { from: null, to: '1/9000' },
  ),
  invalidatedIdleTimeout: gap(
    'Slot dms_slot is invalidated (wal_status lost, invalidation_reason idle_timeout): it stayed inactive longer than idle_replication_slot_timeout (PostgreSQL 18) and PostgreSQL dropped the WAL it held. Changes in 1/3000 .. 1/9000 may be missing on the target. Nothing is done automatically: an approved path recreates the slot and reloads the target.',
    SLOT_INTACT.lsns,
    { from: '1/3000', to: '1/9000' },
  ),
  invalidatedRowsRemoved: gap(
    'Slot dms_slot is invalidated (wal_status reserved, invalidation_reason rows_removed): catalog rows it needed were removed (a conflict with recovery on a standby). Changes in 1/3000 .. 1/9000 may be missing on the target. Nothing is done automatically: an approved path recreates the slot and reloads the target.',
    SLOT_INTACT.lsns,
    { from: '1/3000', to: '1/9000' },
  ),
  invalidatedWalLevel: gap(
    'Slot dms_slot is invalidated (wal_status unknown, invalidation_reason wal_level_insufficient): wal_level fell below logical on the primary. Changes in 1/3000 .. 1/9000 may be missing on the target. Nothing is done automatically: an approved path recreates the slot and reloads the target.',
    SLOT_INTACT.lsns,
    { from: '1/3000', to: '1/9000' },
  ),
  invalidatedWalRemoved: gap(
    'Slot dms_slot is invalidated (wal_status lost, invalidation_reason wal_removed): the WAL it needed was removed. Changes in 1/3000 .. 1/9000 may be missing on the target. Nothing is done automatically: an approved path recreates the slot and reloads the target.',
    SLOT_INTACT.lsns,
    { from: '1/3000', to: '1/9000' },
  ),
  notInvalidated: onIntactSlot(
    'RESUME',
    'The task is failed (RECOVERABLE_ERROR) and slot dms_slot still holds its WAL from the checkpoint 1/3000 on (restart_lsn 1/1000): resume-processing continues exactly where it stopped.',
  ),
  runningRestartedByDms: {
    kind: 'NO_ACTION',
    reason:
      'DMS restarted the task by itself and it reads slot dms_slot again (confirmed_flush_lsn moved from 1/1FFF to 1/2000 during 43 s of waiting): nothing is started twice.',
    lsns: SLOT_INTACT.lsns,
    atRisk: null,
    holder: null,
    restartedByDms: true,
  },
  runningHeldNotMovingWhileWaiting: onIntactSlot(
    'WAIT_FOR_TASK',
    'The task reports running and slot dms_slot is active (PID ?) but has not advanced yet: look again (bounded); nothing is started or terminated meanwhile.',
  ),
  runningHeldNotMovingWaitOver: onIntactSlot(
    'ESCALATE',
    'The task reports running but slot dms_slot has not advanced since the last check (900 s of waiting): the task may be stuck, or PID 7 is not its walsender.',
  ),
  runningFirstLook: onIntactSlot(
    'WAIT_FOR_TASK',
    'The task reports running and slot dms_slot is active (PID ?), but one look cannot show it advancing: look again after a bounded wait; nothing is started or terminated meanwhile.',
  ),
  runningAdvancing: onIntactSlot(
    'NO_ACTION',
    'The task is running and slot dms_slot is active and advancing (confirmed_flush_lsn moved from 1/1FFF to 1/2000).',
  ),
  runningNotAdvanced: onIntactSlot(
    'ESCALATE',
    'The task reports running but slot dms_slot has not advanced since the last check: the task may be stuck, or PID ? is not its walsender.',
  ),
  runningWentBack: onIntactSlot(
    'ESCALATE',
    'The task reports running but slot dms_slot has not advanced since the last check: the task may be stuck, or PID 3 is not its walsender.',
  ),
  runningNothingReads: onIntactSlot(
    'WAIT_FOR_TASK',
    'The task reports running but nothing reads slot dms_slot yet: DMS is reconnecting it (after a recoverable error DMS restarts a task by itself). Wait (bounded) and decide again; nothing is started or terminated meanwhile.',
  ),
  runningNothingReadsWaiting: onIntactSlot(
    'WAIT_FOR_TASK',
    'The task reports running but nothing reads slot dms_slot yet: DMS is reconnecting it (after a recoverable error DMS restarts a task by itself). Wait (bounded) and decide again; nothing is started or terminated meanwhile.',
  ),
  runningNothingReadsWaitOver: onIntactSlot(
    'ESCALATE',
    'The task reports running but nothing reads slot dms_slot, still after 900 s of waiting for DMS to reconnect: the task is stuck.',
  ),
  starting: onIntactSlot(
    'WAIT_FOR_TASK',
    "The task is starting: DMS is acting on it (after a recoverable error DMS restarts a task by itself); slot dms_slot is held by PID ? (DMS's own walsender while it starts). Wait (bounded) and decide again; nothing is started, created or terminated meanwhile.",
  ),
  stopping: onIntactSlot(
    'WAIT_FOR_TASK',
    'The task is stopping: DMS is acting on it; slot dms_slot is free. Wait (bounded) and decide again; nothing is started, created or terminated meanwhile.',
  ),
  modifyingWaiting: onIntactSlot(
    'WAIT_FOR_TASK',
    'The task is modifying: DMS is acting on it; slot dms_slot is free. Wait (bounded) and decide again; nothing is started, created or terminated meanwhile.',
  ),
  startingWaitOver: onIntactSlot(
    'ESCALATE',
    "The task is still starting after 1000 s of waiting for DMS to settle it (slot dms_slot is held by PID 9 (DMS's own walsender while it starts)).",
  ),
  heldPolicyTerminates: {
    kind: 'WAIT_FOR_SLOT',
    reason:
      'Slot dms_slot is active for PID 4242 (old) while the task is stopped: a stale walsender holds it. Wait for it to exit, then terminate it.',
    lsns: SLOT_INTACT.lsns,
    atRisk: null,
    holder: { pid: 4242, application: 'old', terminate: true },
    restartedByDms: null,
  },
  heldNoTaskNoApplication: {
    kind: 'WAIT_FOR_SLOT',
    reason:
      'Slot dms_slot is active for PID ? (no application_name) while the task is gone: a stale walsender holds it. Wait for it to exit; policy forbids terminating it.',
    lsns: { confirmedFlush: '1/2000', restart: '1/1000', server: '1/9000' },
    atRisk: null,
    holder: { pid: null, application: '', terminate: false },
    restartedByDms: null,
  },
  taskGone: {
    kind: 'NEW_TASK_FROM_SLOT',
    reason:
      'The task no longer exists (its checkpoint went with it), but slot dms_slot is intact. Create a new CDC task on the same slot at 1/2000; keep the old one stopped for its checkpoint.',
    lsns: { confirmedFlush: '1/2000', restart: '1/1000', server: '1/9000', startPosition: '1/2000' },
    ...NO_RISK,
  },
  stoppedAtCommitTime: {
    kind: 'NO_ACTION',
    reason: 'The task stopped where it was told to (STOPPED_AT_COMMIT_TIME): nothing to recover.',
    ...SLOT_INTACT,
  },
  stoppedAtServerTime: {
    kind: 'NO_ACTION',
    reason: 'The task stopped where it was told to (STOPPED_AT_SERVER_TIME): nothing to recover.',
    ...SLOT_INTACT,
  },
  failedWithAStopAtTimeReason: onIntactSlot(
    'RESUME',
    'The task is failed (STOPPED_AT_SERVER_TIME) and slot dms_slot still holds its WAL from the checkpoint 1/3000 on (restart_lsn 1/1000): resume-processing continues exactly where it stopped.',
  ),
  ready: {
    kind: 'ESCALATE',
    reason: 'The task is ready: wait until DMS settles it, then decide again.',
    ...SLOT_INTACT,
  },
  deleting: {
    kind: 'ESCALATE',
    reason: 'The task is deleting: wait until DMS settles it, then decide again.',
    ...SLOT_INTACT,
  },
  checkpointAheadAfterFailover: gap(
    "The task checkpoint 1/9001 is ahead of the writer's WAL position 1/9000 after the failover: the target applied transactions this server never had (lost with the old primary), and resuming slot dms_slot would skip this server's new transactions up to 1/9001 as already applied. Changes in 1/9000 .. 1/9001 may be missing on the target. Nothing is done automatically: an approved path recreates the slot and reloads the target.",
    { checkpoint: '1/9001', confirmedFlush: '1/2000', restart: '1/1000', server: '1/9000' },
    { from: '1/9000', to: '1/9001' },
  ),
  checkpointAhead: gap(
    "The task checkpoint 1/9001 is ahead of the writer's WAL position 1/9000: the target applied transactions this server never had (lost with the old primary), and resuming slot dms_slot would skip this server's new transactions up to 1/9001 as already applied. Changes in 1/9000 .. 1/9001 may be missing on the target. Nothing is done automatically: an approved path recreates the slot and reloads the target.",
    { checkpoint: '1/9001', confirmedFlush: '1/2000', restart: '1/1000', server: '1/9000' },
    { from: '1/9000', to: '1/9001' },
  ),
  checkpointAtServer: {
    kind: 'RESUME',
    reason:
      'The task is failed and slot dms_slot still holds its WAL from the checkpoint 1/9000 on (restart_lsn 1/1000): resume-processing continues exactly where it stopped.',
    lsns: { checkpoint: '1/9000', confirmedFlush: '1/2000', restart: '1/1000', server: '1/9000' },
    ...NO_RISK,
  },
  checkpointAheadUnknownServer: {
    kind: 'RESUME',
    reason:
      'The task is failed (RECOVERABLE_ERROR) and slot dms_slot still holds its WAL from the checkpoint 1/9001 on (restart_lsn 1/1000): resume-processing continues exactly where it stopped.',
    lsns: { checkpoint: '1/9001', confirmedFlush: '1/2000', restart: '1/1000' },
    ...NO_RISK,
  },
  notResumable: {
    kind: 'NEW_TASK_FROM_SLOT',
    reason:
      'The task cannot be resumed as it is (its source endpoint no longer exists); slot dms_slot is intact. Create a new CDC task on the same slot at 1/3000; keep the old one stopped for its checkpoint.',
    lsns: {
      checkpoint: '1/3000',
      confirmedFlush: '1/2000',
      restart: '1/1000',
      server: '1/9000',
      startPosition: '1/3000',
    },
    ...NO_RISK,
  },
  notResumableCheckpointBehindSlot: {
    kind: 'NEW_TASK_FROM_SLOT',
    reason:
      'The task cannot be resumed as it is (its settings or endpoints changed); slot dms_slot is intact. Create a new CDC task on the same slot at 1/2000; keep the old one stopped for its checkpoint.',
    lsns: {
      checkpoint: '1/1500',
      confirmedFlush: '1/2000',
      restart: '1/1000',
      server: '1/9000',
      startPosition: '1/2000',
    },
    ...NO_RISK,
  },
  fatal: {
    kind: 'NEW_TASK_FROM_SLOT',
    reason:
      'The task failed with FATAL_ERROR (boom); slot dms_slot is intact. Create a new CDC task on the same slot at 1/3000; keep the old one stopped for its checkpoint.',
    lsns: {
      checkpoint: '1/3000',
      confirmedFlush: '1/2000',
      restart: '1/1000',
      server: '1/9000',
      startPosition: '1/3000',
    },
    ...NO_RISK,
  },
  fatalNoMessage: {
    kind: 'NEW_TASK_FROM_SLOT',
    reason:
      'The task failed with FATAL_ERROR (no message); slot dms_slot is intact. Create a new CDC task on the same slot at 1/3000; keep the old one stopped for its checkpoint.',
    lsns: {
      checkpoint: '1/3000',
      confirmedFlush: '1/2000',
      restart: '1/1000',
      server: '1/9000',
      startPosition: '1/3000',
    },
    ...NO_RISK,
  },
  noCheckpoint: {
    kind: 'NEW_TASK_FROM_SLOT',
    reason:
      'The task has no recovery checkpoint; slot dms_slot is intact. Create a new CDC task on the same slot at 1/2000; keep the old one stopped for its checkpoint.',
    lsns: { confirmedFlush: '1/2000', restart: '1/1000', server: '1/9000', startPosition: '1/2000' },
    ...NO_RISK,
  },
  checkpointBeforeRestart: gap(
    'The task checkpoint 1/FFF is before slot dms_slot restart_lsn 1/1000: the slot no longer holds the changes the task needs to resume. Changes in 1/FFF .. 1/1000 may be missing on the target. Nothing is done automatically: an approved path recreates the slot and reloads the target.',
    { checkpoint: '1/FFF', confirmedFlush: '1/2000', restart: '1/1000', server: '1/9000' },
    { from: '1/FFF', to: '1/1000' },
  ),
  checkpointAtRestart: {
    kind: 'RESUME',
    reason:
      'The task is failed (RECOVERABLE_ERROR) and slot dms_slot still holds its WAL from the checkpoint 1/1000 on (restart_lsn 1/1000): resume-processing continues exactly where it stopped.',
    lsns: { checkpoint: '1/1000', confirmedFlush: '1/2000', restart: '1/1000', server: '1/9000' },
    ...NO_RISK,
  },
  stoppedNoReasonRestartUnknownAfterFailover: {
    kind: 'RESUME',
    reason:
      'The task is stopped and slot dms_slot still holds its WAL from the checkpoint 1/3000 on (restart_lsn n/a): resume-processing continues exactly where it stopped. The slot survived the failover.',
    lsns: { checkpoint: '1/3000', confirmedFlush: '1/2000', server: '1/9000' },
    ...NO_RISK,
  },
  dmsRestartsIt: onIntactSlot(
    'WAIT_FOR_TASK',
    "The task is failed (RECOVERABLE_ERROR) and its RecoverableErrorCount lets DMS restart it by itself (a resume from its checkpoint); slot dms_slot still holds its WAL from the checkpoint 1/3000 on (restart_lsn 1/1000). Wait (bounded) for DMS's restart instead of resuming it a second time.",
  ),
  dmsRestartsItWaiting: onIntactSlot(
    'WAIT_FOR_TASK',
    "The task is failed (RECOVERABLE_ERROR) and its RecoverableErrorCount lets DMS restart it by itself (a resume from its checkpoint); slot dms_slot still holds its WAL from the checkpoint 1/3000 on (restart_lsn 1/1000). Wait (bounded) for DMS's restart instead of resuming it a second time.",
  ),
  dmsRestartsItWaitOver: onIntactSlot(
    'RESUME',
    'The task is failed (RECOVERABLE_ERROR) and slot dms_slot still holds its WAL from the checkpoint 1/3000 on (restart_lsn 1/1000): resume-processing continues exactly where it stopped. DMS did not restart it within 900 s.',
  ),
  dmsDoesNotRestartIt: onIntactSlot(
    'RESUME',
    'The task is failed (RECOVERABLE_ERROR) and slot dms_slot still holds its WAL from the checkpoint 1/3000 on (restart_lsn 1/1000): resume-processing continues exactly where it stopped.',
  ),
  stoppedByAPersonDmsWouldRestart: onIntactSlot(
    'RESUME',
    'The task is stopped (NORMAL) and slot dms_slot still holds its WAL from the checkpoint 1/3000 on (restart_lsn 1/1000): resume-processing continues exactly where it stopped.',
  ),
  fatalThatDmsWouldRestart: {
    kind: 'NEW_TASK_FROM_SLOT',
    reason:
      'The task failed with FATAL_ERROR (connection lost); slot dms_slot is intact. Create a new CDC task on the same slot at 1/3000; keep the old one stopped for its checkpoint.',
    lsns: {
      checkpoint: '1/3000',
      confirmedFlush: '1/2000',
      restart: '1/1000',
      server: '1/9000',
      startPosition: '1/3000',
    },
    ...NO_RISK,
  },
  failedMove: onIntactSlot(
    'RESUME',
    'The task is failed-move (RECOVERABLE_ERROR) and slot dms_slot still holds its WAL from the checkpoint 1/3000 on (restart_lsn 1/1000): resume-processing continues exactly where it stopped.',
  ),
};

describe('decideRecovery, branch by branch', () => {
  it('has an expected decision for every scenario', () => {
    expect(Object.keys(EXPECTED).sort()).toEqual(Object.keys(SCENARIOS).sort());
  });

  it.each(Object.keys(SCENARIOS))('%s', (name) => {
    const decision = decideRecovery(recoveryInput(SCENARIOS[name] ?? {}));
    expect({ ...toDecisionReport(decision), restartedByDms: decision.restartedByDms ?? null }).toEqual(
      EXPECTED[name],
    );
  });
});
