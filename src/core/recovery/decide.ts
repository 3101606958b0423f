import type { TaskStatus } from '../../ports/dms.js';
import { compareLsn, formatLsn, type Lsn, maxLsn } from '../lsn.js';
import type { SlotState } from '../slot.js';
import { taskStopReason } from '../stop-reason.js';
import type {
  Decision,
  RecoveryInput,
  SlotObservation,
  TaskObservation,
  TaskWaitObservation,
} from './types.js';

/**
 * Statuses DMS moves a task through by itself. `starting` includes DMS's own restart after a recoverable
 * error: acting then (a resume, a new task, terminating the walsender DMS just opened) would act twice.
 */
const DMS_SETTLING: ReadonlySet<TaskStatus> = new Set([
  'starting',
  'stopping',
  'modifying',
  'moving',
  'creating',
  'testing',
]);

/**
 * Restart versus resume (docs/architecture.md). One decision, never a DMS restart: a restart
 * recreates the slot and drops every change it held. Rules are checked in order of how much data
 * they protect: an unreachable source or a missing/invalidated slot first, then who holds the
 * slot, then what the task can do.
 */
export function decideRecovery(input: RecoveryInput): Decision {
  if (!input.slot) {
    return {
      kind: 'ESCALATE',
      reason:
        'The source could not be reached after retries: nothing can be decided about the slot. A person must look.',
      lsns: {},
    };
  }
  if (input.slot.inRecovery === true) return notTheWriter(input.slot);
  const { slot } = input.slot;
  const checkpoint = input.task?.checkpointLsn ?? null;
  if (!slot) return slotMissing(input, input.slot, checkpoint);
  const lsns = slotLsns(slot, input.slot.serverLsn, checkpoint);
  if (slot.walStatus === 'lost' || slot.confirmedFlushLsn === null || slot.invalidationReason) {
    return dataGap(
      `Slot ${slot.slotName} is invalidated (wal_status ${slot.walStatus ?? 'unknown'}` +
        `${slot.invalidationReason ? `, invalidation_reason ${slot.invalidationReason}` : ''}): ${invalidatedBecause(slot.invalidationReason)}.`,
      lsns,
      knownGood(input, slot),
      input.slot.serverLsn,
    );
  }
  const task = input.task;
  if (task?.status === 'running') return whileRunning(slot, input.slot, lsns, input.taskWait ?? null);
  // Before the holder check: while DMS starts the task, the walsender on the slot is DMS's own.
  if (task && DMS_SETTLING.has(task.status)) return whileDmsSettles(task, slot, lsns, input.taskWait ?? null);
  if (slot.active) {
    return {
      kind: 'WAIT_FOR_SLOT',
      reason:
        `Slot ${slot.slotName} is active for PID ${slot.activePid ?? '?'} (${slot.activeApplication || 'no application_name'}) ` +
        `while the task is ${task?.status ?? 'gone'}: a stale walsender holds it. Wait for it to exit` +
        (input.policy.terminateStaleBackend ? ', then terminate it.' : '; policy forbids terminating it.'),
      lsns,
      holder: {
        pid: slot.activePid,
        application: slot.activeApplication,
        terminate: input.policy.terminateStaleBackend,
      },
    };
  }
  return withFreeSlot(task, slot, lsns, input);
}

function slotMissing(input: RecoveryInput, observed: SlotObservation, checkpoint: Lsn | null): Decision {
  const why = input.failoverJustHappened
    ? 'The slot does not exist on the new writer: it was neither a synced failover slot (PostgreSQL 17+) nor made ' +
      'on the promoted server while it was a standby (PostgreSQL 16+).'
    : 'The slot does not exist on the source.';
  return dataGap(
    `${why} Changes after the last applied position are not retained anywhere DMS can read.`,
    {
      ...(checkpoint !== null && { checkpoint }),
      ...(observed.serverLsn !== null && { server: observed.serverLsn }),
    },
    checkpoint ?? input.lastKnownGoodLsn,
    observed.serverLsn,
  );
}

/** What PostgreSQL's invalidation_reason (17+) means for the slot; before 17 only the WAL can be lost. */
function invalidatedBecause(reason: string | null | undefined): string {
  switch (reason) {
    case 'idle_timeout':
      return 'it stayed inactive longer than idle_replication_slot_timeout (PostgreSQL 18) and PostgreSQL dropped the WAL it held';
    case 'rows_removed':
      return 'catalog rows it needed were removed (a conflict with recovery on a standby)';
    case 'wal_level_insufficient':
      return 'wal_level fell below logical on the primary';
    default:
      return 'the WAL it needed was removed';
  }
}

function notTheWriter(observed: SlotObservation): Decision {
  return {
    kind: 'ESCALATE',
    reason:
      'The source that was read is a standby (pg_is_in_recovery() is true), not the writer: the failover has not ' +
      'finished, or the source secret names a replica. Nothing is decided from a standby: point the secret at the ' +
      'writer (or wait for the promotion), then run the recovery again.',
    lsns: observed.serverLsn === null ? {} : { server: observed.serverLsn },
  };
}

/**
 * The task applied changes beyond the end of the writer's WAL. Only a failover to a standby that had not
 * received them does that (asynchronous replication without synchronized_standby_slots): the target holds
 * transactions the new writer never had, and a resume would skip the writer's own new transactions in the
 * same LSN range as "already applied". Both halves of that range are at risk.
 */
function aheadOfWriter(
  slot: SlotState,
  lsns: Decision['lsns'],
  checkpoint: Lsn,
  server: Lsn,
  failover: boolean,
): Decision {
  return dataGap(
    `The task checkpoint ${formatLsn(checkpoint)} is ahead of the writer's WAL position ${formatLsn(server)}` +
      (failover ? ' after the failover' : '') +
      `: the target applied transactions this server never had (lost with the old primary), and resuming slot ` +
      `${slot.slotName} would skip this server's new transactions up to ${formatLsn(checkpoint)} as already applied.`,
    lsns,
    server,
    checkpoint,
  );
}

function whileRunning(
  slot: SlotState,
  observed: SlotObservation,
  lsns: Decision['lsns'],
  wait: TaskWaitObservation | null,
): Decision {
  if (slot.active) return whileRunningActive(slot, observed.previousConfirmedFlushLsn, lsns, wait);
  const reconnecting = `The task reports running but nothing reads slot ${slot.slotName}`;
  if (waitIsOver(wait)) {
    return {
      kind: 'ESCALATE',
      reason: `${reconnecting}, still after ${waitedFor(wait)} of waiting for DMS to reconnect: the task is stuck.`,
      lsns,
    };
  }
  return {
    kind: 'WAIT_FOR_TASK',
    reason:
      `${reconnecting} yet: DMS is reconnecting it (after a recoverable error DMS restarts a task by itself). ` +
      'Wait (bounded) and decide again; nothing is started or terminated meanwhile.',
    lsns,
  };
}

/**
 * A running task with its slot active. Only confirmed_flush_lsn moving between two looks shows the task
 * reads it: one look cannot, and a stale walsender holds a slot just the same without moving it.
 */
function whileRunningActive(
  slot: SlotState,
  previous: Lsn | null,
  lsns: Decision['lsns'],
  wait: TaskWaitObservation | null,
): Decision {
  if (previous === null) {
    return {
      kind: 'WAIT_FOR_TASK',
      reason:
        `The task reports running and slot ${slot.slotName} is active (PID ${slot.activePid ?? '?'}), but one look ` +
        'cannot show it advancing: look again after a bounded wait; nothing is started or terminated meanwhile.',
      lsns,
    };
  }
  const confirmed = slot.confirmedFlushLsn;
  if (confirmed !== null && compareLsn(confirmed, previous) > 0) {
    const moved = `confirmed_flush_lsn moved from ${formatLsn(previous)} to ${formatLsn(confirmed)}`;
    if (wait === null) {
      return {
        kind: 'NO_ACTION',
        reason: `The task is running and slot ${slot.slotName} is active and advancing (${moved}).`,
        lsns,
      };
    }
    // The machine waited: DMS's own restart (after a recoverable error it resumes from its checkpoint) is the
    // recovery; the machine then checks the task catches up.
    return {
      kind: 'NO_ACTION',
      reason:
        `DMS restarted the task by itself and it reads slot ${slot.slotName} again (${moved} during ` +
        `${Math.round(wait.waitedSeconds)} s of waiting): nothing is started twice.`,
      lsns,
      restartedByDms: true,
    };
  }
  if (wait !== null && !waitIsOver(wait)) {
    return {
      kind: 'WAIT_FOR_TASK',
      reason:
        `The task reports running and slot ${slot.slotName} is active (PID ${slot.activePid ?? '?'}) but has not ` +
        'advanced yet: look again (bounded); nothing is started or terminated meanwhile.',
      lsns,
    };
  }
  return {
    kind: 'ESCALATE',
    reason:
      `The task reports running but slot ${slot.slotName} has not advanced since the last check` +
      (wait === null ? '' : ` (${waitedFor(wait)} of waiting)`) +
      `: the task may be stuck, or PID ${slot.activePid ?? '?'} is not its walsender.`,
    lsns,
  };
}

/** starting, stopping, modifying...: DMS is acting on the task; wait (bounded) for it to settle, then decide. */
function whileDmsSettles(
  task: TaskObservation,
  slot: SlotState,
  lsns: Decision['lsns'],
  wait: TaskWaitObservation | null,
): Decision {
  const holder = slot.active
    ? `slot ${slot.slotName} is held by PID ${slot.activePid ?? '?'} (DMS's own walsender while it starts)`
    : `slot ${slot.slotName} is free`;
  if (waitIsOver(wait)) {
    return {
      kind: 'ESCALATE',
      reason: `The task is still ${task.status} after ${waitedFor(wait)} of waiting for DMS to settle it (${holder}).`,
      lsns,
    };
  }
  const restarting =
    task.status === 'starting' ? ' (after a recoverable error DMS restarts a task by itself)' : '';
  return {
    kind: 'WAIT_FOR_TASK',
    reason:
      `The task is ${task.status}: DMS is acting on it${restarting}; ${holder}. Wait (bounded) and decide again; ` +
      'nothing is started, created or terminated meanwhile.',
    lsns,
  };
}

function waitIsOver(wait: TaskWaitObservation | null): boolean {
  return wait !== null && wait.waitedSeconds >= wait.timeoutSeconds;
}

function waitedFor(wait: TaskWaitObservation | null): string {
  return `${Math.round(wait?.waitedSeconds ?? 0)} s`;
}

function withFreeSlot(
  task: TaskObservation | undefined,
  slot: SlotState,
  lsns: Decision['lsns'],
  input: RecoveryInput,
): Decision {
  const confirmed = slot.confirmedFlushLsn as Lsn;
  if (!task) {
    return newTask(
      `The task no longer exists (its checkpoint went with it), but slot ${slot.slotName} is intact.`,
      lsns,
      confirmed,
    );
  }
  // DMS writes failures as "Last Error <message> Stop Reason FATAL_ERROR Error Level FATAL": read the code
  // where it stands, from LastFailureMessage when StopReason names none.
  const stop = taskStopReason(task);
  const code = stop.code;
  if (task.status === 'stopped' && (code === 'STOPPED_AT_SERVER_TIME' || code === 'STOPPED_AT_COMMIT_TIME')) {
    return {
      kind: 'NO_ACTION',
      reason: `The task stopped where it was told to (${code}): nothing to recover.`,
      lsns,
    };
  }
  if (task.status !== 'stopped' && task.status !== 'failed' && task.status !== 'failed-move') {
    return {
      kind: 'ESCALATE',
      reason: `The task is ${task.status}: wait until DMS settles it, then decide again.`,
      lsns,
    };
  }
  const checkpoint = task.checkpointLsn;
  const server = input.slot?.serverLsn ?? null;
  if (checkpoint !== null && server !== null && compareLsn(checkpoint, server) > 0) {
    return aheadOfWriter(slot, lsns, checkpoint, server, input.failoverJustHappened);
  }
  if (!task.resumable || code === 'FATAL_ERROR' || checkpoint === null) {
    const why = !task.resumable
      ? `The task cannot be resumed as it is (${task.notResumableBecause ?? 'its settings or endpoints changed'})`
      : code === 'FATAL_ERROR'
        ? `The task failed with FATAL_ERROR (${stop.lastError ?? 'no message'})`
        : 'The task has no recovery checkpoint';
    // Start no earlier than what the old task applied, so nothing is applied twice.
    return newTask(
      `${why}; slot ${slot.slotName} is intact.`,
      lsns,
      checkpoint === null ? confirmed : maxLsn(confirmed, checkpoint),
    );
  }
  if (slot.restartLsn !== null && compareLsn(checkpoint, slot.restartLsn) < 0) {
    return dataGap(
      `The task checkpoint ${formatLsn(checkpoint)} is before slot ${slot.slotName} restart_lsn ${formatLsn(slot.restartLsn)}: ` +
        'the slot no longer holds the changes the task needs to resume.',
      lsns,
      checkpoint,
      slot.restartLsn,
    );
  }
  const holds =
    `slot ${slot.slotName} still holds its WAL from the checkpoint ${formatLsn(checkpoint)} on ` +
    `(restart_lsn ${slot.restartLsn ? formatLsn(slot.restartLsn) : 'n/a'})`;
  const wait = input.taskWait ?? null;
  if (code === 'RECOVERABLE_ERROR' && task.restartsOnRecoverableError === true && !waitIsOver(wait)) {
    return {
      kind: 'WAIT_FOR_TASK',
      reason:
        `The task is ${task.status} (RECOVERABLE_ERROR) and its RecoverableErrorCount lets DMS restart it by itself ` +
        `(a resume from its checkpoint); ${holds}. Wait (bounded) for DMS's restart instead of resuming it a second time.`,
      lsns,
    };
  }
  return {
    kind: 'RESUME',
    reason:
      `The task is ${task.status}${code ? ` (${code})` : ''} and ${holds}: resume-processing continues exactly ` +
      'where it stopped.' +
      (wait !== null ? ` DMS did not restart it within ${waitedFor(wait)}.` : '') +
      (input.failoverJustHappened ? ' The slot survived the failover.' : ''),
    lsns,
  };
}

function newTask(reason: string, lsns: Decision['lsns'], startPosition: Lsn): Decision {
  return {
    kind: 'NEW_TASK_FROM_SLOT',
    reason: `${reason} Create a new CDC task on the same slot at ${formatLsn(startPosition)}; keep the old one stopped for its checkpoint.`,
    lsns: { ...lsns, startPosition },
  };
}

function dataGap(reason: string, lsns: Decision['lsns'], from: Lsn | null, to: Lsn | null): Decision {
  const range = `${from === null ? 'unknown' : formatLsn(from)} .. ${to === null ? 'unknown' : formatLsn(to)}`;
  return {
    kind: 'DATA_GAP',
    reason:
      `${reason} Changes in ${range} may be missing on the target. Nothing is done automatically: an approved path ` +
      'recreates the slot and reloads the target.',
    lsns,
    atRisk: { from, to },
  };
}

function knownGood(input: RecoveryInput, slot: SlotState): Lsn | null {
  return input.task?.checkpointLsn ?? slot.confirmedFlushLsn ?? slot.restartLsn ?? input.lastKnownGoodLsn;
}

function slotLsns(slot: SlotState, server: Lsn | null, checkpoint: Lsn | null): Decision['lsns'] {
  return {
    ...(checkpoint !== null && { checkpoint }),
    ...(slot.confirmedFlushLsn !== null && { confirmedFlush: slot.confirmedFlushLsn }),
    ...(slot.restartLsn !== null && { restart: slot.restartLsn }),
    ...(server !== null && { server }),
  };
}
