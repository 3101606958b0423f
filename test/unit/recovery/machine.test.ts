import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../../src/core/errors.js';
import { RECOVER_ASL, statesEntered } from '../../../src/local/recovery/run.js';
import { runStateMachine, type TaskHandler } from '../../../src/local/stepfunctions/index.js';
import { decidedOutput, STUB_MACHINE_SETTINGS } from './fixtures.js';

/**
 * The recover machine's routing with stub Lambdas (no database, no engine): the branches the end-to-end
 * scenarios do not reach. The real handlers and servers are in test/e2e/recover*.test.ts.
 */
const settings = { ...STUB_MACHINE_SETTINGS, taskWaitSeconds: 1, taskWaitTimeoutSeconds: 5 };

const decided = (kind: string, extra: Record<string, unknown> = {}) =>
  decidedOutput(kind, 'arn:aws:dms:us-east-1:123456789012:task:T', settings, extra);

async function run(decide: TaskHandler, overrides: Record<string, TaskHandler> = {}) {
  const notified: string[] = [];
  const untouched =
    (name: string): TaskHandler =>
    async () => {
      throw new Error(`${name} must not run`);
    };
  const result = await runStateMachine({
    definitionPath: RECOVER_ASL,
    timeScale: 0,
    input: {
      taskArn: 'arn:aws:dms:us-east-1:123456789012:task:T',
      source: { secretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:s-AbCdEf', database: 'app' },
      slotName: 'dms_slot',
    },
    tasks: {
      DecideRecoveryFunctionArn: decide,
      NotifyRecoveryFunctionArn: async (event: unknown) => {
        notified.push((event as { kind: string }).kind);
        return { messageId: 'm', subject: 's' };
      },
      StartTaskFunctionArn: untouched('StartTask'),
      StopTaskFunctionArn: untouched('StopTask'),
      PollTaskFunctionArn: untouched('PollTask'),
      CreateCdcTaskFunctionArn: untouched('CreateCdcTask'),
      CheckCatchUpFunctionArn: untouched('CheckCatchUp'),
      TerminateSlotHolderFunctionArn: untouched('TerminateSlotHolder'),
      ...overrides,
    },
  });
  return { result, states: statesEntered(result), notified };
}

describe('recover machine routing (stub Lambdas)', () => {
  it('NO_ACTION notifies and succeeds, touching nothing', async () => {
    const { result, notified } = await run(async () => decided('NO_ACTION'));
    expect(result.status).toBe('SUCCEEDED');
    expect(notified).toEqual(['no-action']);
  });

  it('ESCALATE notifies and fails with the decision reason as the cause', async () => {
    const { result, notified } = await run(async () => decided('ESCALATE'));
    expect(result).toMatchObject({ status: 'FAILED', error: 'RecoveryEscalated', cause: 'because ESCALATE' });
    expect(notified).toEqual(['escalate']);
  });

  it('a new task the input cannot name escalates instead of creating anything', async () => {
    const { result, states } = await run(async () =>
      decided('NEW_TASK_FROM_SLOT', { newTaskProblem: 'no replacement' }),
    );
    expect(result.error).toBe('RecoveryEscalated');
    expect(states).not.toContain('CreateNewTask');
  });

  it('a deleted old task is not stopped: the new task is created directly', async () => {
    const { states, result } = await run(
      async () => decided('NEW_TASK_FROM_SLOT', { task: null, newTask: { slotName: 'dms_slot' } }),
      {
        CreateCdcTaskFunctionArn: async () => {
          throw new InvalidInputError('replicationInstanceArn', 'stub stops here');
        },
      },
    );
    expect(states).toContain('CreateNewTask');
    expect(states).not.toContain('StopOldTask');
    expect(result).toMatchObject({ status: 'FAILED', error: 'InvalidInputError' });
  });

  it('a step that fails is notified and the execution fails with its error', async () => {
    const { result, notified } = await run(async () => {
      throw new InvalidInputError('slotName', 'bad');
    });
    expect(result).toMatchObject({ status: 'FAILED', error: 'InvalidInputError' });
    expect(notified).toEqual(['failure']);
  });

  it('a notification that cannot be published does not hide the outcome', async () => {
    const { result } = await run(async () => decided('DATA_GAP'), {
      NotifyRecoveryFunctionArn: async () => {
        throw new Error('SNS down');
      },
    });
    expect(result).toMatchObject({ status: 'FAILED', error: 'RecoveryDataGap' });
  });

  it('terminates a held slot once at most: still held after it, the machine escalates', async () => {
    const terminated: unknown[] = [];
    const held = decided('WAIT_FOR_SLOT', {
      decision: {
        kind: 'WAIT_FOR_SLOT',
        reason: 'held',
        lsns: {},
        atRisk: null,
        holder: { pid: 7, application: null, terminate: true },
      },
      slotWait: { since: '2026-03-01T12:00:00.000Z', polls: 4, expired: true },
    });
    const { result, states } = await run(async () => held, {
      TerminateSlotHolderFunctionArn: async (event: unknown) => {
        terminated.push(event);
        return { terminated: true, pid: 7, application: null, slotActive: true, activePid: 8 };
      },
    });
    expect(terminated).toHaveLength(1);
    expect(terminated[0]).toMatchObject({ pid: 7, allowed: true, slotName: 'dms_slot' });
    expect(states.filter((s) => s === 'Decide')).toHaveLength(2);
    expect(result.error).toBe('RecoveryEscalated');
  });
});

describe('recover machine: a task DMS restarts by itself (stub Lambdas)', () => {
  const started: string[] = [];
  const starting = decided('WAIT_FOR_TASK', { taskWait: { since: '2026-03-01T12:00:00.000Z', polls: 1 } });
  const restarted = decided('NO_ACTION', {
    task: { taskArn: 'arn:aws:dms:us-east-1:123456789012:task:T', status: 'running' },
    restartedByDms: true,
  });
  const caughtUp = async () => ({
    caughtUp: true,
    consecutive: 1,
    polls: 1,
    since: '2026-03-01T12:00:00.000Z',
    lagBytes: 0,
    latencySeconds: 0,
    confirmedFlushLsn: '1/0',
    serverLsn: '1/0',
    taskStatus: 'running',
  });

  /** Decide answers each decision in turn, the last repeating; every previous it is given is recorded. */
  function decisions(...answers: Record<string, unknown>[]) {
    const previous: unknown[] = [];
    const decide: TaskHandler = async (event: unknown) => {
      previous.push((event as { previous: unknown }).previous);
      return answers[Math.min(previous.length - 1, answers.length - 1)];
    };
    return { decide, previous };
  }

  it('waits for DMS and decides again, then confirms the slot advances without starting anything', async () => {
    const { decide, previous } = decisions(starting, starting, restarted);
    const { result, states, notified } = await run(decide, {
      StartTaskFunctionArn: async () => {
        started.push('start');
        throw new Error('StartTask must not run');
      },
      CheckCatchUpFunctionArn: caughtUp,
    });

    expect(result.status).toBe('SUCCEEDED');
    expect(states.filter((s) => s === 'WaitForTask')).toHaveLength(2);
    expect(states).toEqual(
      expect.arrayContaining(['FollowDmsRestart', 'CheckSlotAdvance', 'NotifyRecovered']),
    );
    expect(states).not.toContain('Resume');
    expect(started).toEqual([]);
    expect(previous[1]).toMatchObject({ decision: { kind: 'WAIT_FOR_TASK' }, taskWait: { polls: 1 } });
    expect(result.output).toMatchObject({
      steps: { started: { startType: 'restarted-by-dms', started: false, status: 'running' } },
    });
    expect(notified).toEqual(['recovered']);
  });

  it('a resume DMS refuses because it restarted the task meanwhile decides again instead of failing', async () => {
    const { decide } = decisions(decided('RESUME'), restarted);
    const { result, states } = await run(decide, {
      StartTaskFunctionArn: async () => {
        throw Object.assign(new Error('Task is starting'), { name: 'DmsInvalidStateError' });
      },
      CheckCatchUpFunctionArn: caughtUp,
    });

    expect(states.filter((s) => s === 'Decide')).toHaveLength(2);
    expect(states).toEqual(
      expect.arrayContaining([
        'Resume',
        'ResumeRefused',
        'RememberRefusal',
        'RememberDecision',
        'FollowDmsRestart',
      ]),
    );
    expect(states).not.toContain('NotifyFailure');
    expect(result.status).toBe('SUCCEEDED');
  });

  it('a resume DMS refuses twice is a failure, not a loop', async () => {
    const { decide } = decisions(decided('RESUME'));
    const { result, states, notified } = await run(decide, {
      StartTaskFunctionArn: async () => {
        throw Object.assign(new Error('Task is stopped, but refused'), { name: 'DmsInvalidStateError' });
      },
    });

    expect(states.filter((s) => s === 'Resume')).toHaveLength(2);
    expect(result).toMatchObject({ status: 'FAILED', error: 'DmsInvalidStateError' });
    expect(notified).toEqual(['failure']);
  });
});
