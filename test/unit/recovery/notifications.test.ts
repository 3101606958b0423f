import { describe, expect, it } from 'vitest';
import { parseAlertMessage, validateAlertMessage } from '../../../src/core/alerts/sns-message.js';
import {
  buildRecoveryNotification,
  RECOVERY_NOTIFICATION_KINDS,
  RECOVERY_NOTIFICATION_SCHEMA,
} from '../../../src/core/recovery/notifications.js';
import { FAILOVER_STATE_INPUT } from './fixtures.js';

const NOW = new Date('2026-03-01T12:00:00.000Z');
const TASK_ARN = 'arn:aws:dms:us-east-1:123456789012:task:TASK1';

function state(decision: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return {
    input: {
      ...FAILOVER_STATE_INPUT,
      trigger: {
        kind: 'rds-failover-event',
        message: 'RDS-EVENT-0071: Completed failover to DB instance: b',
      },
    },
    decided: {
      decision: { lsns: {}, atRisk: null, holder: null, ...decision },
      task: {
        status: 'failed',
        stopReason: 'Stop Reason RECOVERABLE_ERROR',
        lastFailureMessage: 'Last Error connection lost',
        checkpointLsn: '4AF/B00000D0',
      },
      slot: null,
      source: {
        reachable: true,
        describe: 'dms@writer:5432/orders (verify-full)',
        serverLsn: '4AF/C0000000',
      },
      settings: { slotWaitTimeoutSeconds: 300 },
      slotWait: null,
      newTaskProblem: null,
    },
    steps: {},
    polls: { catchUp: null },
    ...extra,
  };
}

const gap = state({
  kind: 'DATA_GAP',
  reason: 'The slot does not exist on the new writer: it was not a synced failover slot.',
  lsns: { checkpoint: '4AF/B00000D0', server: '4AF/C0000000' },
  atRisk: { from: '4AF/B00000D0', to: '4AF/C0000000' },
});

describe('recovery notifications', () => {
  it.each(RECOVERY_NOTIFICATION_KINDS)(
    '%s is a message SNS accepts, with severity, kind, slot and decision attributes',
    (kind) => {
      const message = buildRecoveryNotification({ kind, state: gap }, NOW);
      expect(validateAlertMessage(message)).toEqual([]);
      expect(message.attributes).toMatchObject({
        source: 'orders-db',
        kind: `recovery-${kind}`,
        slot: 'dms_slot',
        decision: 'DATA_GAP',
      });
      expect(message.subject.startsWith('[RECOVERY ')).toBe(true);
      expect(
        parseAlertMessage(`${message.body}\n\n--- payload (JSON) ---\n${JSON.stringify(message.payload)}`)
          .payload,
      ).toMatchObject({
        schema: RECOVERY_NOTIFICATION_SCHEMA,
        kind,
        taskArn: TASK_ARN,
      });
    },
  );

  it('a data gap is critical and names the slot, the LSN range at risk, the old checkpoint and the options', () => {
    const message = buildRecoveryNotification({ kind: 'data-gap', state: gap }, NOW);
    expect(message.attributes.severity).toBe('CRITICAL');
    expect(message.subject).toBe(
      '[RECOVERY DATA GAP] slot dms_slot: changes at risk 4AF/B00000D0 .. 4AF/C0000000',
    );
    expect(message.body).toContain('changes in 4AF/B00000D0 .. 4AF/C0000000 may be missing on the target');
    expect(message.body).toContain('Nothing was restarted or created');
    expect(message.body).toContain("pg_create_logical_replication_slot('dms_slot'");
    expect(message.body).toContain('reload the target');
    expect(message.body).toContain('RecoveryCheckpoint 4AF/B00000D0');
    expect(message.body).toContain('synchronized_standby_slots');
    expect(message.payload.decision).toMatchObject({ atRisk: { from: '4AF/B00000D0', to: '4AF/C0000000' } });
  });

  it("names a failure as DMS wrote it by its code, and its message once, without DMS's wrapping", () => {
    const fatal =
      'Last Error  Replication slot "dms_slot" does not exist Task error notification received from subtask 0, ' +
      'thread 0 Stop Reason FATAL_ERROR Error Level FATAL';
    const failed = state({ kind: 'NEW_TASK_FROM_SLOT', reason: 'The task failed with FATAL_ERROR.' });
    failed.decided.task = { ...failed.decided.task, stopReason: fatal, lastFailureMessage: fatal };

    const message = buildRecoveryNotification({ kind: 'escalate', state: failed }, NOW);

    expect(message.body).toContain(`Task: ${TASK_ARN} - failed (FATAL_ERROR, Error Level FATAL), checkpoint`);
    expect(message.body).toContain(
      'Last failure: Replication slot "dms_slot" does not exist Task error notification received from subtask 0, thread 0\n',
    );
    expect(message.body).not.toContain('Stop Reason FATAL_ERROR');
    expect(message.payload.task).toMatchObject({ stopReason: fatal });
  });

  it('a wait names the holder and what happens after it, by policy', () => {
    const held = (terminate: boolean) =>
      state({
        kind: 'WAIT_FOR_SLOT',
        reason: 'held',
        holder: { pid: 4242, application: 'old-dms', terminate },
      });
    const allowed = buildRecoveryNotification({ kind: 'waiting', state: held(true) }, NOW);
    expect(allowed.subject).toBe('[RECOVERY WAITING] slot dms_slot held by PID 4242, waiting');
    expect(allowed.body).toContain('up to 300 s');
    expect(allowed.body).toContain('then terminates it');
    const forbidden = buildRecoveryNotification({ kind: 'waiting', state: held(false) }, NOW);
    expect(forbidden.body).toContain('will not terminate it');
  });

  it('an expired wait escalates with the exact query to check the holder', () => {
    const expired = state({
      kind: 'WAIT_FOR_SLOT',
      reason: 'held',
      holder: { pid: 77, application: null, terminate: false },
    });
    (expired.decided as Record<string, unknown>).slotWait = {
      since: NOW.toISOString(),
      polls: 10,
      expired: true,
    };
    const message = buildRecoveryNotification({ kind: 'escalate', state: expired }, NOW);
    expect(message.attributes.severity).toBe('CRITICAL');
    expect(message.body).toContain('still held by PID 77 after 300 s');
    expect(message.body).toContain('SELECT * FROM pg_stat_activity WHERE pid = 77');
  });

  it('a new task the input cannot name escalates with what to add', () => {
    const blocked = state({
      kind: 'NEW_TASK_FROM_SLOT',
      reason: 'fatal',
      lsns: { startPosition: '4AF/B00000D0' },
    });
    (blocked.decided as Record<string, unknown>).newTaskProblem = 'the recover input has no "replacement"';
    const message = buildRecoveryNotification({ kind: 'escalate', state: blocked }, NOW);
    expect(message.body).toContain('at 4AF/B00000D0, but the recover input has no "replacement"');
  });

  it('recovered says resumed or new task, with the slot after the action', () => {
    const resumed = state(
      { kind: 'RESUME', reason: 'ok' },
      {
        steps: { started: { taskArn: TASK_ARN, startType: 'resume-processing' } },
        polls: { catchUp: { lagBytes: 120, confirmedFlushLsn: '4AF/C0000000', serverLsn: '4AF/C0000078' } },
      },
    );
    const message = buildRecoveryNotification({ kind: 'recovered', state: resumed }, NOW);
    expect(message.subject).toBe('[RECOVERY RECOVERED] slot dms_slot: task resumed, running');
    expect(message.body).toContain('resume-processing from its checkpoint 4AF/B00000D0');
    expect(message.body).toContain('lag 120 bytes');
    const created = state(
      { kind: 'NEW_TASK_FROM_SLOT', reason: 'fatal' },
      {
        steps: {
          newTask: {
            taskArn: 'arn:aws:dms:us-east-1:123456789012:task:NEW',
            cdcStartPosition: '4AF/B00000D0',
          },
        },
      },
    );
    expect(buildRecoveryNotification({ kind: 'recovered', state: created }, NOW).body).toContain(
      'created a NEW CDC task arn:aws:dms:us-east-1:123456789012:task:NEW on slot dms_slot at 4AF/B00000D0',
    );
  });

  it('recovered after DMS restarted the task itself says so, not that the machine resumed it', () => {
    const restarted = state(
      { kind: 'NO_ACTION', reason: 'DMS restarted the task by itself' },
      {
        steps: {
          started: { taskArn: TASK_ARN, startType: 'restarted-by-dms', started: false, status: 'running' },
        },
      },
    );

    const message = buildRecoveryNotification({ kind: 'recovered', state: restarted }, NOW);

    expect(message.subject).toBe('[RECOVERY RECOVERED] slot dms_slot: task restarted by DMS itself, running');
    expect(message.body).toContain('DMS restarted arn:aws:dms:us-east-1:123456789012:task:TASK1 by itself');
    expect(message.body).not.toContain('RESUMED');
  });

  it('a failed step carries the error name, its message and its remedy from the Lambda cause', () => {
    const failed = state(
      { kind: 'RESUME', reason: 'ok' },
      {
        error: {
          Error: 'TaskFailedError',
          Cause: JSON.stringify({
            errorType: 'TaskFailedError',
            errorMessage: 'task X is failed Remedy: look at the task logs',
          }),
        },
      },
    );
    const message = buildRecoveryNotification({ kind: 'failure', state: failed }, NOW);
    expect(message.subject).toBe('[RECOVERY FAILED] slot dms_slot: TaskFailedError');
    expect(message.body).toContain('Remedy: look at the task logs');
    expect(message.payload.error).toEqual({
      name: 'TaskFailedError',
      message: 'task X is failed',
      remedy: 'look at the task logs',
    });
  });

  it('reads a partial state (a Decide that failed) without throwing', () => {
    const message = buildRecoveryNotification(
      {
        kind: 'failure',
        state: { input: { taskArn: TASK_ARN }, error: { Error: 'States.Timeout', Cause: 'x' } },
      },
      NOW,
    );
    expect(validateAlertMessage(message)).toEqual([]);
    expect(message.attributes.source).toBe('TASK1');
  });
});
