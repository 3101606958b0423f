import { describe, expect, it } from 'vitest';
import {
  buildRecoveryNotification,
  type RecoveryNotificationKind,
} from '../../../src/core/recovery/notifications.js';
import { FAILOVER_STATE_INPUT } from '../recovery/fixtures.js';

/**
 * The recovery notifications as people read them: every line of every kind, for a full execution state
 * and for an empty one (a state the machine only partly built), plus the branches in between
 * (mutation testing). A changed word here is a changed message: change the test with it.
 */
const NOW = new Date('2026-03-01T12:00:00.000Z');
const TASK = 'arn:aws:dms:us-east-1:123456789012:task:TASK1';
const NEW_TASK = 'arn:aws:dms:us-east-1:123456789012:task:NEW';

interface Overrides {
  input?: Record<string, unknown>;
  decision?: Record<string, unknown>;
  decided?: Record<string, unknown>;
  steps?: Record<string, unknown>;
  polls?: Record<string, unknown>;
  error?: unknown;
}

function fullState(o: Overrides = {}) {
  return {
    input: {
      ...FAILOVER_STATE_INPUT,
      trigger: { kind: 'rds-failover-event', message: 'RDS-EVENT-0071: done', id: 'evt-1' },
      ...o.input,
    },
    decided: {
      decision: {
        kind: 'WAIT_FOR_SLOT',
        reason: 'held by 4242',
        lsns: { checkpoint: '4AF/B00000D0', server: '4AF/C0000000', notAnLsn: 7 },
        atRisk: { from: '4AF/B00000D0', to: null },
        holder: { pid: 4242, application: 'old-dms', terminate: true },
        ...o.decision,
      },
      task: {
        status: 'failed',
        stopReason: 'Stop Reason RECOVERABLE_ERROR',
        lastFailureMessage: 'Last Error x',
        checkpointLsn: '4AF/B00000D0',
      },
      slot: {
        active: true,
        walStatus: 'reserved',
        failover: true,
        synced: false,
        restartLsn: '4AF/A0000000',
        confirmedFlushLsn: '4AF/B00000D0',
      },
      source: { describe: 'dms@writer:5432/orders', serverLsn: '4AF/C0000000' },
      settings: { slotWaitTimeoutSeconds: 300 },
      slotWait: { since: '2026-03-01T11:55:00.000Z', polls: 10, expired: true },
      newTaskProblem: 'the recover input has no "replacement"',
      ...o.decided,
    },
    steps: {
      terminated: { terminated: true, pid: 4242, application: 'old-dms', slotActive: false },
      started: { taskArn: TASK, startType: 'resume-processing' },
      ...o.steps,
    },
    polls: {
      catchUp: { lagBytes: 120, confirmedFlushLsn: '4AF/C0000000', serverLsn: '4AF/C0000078' },
      ...o.polls,
    },
    error:
      'error' in o
        ? o.error
        : {
            Error: 'TaskFailedError',
            Cause: JSON.stringify({ errorType: 'X', errorMessage: 'it failed Remedy: fix it' }),
          },
  };
}

const build = (kind: RecoveryNotificationKind, state: unknown) =>
  buildRecoveryNotification({ kind, state }, NOW);
const lines = (kind: RecoveryNotificationKind, state: unknown) => build(kind, state).body.split('\n');

const DECISION = ['', 'Decision: WAIT_FOR_SLOT. held by 4242'];
const FACTS = [
  '',
  `Task: ${TASK} - failed (RECOVERABLE_ERROR), checkpoint 4AF/B00000D0`,
  'Last failure: x',
  'Slot: dms_slot on database orders - active, wal_status reserved, restart_lsn 4AF/A0000000, ' +
    'confirmed_flush_lsn 4AF/B00000D0, failover true, synced false',
  'Source read: dms@writer:5432/orders, WAL position 4AF/C0000000',
  'Slot after the action: lag 120 bytes, confirmed_flush_lsn 4AF/C0000000 of 4AF/C0000078',
  'LSNs: checkpoint 4AF/B00000D0, server 4AF/C0000000',
  'Trigger: rds-failover-event (failover) - RDS-EVENT-0071: done',
  'Notified at 2026-03-01T12:00:00.000Z.',
];
const GAP_OPTIONS = (slot: string) => [
  'Options:',
  "1. Keep what follows safe first: recreate the slot on the writer now (SELECT pg_create_logical_replication_slot('" +
    `${slot}', 'test_decoding', false, false, true) on PostgreSQL 17, failover => true; or dms-cdc slot create --slot ${slot} --failover).`,
  '2. Then reload the target (a full-load-and-cdc task, or reload-target on one), so the rows changed in the range are copied again.',
  '3. Or, only if you can show nothing the task replicates changed in the range (row counts, a write freeze during the ' +
    'failover), accept the gap and start a CDC task from the new slot (dms-cdc cutover, or create-cdc-task).',
];
const FAILOVER_ADVICE =
  'Before the next failover: create the slot with failover = true and run the standby with sync_replication_slots, ' +
  'hot_standby_feedback and the primary with synchronized_standby_slots, so the slot survives promotion ' +
  '(PostgreSQL 17+; on 16, a slot created on the standby that will be promoted survives that promotion).';

describe('recovery notifications of a full execution state, line by line', () => {
  const state = fullState();

  it('waiting', () => {
    const message = build('waiting', state);
    expect(message.subject).toBe('[RECOVERY WAITING] slot dms_slot held by PID 4242, waiting');
    expect(message.attributes).toEqual({
      severity: 'WARNING',
      source: 'orders-db',
      kind: 'recovery-waiting',
      slot: 'dms_slot',
      decision: 'WAIT_FOR_SLOT',
    });
    expect(message.body.split('\n')).toEqual([
      `Recovery of ${TASK} is WAITING: replication slot dms_slot is held by PID 4242 (old-dms) while the task is not running.`,
      'It waits up to 300 s for the holder to exit (a stale walsender ends at wal_sender_timeout), then terminates it ' +
        '(policy.terminateStaleBackend is true) and resumes.',
      ...DECISION,
      ...FACTS,
    ]);
  });

  it('terminated', () => {
    const message = build('terminated', state);
    expect(message.subject).toBe('[RECOVERY TERMINATED] slot dms_slot: terminated PID 4242');
    expect(message.attributes.severity).toBe('WARNING');
    expect(message.body.split('\n')).toEqual([
      `Recovery of ${TASK} TERMINATED PID 4242 (old-dms), which held replication slot dms_slot after the bounded wait, ` +
        'as policy.terminateStaleBackend allows.',
      'The slot is free now. The machine decides again.',
      ...DECISION,
      ...FACTS,
    ]);
  });

  it('recovered (resumed)', () => {
    const message = build('recovered', state);
    expect(message.subject).toBe('[RECOVERY RECOVERED] slot dms_slot: task resumed, running');
    expect(message.attributes.severity).toBe('INFO');
    expect(message.body.split('\n')).toEqual([
      `Recovery of ${TASK} RESUMED it (resume-processing from its checkpoint 4AF/B00000D0); it is running and slot dms_slot advances.`,
      ...DECISION,
      ...FACTS,
    ]);
  });

  it('no-action', () => {
    const message = build('no-action', state);
    expect(message.subject).toBe('[RECOVERY OK] slot dms_slot: nothing to recover');
    expect(message.attributes.severity).toBe('INFO');
    expect(message.body.split('\n')).toEqual([`Recovery of ${TASK}: nothing to do.`, ...DECISION, ...FACTS]);
  });

  it('data-gap', () => {
    const message = build('data-gap', state);
    expect(message.subject).toBe(
      '[RECOVERY DATA GAP] slot dms_slot: changes at risk 4AF/B00000D0 .. unknown',
    );
    expect(message.attributes.severity).toBe('CRITICAL');
    expect(message.body.split('\n')).toEqual([
      `Recovery of ${TASK} found a DATA GAP on replication slot dms_slot: changes in 4AF/B00000D0 .. unknown may be ` +
        'missing on the target. Nothing was restarted or created: a restart would recreate the slot and hide the gap.',
      ...DECISION,
      '',
      ...GAP_OPTIONS('dms_slot'),
      `The old task ${TASK} is kept as it is: its RecoveryCheckpoint 4AF/B00000D0 is the last applied position.`,
      FAILOVER_ADVICE,
      ...FACTS,
    ]);
  });

  it('escalate (a held slot after the bounded wait, holder terminated before)', () => {
    const message = build('escalate', state);
    expect(message.subject).toBe('[RECOVERY ESCALATED] slot dms_slot: a person must decide (WAIT_FOR_SLOT)');
    expect(message.attributes.severity).toBe('CRITICAL');
    expect(message.body.split('\n')).toEqual([
      `Recovery of ${TASK} is ESCALATED: a person must decide.`,
      'Slot dms_slot is still held by PID 4242 after 300 s, even after the machine terminated the previous holder.',
      'Check what the backend is (SELECT * FROM pg_stat_activity WHERE pid = 4242); if it is a stale walsender, ' +
        'end it with pg_terminate_backend, then run the recovery again.',
      ...DECISION,
      ...FACTS,
    ]);
  });

  it('failure, with its payload', () => {
    const message = build('failure', state);
    expect(message.subject).toBe('[RECOVERY FAILED] slot dms_slot: TaskFailedError');
    expect(message.attributes.severity).toBe('CRITICAL');
    expect(message.body.split('\n')).toEqual([
      `Recovery of ${TASK} FAILED at a step after the decision WAIT_FOR_SLOT.`,
      '',
      'Error: TaskFailedError',
      'it failed',
      'Remedy: fix it',
      ...DECISION,
      ...FACTS,
    ]);
    expect(message.payload).toEqual({
      schema: 'dms-cdc.recovery-notification/1',
      kind: 'failure',
      source: 'orders-db',
      taskArn: TASK,
      slot: 'dms_slot',
      failover: true,
      decision: {
        kind: 'WAIT_FOR_SLOT',
        reason: 'held by 4242',
        lsns: { checkpoint: '4AF/B00000D0', server: '4AF/C0000000' },
        atRisk: { from: '4AF/B00000D0', to: null },
        holder: { pid: 4242, application: 'old-dms', terminate: true },
      },
      task: {
        status: 'failed',
        stopReason: 'Stop Reason RECOVERABLE_ERROR',
        lastFailureMessage: 'Last Error x',
        checkpointLsn: '4AF/B00000D0',
      },
      slotState: {
        active: true,
        walStatus: 'reserved',
        failover: true,
        synced: false,
        restartLsn: '4AF/A0000000',
        confirmedFlushLsn: '4AF/B00000D0',
      },
      serverLsn: '4AF/C0000000',
      newTask: null,
      terminated: { terminated: true, pid: 4242, application: 'old-dms', slotActive: false },
      catchUp: { lagBytes: 120, confirmedFlushLsn: '4AF/C0000000', serverLsn: '4AF/C0000078' },
      error: { name: 'TaskFailedError', message: 'it failed', remedy: 'fix it' },
      trigger: { kind: 'rds-failover-event', message: 'RDS-EVENT-0071: done', id: 'evt-1' },
      notifiedAt: '2026-03-01T12:00:00.000Z',
    });
  });

  it('only a failure carries the error in its payload', () => {
    expect(build('escalate', state).payload.error).toBeNull();
  });
});

describe('recovery notifications of an empty state', () => {
  const NOTIFIED = ['', 'Notified at 2026-03-01T12:00:00.000Z.'];

  it.each([
    ['waiting', '[RECOVERY WAITING] slot ? held by PID ?, waiting'],
    ['terminated', '[RECOVERY TERMINATED] slot ?: terminated PID ?'],
    ['recovered', '[RECOVERY RECOVERED] slot ?: task resumed, running'],
    ['no-action', '[RECOVERY OK] slot ?: nothing to recover'],
    ['data-gap', '[RECOVERY DATA GAP] slot ?: changes at risk'],
    ['escalate', '[RECOVERY ESCALATED] slot ?: a person must decide (no decision)'],
    ['failure', '[RECOVERY FAILED] slot ?: UnknownError'],
  ] as const)('%s has subject %j and attributes without slot or decision', (kind, subject) => {
    const message = build(kind, {});
    expect(message.subject).toBe(subject);
    expect(message.attributes).toEqual({
      severity: expect.any(String),
      source: 'unknown',
      kind: `recovery-${kind}`,
    });
    expect(message.payload).toMatchObject({
      taskArn: null,
      slot: null,
      failover: false,
      decision: { kind: null, reason: null, lsns: {}, atRisk: null, holder: null },
      task: null,
      slotState: null,
      serverLsn: null,
      newTask: null,
      terminated: null,
      catchUp: null,
      trigger: { kind: null, message: null, id: null },
    });
  });

  it('says what it does not know in every body', () => {
    expect(lines('waiting', {})).toEqual([
      'Recovery of the task is WAITING: replication slot null is held by PID ? (no application_name) while the task is not running.',
      'It waits up to ? s for the holder to exit (a stale walsender ends at wal_sender_timeout), then escalates: ' +
        'policy.terminateStaleBackend is false, so it will not terminate it.',
      ...NOTIFIED,
    ]);
    expect(lines('terminated', {})).toEqual([
      'Recovery of the task TERMINATED PID ? (no application_name), which held replication slot null after the ' +
        'bounded wait, as policy.terminateStaleBackend allows.',
      'The slot is free now. The machine decides again.',
      ...NOTIFIED,
    ]);
    expect(lines('recovered', {})).toEqual([
      'Recovery of the task RESUMED it (resume-processing from its checkpoint ?); it is running and slot null advances.',
      ...NOTIFIED,
    ]);
    expect(lines('no-action', {})).toEqual(['Recovery of the task: nothing to do.', ...NOTIFIED]);
    expect(lines('data-gap', {})).toEqual([
      'Recovery of the task found a DATA GAP on replication slot null: changes in an unknown LSN range may be missing ' +
        'on the target. Nothing was restarted or created: a restart would recreate the slot and hide the gap.',
      '',
      ...GAP_OPTIONS('<slot>'),
      'The old task  is kept as it is.',
      ...NOTIFIED,
    ]);
    expect(lines('escalate', {})).toEqual([
      'Recovery of the task is ESCALATED: a person must decide.',
      'Read the decision below, fix what it names, then run the recovery again.',
      ...NOTIFIED,
    ]);
    expect(lines('failure', {})).toEqual([
      'Recovery of the task FAILED at a step after the decision (none).',
      '',
      'Error: UnknownError',
      'no cause was given',
      ...NOTIFIED,
    ]);
  });
});

describe('recovery notifications: the branches in between', () => {
  it('a wait without terminate policy says it escalates, and names no application when there is none', () => {
    const state = fullState({ decision: { holder: { pid: 9, application: null, terminate: false } } });
    expect(lines('waiting', state).slice(0, 2)).toEqual([
      `Recovery of ${TASK} is WAITING: replication slot dms_slot is held by PID 9 (no application_name) while the task is not running.`,
      'It waits up to 300 s for the holder to exit (a stale walsender ends at wal_sender_timeout), then escalates: ' +
        'policy.terminateStaleBackend is false, so it will not terminate it.',
    ]);
  });

  it('a termination that found the PID gone says nothing was signalled; a slot taken again says so', () => {
    const gone = fullState({
      steps: { terminated: { terminated: false, pid: 7, application: '', slotActive: false } },
    });
    expect(lines('terminated', gone).slice(0, 2)).toEqual([
      `Recovery of ${TASK} TERMINATED PID 7 (no application_name), which held replication slot dms_slot after the ` +
        'bounded wait, as policy.terminateStaleBackend allows.',
      'That PID no longer held the slot when the call was made: nothing was signalled.',
    ]);
    const retaken = fullState({ steps: { terminated: { terminated: true, pid: 7, slotActive: true } } });
    expect(lines('terminated', retaken)[1]).toBe(
      'The slot is held again by another backend now. The machine decides again.',
    );
  });

  it('a new task says where it starts, and a task DMS restarted says DMS did it', () => {
    const created = fullState({
      steps: { newTask: { taskArn: NEW_TASK, cdcStartPosition: '4AF/B00000D0' } },
    });
    expect(build('recovered', created).subject).toBe(
      '[RECOVERY RECOVERED] slot dms_slot: new task from the slot, running',
    );
    expect(lines('recovered', created)[0]).toBe(
      `Recovery of ${TASK} created a NEW CDC task ${NEW_TASK} on slot dms_slot at 4AF/B00000D0; it is running and ` +
        'the slot advances. The old task is kept, stopped, for its checkpoint.',
    );
    const restarted = fullState({
      steps: {
        newTask: { taskArn: NEW_TASK, cdcStartPosition: '4AF/B00000D0' },
        started: { taskArn: TASK, startType: 'restarted-by-dms' },
      },
    });
    expect(build('recovered', restarted).subject).toBe(
      '[RECOVERY RECOVERED] slot dms_slot: task restarted by DMS itself, running',
    );
    expect(lines('recovered', restarted)[0]).toBe(
      `DMS restarted ${TASK} by itself after the recoverable error (a resume from its checkpoint); the recovery ` +
        'waited for it instead of acting twice, and slot dms_slot advances.',
    );
  });

  it('an expired wait with no termination says the policy forbade it', () => {
    const state = fullState({ steps: { terminated: null } });
    expect(lines('escalate', state)[1]).toBe(
      'Slot dms_slot is still held by PID 4242 after 300 s: policy.terminateStaleBackend is false, so the machine did not terminate it.',
    );
  });

  it('a wait that has not expired escalates with the generic advice', () => {
    const state = fullState({
      decided: { slotWait: { since: '2026-03-01T11:55:00.000Z', polls: 1, expired: false } },
    });
    expect(lines('escalate', state)[1]).toBe(
      'Read the decision below, fix what it names, then run the recovery again.',
    );
  });

  it('a new task the input cannot name escalates with what to add', () => {
    const state = fullState({
      decision: { kind: 'NEW_TASK_FROM_SLOT', lsns: { startPosition: '4AF/B00000D0' } },
    });
    expect(lines('escalate', state).slice(1, 3)).toEqual([
      'The decision is a new CDC task on slot dms_slot at 4AF/B00000D0, but the recover input has no "replacement".',
      'Add "replacement": {"identifierPrefix", "sourceName", ...} to the recover input and run it again, or create the ' +
        'task yourself with that CdcStartPosition.',
    ]);
    const noProblem = fullState({
      decision: { kind: 'NEW_TASK_FROM_SLOT' },
      decided: { newTaskProblem: null },
    });
    expect(lines('escalate', noProblem)[1]).toBe(
      'Read the decision below, fix what it names, then run the recovery again.',
    );
  });

  it('a gap without failover gives no failover advice, and a task without checkpoint names none', () => {
    const state = fullState({ input: { failover: false } });
    (state.decided.task as Record<string, unknown>).checkpointLsn = null;
    const body = lines('data-gap', state);
    expect(body).not.toContain(FAILOVER_ADVICE);
    expect(body).toContain(`The old task ${TASK} is kept as it is.`);
    expect(body).toContain(`Task: ${TASK} - failed (RECOVERABLE_ERROR), checkpoint none`);
    expect(body).toContain('Trigger: rds-failover-event - RDS-EVENT-0071: done');
  });

  it('describes an inactive slot, a missing slot, a missing task and unknown values', () => {
    const inactive = fullState({
      decided: {
        slot: {
          active: false,
          walStatus: null,
          failover: null,
          synced: null,
          restartLsn: null,
          confirmedFlushLsn: null,
        },
        task: null,
        source: { describe: 'dms@writer:5432/orders' },
      },
      polls: { catchUp: { lagBytes: null } },
      input: { trigger: { kind: 'manual' }, source: { database: '' } },
    });
    const body = lines('no-action', inactive);
    expect(body).toContain(
      'Slot: dms_slot - inactive, wal_status ?, restart_lsn ?, confirmed_flush_lsn ?, failover ?, synced ?',
    );
    expect(body).toContain(`Task: ${TASK} - does not exist`);
    expect(body).toContain('Source read: dms@writer:5432/orders, WAL position ?');
    expect(body).toContain('Slot after the action: lag ? bytes, confirmed_flush_lsn ? of ?');
    expect(body).toContain('Trigger: manual (failover)');
    const missing = fullState({ decided: { slot: null } });
    expect(lines('no-action', missing)).toContain(
      'Slot: dms_slot on database orders - not found on the server read (or not read)',
    );
  });

  it('leaves out the LSN line when the decision names none', () => {
    const body = lines('no-action', fullState({ decision: { lsns: {} } }));
    expect(body.some((line) => line.startsWith('LSNs:'))).toBe(false);
    const notObject = lines('no-action', fullState({ decision: { lsns: 'x' } }));
    expect(notObject.some((line) => line.startsWith('LSNs:'))).toBe(false);
  });

  it('names the source by replacement, then database, then the task id', () => {
    expect(build('no-action', fullState()).attributes.source).toBe('orders-db');
    const noReplacement = fullState({ input: { replacement: undefined } });
    expect(build('no-action', noReplacement).attributes.source).toBe('orders');
    const neither = fullState({ input: { replacement: undefined, source: {} } });
    expect(build('no-action', neither).attributes.source).toBe('TASK1');
  });

  it('an escalated wait with no holder, no settings and no wait record says what it does not know', () => {
    const state = fullState({ decision: { holder: null }, decided: { settings: null } });
    expect(lines('escalate', state).slice(1, 3)).toEqual([
      'Slot dms_slot is still held by PID ? after ? s, even after the machine terminated the previous holder.',
      'Check what the backend is (SELECT * FROM pg_stat_activity WHERE pid = <pid>); if it is a stale walsender, ' +
        'end it with pg_terminate_backend, then run the recovery again.',
    ]);
    const noWait = fullState({ decided: { slotWait: null } });
    expect(lines('escalate', noWait)[1]).toBe(
      'Read the decision below, fix what it names, then run the recovery again.',
    );
  });

  it('a new task without a start position says "?" for it', () => {
    const state = fullState({ decision: { kind: 'NEW_TASK_FROM_SLOT', lsns: {} } });
    expect(lines('escalate', state)[1]).toBe(
      'The decision is a new CDC task on slot dms_slot at ?, but the recover input has no "replacement".',
    );
  });

  it('a task with no stop reason and no failure message says so and adds no failure line', () => {
    const state = fullState();
    state.decided.task = { status: 'stopped' } as never;
    const body = lines('no-action', state);
    expect(body.slice(4, 6)).toEqual([
      `Task: ${TASK} - stopped (no stop reason), checkpoint none`,
      'Slot: dms_slot on database orders - active, wal_status reserved, restart_lsn 4AF/A0000000, ' +
        'confirmed_flush_lsn 4AF/B00000D0, failover true, synced false',
    ]);
    state.decided.task = {} as never;
    expect(lines('no-action', state)[4]).toBe(`Task: ${TASK} - ? (no stop reason), checkpoint none`);
  });

  it('a range at risk with an unknown start says "unknown .. to"', () => {
    const state = fullState({ decision: { atRisk: { from: null, to: '4AF/C0000000' } } });
    expect(build('data-gap', state).subject).toBe(
      '[RECOVERY DATA GAP] slot dms_slot: changes at risk unknown .. 4AF/C0000000',
    );
  });

  it('a failure without a remedy has no remedy line', () => {
    const state = fullState({ error: { Error: 'SlotNotFoundError', Cause: 'the slot is gone' } });
    expect(lines('failure', state).slice(0, 5)).toEqual([
      `Recovery of ${TASK} FAILED at a step after the decision WAIT_FOR_SLOT.`,
      '',
      'Error: SlotNotFoundError',
      'the slot is gone',
      '',
    ]);
  });

  it('reads the payload parts defensively: wrong types become null', () => {
    const state = fullState({
      decision: { holder: { pid: 'x', application: 5, terminate: 'yes' }, atRisk: 'x' },
      steps: { newTask: { taskArn: 1, cdcStartPosition: null }, started: 'x' },
    });
    const { payload } = build('no-action', state);
    expect(payload.decision).toMatchObject({
      holder: { pid: null, application: null, terminate: false },
      atRisk: null,
    });
    expect(payload.newTask).toEqual({ taskArn: null, cdcStartPosition: null });
    expect(payload.failover).toBe(true);
    const notTrue = build('no-action', fullState({ input: { failover: 'true' } }));
    expect(notTrue.payload.failover).toBe(false);
  });
});
