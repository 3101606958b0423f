import type { AlertAttributes, AlertMessage, JsonObject, Severity } from '../../ports/alerts.js';
import { fitSnsSubject } from '../alerts/sns-message.js';
import { type FailureDetail, parseFailure } from '../cutover/state-view.js';
import { at, bool, isObject, num, text } from '../json-read.js';
import { RECOVER_MACHINE, stateOf } from '../statemachines/asl.js';
import { describeStopReason, taskStopReason } from '../stop-reason.js';

/**
 * The recover machine's notifications, one per action, built from the execution state the notify states
 * pass whole. Pure: notify-recovery only publishes the result. Like the cutover's, they copy named fields
 * out of the state (ARNs, LSNs, DMS and PostgreSQL messages) and never serialise it wholesale.
 */
export const RECOVERY_NOTIFICATION_SCHEMA = 'dms-cdc.recovery-notification/1';

export const RECOVERY_NOTIFICATION_KINDS = [
  /** WAIT_FOR_SLOT: another PID holds the slot; the machine waits (bounded). */
  'waiting',
  /** The stale holder was terminated (policy); the machine decides again. */
  'terminated',
  /** RESUME or NEW_TASK_FROM_SLOT done: the task runs and the slot advances. */
  'recovered',
  'no-action',
  /** DATA_GAP: changes may be missing on the target; nothing was done. */
  'data-gap',
  /** ESCALATE (or a bounded wait that ran out): a person must decide. */
  'escalate',
  /** A step of the machine failed; the error says which and why. */
  'failure',
] as const;
export type RecoveryNotificationKind = (typeof RECOVERY_NOTIFICATION_KINDS)[number];

const SEVERITY: Record<RecoveryNotificationKind, Severity> = {
  waiting: 'WARNING',
  terminated: 'WARNING',
  recovered: 'INFO',
  'no-action': 'INFO',
  'data-gap': 'CRITICAL',
  escalate: 'CRITICAL',
  failure: 'CRITICAL',
};
const LABEL: Record<RecoveryNotificationKind, string> = {
  waiting: 'WAITING',
  terminated: 'TERMINATED',
  recovered: 'RECOVERED',
  'no-action': 'OK',
  'data-gap': 'DATA GAP',
  escalate: 'ESCALATED',
  failure: 'FAILED',
};

interface View {
  readonly source: string;
  readonly taskArn: string | null;
  readonly slotName: string | null;
  readonly database: string | null;
  readonly failover: boolean;
  readonly trigger: { kind: string | null; message: string | null; id: string | null };
  readonly decision: {
    kind: string | null;
    reason: string | null;
    lsns: Record<string, string>;
    atRisk: { from: string | null; to: string | null } | null;
    holder: { pid: number | null; application: string | null; terminate: boolean } | null;
  };
  readonly task: {
    status: string | null;
    stopReason: string | null;
    lastFailureMessage: string | null;
    checkpointLsn: string | null;
  } | null;
  readonly slot: {
    active: boolean | null;
    walStatus: string | null;
    failover: boolean | null;
    synced: boolean | null;
    restartLsn: string | null;
    confirmedFlushLsn: string | null;
  } | null;
  readonly serverLsn: string | null;
  readonly sourceDescribe: string | null;
  readonly slotWait: { since: string | null; polls: number | null; expired: boolean } | null;
  readonly slotWaitTimeoutSeconds: number | null;
  readonly newTaskProblem: string | null;
  readonly started: { taskArn: string | null; startType: string | null } | null;
  readonly newTask: { taskArn: string | null; cdcStartPosition: string | null } | null;
  readonly terminated: {
    terminated: boolean | null;
    pid: number | null;
    application: string | null;
    slotActive: boolean | null;
  } | null;
  readonly catchUp: {
    lagBytes: number | null;
    confirmedFlushLsn: string | null;
    serverLsn: string | null;
  } | null;
}

export function buildRecoveryNotification(
  request: { readonly kind: RecoveryNotificationKind; readonly state: unknown },
  now: Date,
): AlertMessage {
  const view = readState(request.state);
  const error = request.kind === 'failure' ? parseFailure(request.state) : null;
  const attributes: AlertAttributes = {
    severity: SEVERITY[request.kind],
    source: view.source,
    kind: `recovery-${request.kind}`,
    ...(view.slotName === null ? {} : { slot: view.slotName }),
    ...(view.decision.kind === null ? {} : { decision: view.decision.kind }),
  };
  return {
    subject: fitSnsSubject(`[RECOVERY ${LABEL[request.kind]}] ${subjectTail(request.kind, view, error)}`),
    body: bodyFor(request.kind, view, error, now).join('\n'),
    payload: payloadFor(request.kind, view, error, now),
    attributes,
  };
}

function subjectTail(kind: RecoveryNotificationKind, view: View, error: FailureDetail | null): string {
  const slot = `slot ${view.slotName ?? '?'}`;
  switch (kind) {
    case 'waiting':
      return `${slot} held by PID ${view.decision.holder?.pid ?? '?'}, waiting`;
    case 'terminated':
      return `${slot}: terminated PID ${view.terminated?.pid ?? '?'}`;
    case 'recovered':
      return `${slot}: ${recoveredHow(view)}, running`;
    case 'no-action':
      return `${slot}: nothing to recover`;
    case 'data-gap':
      return `${slot}: changes at risk ${range(view.decision.atRisk) ?? ''}`.trim();
    case 'escalate':
      return `${slot}: a person must decide (${view.decision.kind ?? 'no decision'})`;
    case 'failure':
      return `${slot}: ${error?.name ?? 'UnknownError'}`;
  }
}

function bodyFor(
  kind: RecoveryNotificationKind,
  view: View,
  error: FailureDetail | null,
  now: Date,
): string[] {
  const task = view.taskArn ?? 'the task';
  const lines: string[] = [];
  switch (kind) {
    case 'waiting':
      lines.push(
        `Recovery of ${task} is WAITING: replication slot ${view.slotName} is held by PID ${view.decision.holder?.pid ?? '?'} ` +
          `(${view.decision.holder?.application || 'no application_name'}) while the task is not running.`,
        `It waits up to ${view.slotWaitTimeoutSeconds ?? '?'} s for the holder to exit (a stale walsender ends at ` +
          'wal_sender_timeout), then ' +
          (view.decision.holder?.terminate
            ? 'terminates it (policy.terminateStaleBackend is true) and resumes.'
            : 'escalates: policy.terminateStaleBackend is false, so it will not terminate it.'),
      );
      break;
    case 'terminated':
      lines.push(
        `Recovery of ${task} TERMINATED PID ${view.terminated?.pid ?? '?'} (${view.terminated?.application || 'no application_name'}), ` +
          `which held replication slot ${view.slotName} after the bounded wait, as policy.terminateStaleBackend allows.`,
        view.terminated?.terminated === false
          ? 'That PID no longer held the slot when the call was made: nothing was signalled.'
          : `The slot is ${view.terminated?.slotActive ? 'held again by another backend' : 'free'} now. The machine decides again.`,
      );
      break;
    case 'recovered':
      lines.push(
        restartedByDms(view)
          ? `DMS restarted ${task} by itself after the recoverable error (a resume from its checkpoint); the ` +
              `recovery waited for it instead of acting twice, and slot ${view.slotName} advances.`
          : view.newTask
            ? `Recovery of ${task} created a NEW CDC task ${view.newTask.taskArn} on slot ${view.slotName} at ` +
              `${view.newTask.cdcStartPosition}; it is running and the slot advances. The old task is kept, stopped, for its checkpoint.`
            : `Recovery of ${task} RESUMED it (resume-processing from its checkpoint ${view.task?.checkpointLsn ?? '?'}); ` +
              `it is running and slot ${view.slotName} advances.`,
      );
      break;
    case 'no-action':
      lines.push(`Recovery of ${task}: nothing to do.`);
      break;
    case 'data-gap':
      lines.push(
        `Recovery of ${task} found a DATA GAP on replication slot ${view.slotName}: changes in ` +
          `${range(view.decision.atRisk) ?? 'an unknown LSN range'} may be missing on the target. Nothing was restarted ` +
          'or created: a restart would recreate the slot and hide the gap.',
      );
      break;
    case 'escalate':
      lines.push(`Recovery of ${task} is ESCALATED: a person must decide.`, ...escalation(view));
      break;
    case 'failure':
      lines.push(
        `Recovery of ${task} FAILED at a step after the decision ${view.decision.kind ?? '(none)'}.`,
        '',
        `Error: ${error?.name}`,
        error?.message ?? '',
      );
      if (error?.remedy) lines.push(`Remedy: ${error.remedy}`);
      break;
  }
  if (view.decision.reason) lines.push('', `Decision: ${view.decision.kind}. ${view.decision.reason}`);
  if (kind === 'data-gap') lines.push('', 'Options:', ...dataGapOptions(view));
  lines.push('', ...facts(view, now));
  return lines;
}

/** The start type the recover machine's FollowDmsRestart records for a task DMS restarted itself. */
const RESTARTED_BY_DMS = at(stateOf(RECOVER_MACHINE, 'FollowDmsRestart').Parameters, 'startType');

/** DMS restarted the task itself (nothing was started): the definition's own marker, not a copy of it. */
function restartedByDms(view: View): boolean {
  return typeof RESTARTED_BY_DMS === 'string' && view.started?.startType === RESTARTED_BY_DMS;
}

function recoveredHow(view: View): string {
  if (restartedByDms(view)) return 'task restarted by DMS itself';
  return view.newTask ? 'new task from the slot' : 'task resumed';
}

function escalation(view: View): string[] {
  if (view.decision.kind === 'WAIT_FOR_SLOT' && view.slotWait?.expired) {
    return [
      `Slot ${view.slotName} is still held by PID ${view.decision.holder?.pid ?? '?'} after ${view.slotWaitTimeoutSeconds ?? '?'} s` +
        (view.terminated
          ? ', even after the machine terminated the previous holder.'
          : ': policy.terminateStaleBackend is false, so the machine did not terminate it.'),
      `Check what the backend is (SELECT * FROM pg_stat_activity WHERE pid = ${view.decision.holder?.pid ?? '<pid>'}); ` +
        'if it is a stale walsender, end it with pg_terminate_backend, then run the recovery again.',
    ];
  }
  if (view.decision.kind === 'NEW_TASK_FROM_SLOT' && view.newTaskProblem) {
    return [
      `The decision is a new CDC task on slot ${view.slotName} at ${view.decision.lsns.startPosition ?? '?'}, but ${view.newTaskProblem}.`,
      'Add "replacement": {"identifierPrefix", "sourceName", ...} to the recover input and run it again, or create the ' +
        'task yourself with that CdcStartPosition.',
    ];
  }
  return ['Read the decision below, fix what it names, then run the recovery again.'];
}

function dataGapOptions(view: View): string[] {
  const slot = view.slotName ?? '<slot>';
  return [
    `1. Keep what follows safe first: recreate the slot on the writer now (SELECT pg_create_logical_replication_slot('${slot}', ` +
      `'test_decoding', false, false, true) on PostgreSQL 17, failover => true; or dms-cdc slot create --slot ${slot} --failover).`,
    '2. Then reload the target (a full-load-and-cdc task, or reload-target on one), so the rows changed in the range are copied again.',
    '3. Or, only if you can show nothing the task replicates changed in the range (row counts, a write freeze during the ' +
      'failover), accept the gap and start a CDC task from the new slot (dms-cdc cutover, or create-cdc-task).',
    `The old task ${view.taskArn ?? ''} is kept as it is` +
      (view.task?.checkpointLsn
        ? `: its RecoveryCheckpoint ${view.task.checkpointLsn} is the last applied position.`
        : '.'),
    ...(view.failover
      ? [
          'Before the next failover: create the slot with failover = true and run the standby with sync_replication_slots, ' +
            'hot_standby_feedback and the primary with synchronized_standby_slots, so the slot survives promotion ' +
            '(PostgreSQL 17+; on 16, a slot created on the standby that will be promoted survives that promotion).',
        ]
      : []),
  ];
}

/**
 * DMS writes a failure as one long text in both StopReason and LastFailureMessage ("Last Error <message>
 * Stop Reason FATAL_ERROR Error Level FATAL"): the task line names the code, the next line the message, once.
 */
function taskFacts(taskArn: string, task: View['task']): string[] {
  if (!task) return [`Task: ${taskArn} - does not exist`];
  const stop = taskStopReason(task);
  const reason = describeStopReason(stop, task.stopReason) ?? 'no stop reason';
  const message = stop.lastError ?? task.lastFailureMessage;
  return [
    `Task: ${taskArn} - ${task.status ?? '?'} (${reason}), checkpoint ${task.checkpointLsn ?? 'none'}`,
    ...(message ? [`Last failure: ${message}`] : []),
  ];
}

function facts(view: View, now: Date): string[] {
  const lines: string[] = [];
  if (view.taskArn) lines.push(...taskFacts(view.taskArn, view.task));
  if (view.slotName) {
    lines.push(
      `Slot: ${view.slotName}${view.database ? ` on database ${view.database}` : ''}` +
        (view.slot
          ? ` - ${view.slot.active ? 'active' : 'inactive'}, wal_status ${view.slot.walStatus ?? '?'}, restart_lsn ` +
            `${view.slot.restartLsn ?? '?'}, confirmed_flush_lsn ${view.slot.confirmedFlushLsn ?? '?'}, failover ` +
            `${view.slot.failover ?? '?'}, synced ${view.slot.synced ?? '?'}`
          : ' - not found on the server read (or not read)'),
    );
  }
  if (view.sourceDescribe)
    lines.push(`Source read: ${view.sourceDescribe}, WAL position ${view.serverLsn ?? '?'}`);
  if (view.catchUp) {
    lines.push(
      `Slot after the action: lag ${view.catchUp.lagBytes ?? '?'} bytes, confirmed_flush_lsn ${view.catchUp.confirmedFlushLsn ?? '?'} ` +
        `of ${view.catchUp.serverLsn ?? '?'}`,
    );
  }
  const lsns = Object.entries(view.decision.lsns).map(([name, lsn]) => `${name} ${lsn}`);
  if (lsns.length > 0) lines.push(`LSNs: ${lsns.join(', ')}`);
  if (view.trigger.kind) {
    lines.push(
      `Trigger: ${view.trigger.kind}${view.failover ? ' (failover)' : ''}${view.trigger.message ? ` - ${view.trigger.message}` : ''}`,
    );
  }
  lines.push(`Notified at ${now.toISOString()}.`);
  return lines;
}

function payloadFor(
  kind: RecoveryNotificationKind,
  view: View,
  error: FailureDetail | null,
  now: Date,
): JsonObject {
  return {
    schema: RECOVERY_NOTIFICATION_SCHEMA,
    kind,
    source: view.source,
    taskArn: view.taskArn,
    slot: view.slotName,
    failover: view.failover,
    decision: {
      kind: view.decision.kind,
      reason: view.decision.reason,
      lsns: view.decision.lsns,
      atRisk: view.decision.atRisk,
      holder: view.decision.holder,
    },
    task: view.task,
    slotState: view.slot,
    serverLsn: view.serverLsn,
    newTask: view.newTask,
    terminated: view.terminated,
    catchUp: view.catchUp,
    error: error === null ? null : { name: error.name, message: error.message, remedy: error.remedy },
    trigger: view.trigger,
    notifiedAt: now.toISOString(),
  };
}

function range(atRisk: View['decision']['atRisk']): string | null {
  return atRisk ? `${atRisk.from ?? 'unknown'} .. ${atRisk.to ?? 'unknown'}` : null;
}

// --- reading the state (whatever the machine built, possibly partial) ------------------------------

function readState(state: unknown): View {
  const input = at(state, 'input');
  const decided = at(state, 'decided');
  const decision = at(decided, 'decision');
  const holder = at(decision, 'holder');
  const atRisk = at(decision, 'atRisk');
  const task = at(decided, 'task');
  const slot = at(decided, 'slot');
  const wait = at(decided, 'slotWait');
  const steps = at(state, 'steps');
  const newTask = at(steps, 'newTask');
  const terminated = at(steps, 'terminated');
  const started = at(steps, 'started');
  const catchUp = at(state, 'polls', 'catchUp');
  const taskArn = text(at(input, 'taskArn'));
  return {
    source:
      text(at(input, 'replacement', 'sourceName')) ??
      text(at(input, 'source', 'database')) ??
      taskArn?.split(':').at(-1) ??
      'unknown',
    taskArn,
    slotName: text(at(input, 'slotName')),
    database: text(at(input, 'source', 'database')),
    failover: at(input, 'failover') === true,
    trigger: {
      kind: text(at(input, 'trigger', 'kind')),
      message: text(at(input, 'trigger', 'message')),
      id: text(at(input, 'trigger', 'id')),
    },
    decision: {
      kind: text(at(decision, 'kind')),
      reason: text(at(decision, 'reason')),
      lsns: Object.fromEntries(
        Object.entries(isObject(at(decision, 'lsns')) ? (at(decision, 'lsns') as object) : {}).filter(
          (entry): entry is [string, string] => typeof entry[1] === 'string',
        ),
      ),
      atRisk: isObject(atRisk) ? { from: text(atRisk.from), to: text(atRisk.to) } : null,
      holder: isObject(holder)
        ? {
            pid: num(holder.pid),
            application: text(holder.application),
            terminate: holder.terminate === true,
          }
        : null,
    },
    task: isObject(task)
      ? {
          status: text(task.status),
          stopReason: text(task.stopReason),
          lastFailureMessage: text(task.lastFailureMessage),
          checkpointLsn: text(task.checkpointLsn),
        }
      : null,
    slot: isObject(slot)
      ? {
          active: bool(slot.active),
          walStatus: text(slot.walStatus),
          failover: bool(slot.failover),
          synced: bool(slot.synced),
          restartLsn: text(slot.restartLsn),
          confirmedFlushLsn: text(slot.confirmedFlushLsn),
        }
      : null,
    serverLsn: text(at(decided, 'source', 'serverLsn')),
    sourceDescribe: text(at(decided, 'source', 'describe')),
    slotWait: isObject(wait)
      ? { since: text(wait.since), polls: num(wait.polls), expired: wait.expired === true }
      : null,
    slotWaitTimeoutSeconds: num(at(decided, 'settings', 'slotWaitTimeoutSeconds')),
    newTaskProblem: text(at(decided, 'newTaskProblem')),
    started: isObject(started)
      ? { taskArn: text(started.taskArn), startType: text(started.startType) }
      : null,
    newTask: isObject(newTask)
      ? { taskArn: text(newTask.taskArn), cdcStartPosition: text(newTask.cdcStartPosition) }
      : null,
    terminated: isObject(terminated)
      ? {
          terminated: bool(terminated.terminated),
          pid: num(terminated.pid),
          application: text(terminated.application),
          slotActive: bool(terminated.slotActive),
        }
      : null,
    catchUp: isObject(catchUp)
      ? {
          lagBytes: num(catchUp.lagBytes),
          confirmedFlushLsn: text(catchUp.confirmedFlushLsn),
          serverLsn: text(catchUp.serverLsn),
        }
      : null,
  };
}
