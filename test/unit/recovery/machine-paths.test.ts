import { describe, expect, it } from 'vitest';
import { RECOVER_ASL, statesEntered } from '../../../src/local/recovery/run.js';
import {
  type ExecutionResult,
  runStateMachine,
  type TaskHandler,
} from '../../../src/local/stepfunctions/index.js';
import { decidedOutput, STUB_MACHINE_SETTINGS } from './fixtures.js';

/**
 * Every path of statemachines/recover.asl.json with scripted stub functions (no database, no DMS): the
 * loops with their not-yet answers, each way the old task can be found, a failure at each step and a
 * notification that cannot be published at each notify step. test/unit/recovery/machine.test.ts covers
 * the routing; test/e2e/recover*.test.ts the real handlers against PostgreSQL and the local engine.
 */
const OLD_TASK = 'arn:aws:dms:us-east-1:123456789012:task:OLD';
const NEW_TASK = 'arn:aws:dms:us-east-1:123456789012:task:NEW';

const settings = STUB_MACHINE_SETTINGS;

/** The loops and the end every successful path shares, as statesEntered lists them. */
const POLL_RUNNING = ['WaitForRunning', 'PollRunning', 'IsRunning'];
const SLOT_ADVANCE = ['WaitForSlotAdvance', 'CheckSlotAdvance', 'SlotAdvancing'];
const RECOVERED = ['NotifyRecovered', 'Recovered'];

type Kind = 'RESUME' | 'WAIT_FOR_SLOT' | 'NEW_TASK_FROM_SLOT' | 'DATA_GAP' | 'NO_ACTION' | 'ESCALATE';

/** Decide's answer: the decision with what it saw (the ResultSelector reads every field). */
const decided = (kind: Kind, extra: Record<string, unknown> = {}) =>
  decidedOutput(kind, OLD_TASK, settings, extra);

const newTaskDecision = (task: unknown = { taskArn: OLD_TASK, status: 'running' }) =>
  decided('NEW_TASK_FROM_SLOT', { task, newTask: { slotName: 'dms_slot', cdcStartPosition: '1/20' } });

function slotHeld(polls: number, expired: boolean, terminateStaleBackend = true) {
  return decided('WAIT_FOR_SLOT', {
    decision: {
      kind: 'WAIT_FOR_SLOT',
      reason: 'held by pid 7',
      lsns: {},
      atRisk: null,
      holder: { pid: 7, application: 'walsender', terminate: terminateStaleBackend },
    },
    settings: { ...settings, terminateStaleBackend },
    slotWait: { since: '2026-03-01T12:00:00.000Z', polls, expired },
  });
}

const poll = (status: string, done: boolean) => ({
  status,
  stopReason: null,
  done,
  since: '2026-03-01T12:00:00.000Z',
  polls: 1,
});

const catchUp = (caughtUp: boolean) => ({
  caughtUp,
  consecutive: caughtUp ? 1 : 0,
  polls: 1,
  since: '2026-03-01T12:00:00.000Z',
  lagBytes: caughtUp ? 0 : 4096,
  latencySeconds: 0,
  confirmedFlushLsn: '1/30',
  serverLsn: '1/30',
  taskStatus: 'running',
});

const failure = (name: string, message = `${name} from the stub`) =>
  Object.assign(new Error(message), { name });

/** Answers in order, the last one repeated; an Error is thrown. Every call is recorded. */
function scripted(answers: unknown[], calls: unknown[]): TaskHandler {
  return async (event: unknown) => {
    calls.push(event);
    const answer = answers[Math.min(calls.length, answers.length) - 1];
    if (answer instanceof Error) throw answer;
    return answer;
  };
}

interface PollEvent {
  readonly taskArn: string;
  readonly until: readonly string[];
}

/** Which poll state is asking: each waits for its own statuses. */
function pollerOf(event: PollEvent): 'running' | 'oldStopped' | 'newReady' {
  if (event.until.length === 1) return 'running';
  return event.until.includes('failed') ? 'oldStopped' : 'newReady';
}

interface Script {
  readonly decide: unknown[];
  readonly decideWithoutSource?: unknown[];
  readonly running?: unknown[];
  readonly oldStopped?: unknown[];
  readonly newReady?: unknown[];
  readonly catchUp?: unknown[];
  readonly stop?: unknown[];
  readonly create?: unknown[];
  readonly start?: unknown[];
  readonly terminate?: unknown[];
  /** A notification kind whose publication fails. */
  readonly notifyFails?: string;
}

interface Calls {
  readonly decide: Array<{ previous: unknown; sourceUnreachable?: boolean; unreachableCause?: string }>;
  readonly polls: PollEvent[];
  readonly catchUp: unknown[];
  readonly stop: unknown[];
  readonly create: unknown[];
  readonly start: Array<{ taskArn: string; startType: string }>;
  readonly terminate: unknown[];
  readonly notified: Array<{ kind: string; state: { error?: { Error: string } } }>;
}

async function run(script: Script): Promise<{ result: ExecutionResult; states: string[]; calls: Calls }> {
  const calls: Calls = {
    decide: [],
    polls: [],
    catchUp: [],
    stop: [],
    create: [],
    start: [],
    terminate: [],
    notified: [],
  };
  const observed: unknown[] = [];
  const withSource = scripted(script.decide, observed);
  const withoutSource = scripted(script.decideWithoutSource ?? [decided('ESCALATE')], []);
  const pollCalls = { running: [] as unknown[], oldStopped: [] as unknown[], newReady: [] as unknown[] };
  const pollers = {
    running: scripted(script.running ?? [poll('running', true)], pollCalls.running),
    oldStopped: scripted(script.oldStopped ?? [poll('stopped', true)], pollCalls.oldStopped),
    newReady: scripted(script.newReady ?? [poll('ready', true)], pollCalls.newReady),
  };
  const started = scripted(
    script.start ?? [{ taskArn: NEW_TASK, startType: 'x', started: true, status: 'starting' }],
    [],
  );
  const result = await runStateMachine({
    definitionPath: RECOVER_ASL,
    timeScale: 0,
    input: {
      taskArn: OLD_TASK,
      source: { secretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:s-AbCdEf', database: 'app' },
      slotName: 'dms_slot',
    },
    tasks: {
      DecideRecoveryFunctionArn: async (event: Calls['decide'][number]) => {
        calls.decide.push(event);
        return event.sourceUnreachable
          ? withoutSource(event as never, undefined as never)
          : withSource(event as never, undefined as never);
      },
      PollTaskFunctionArn: async (event: PollEvent) => {
        calls.polls.push(event);
        return pollers[pollerOf(event)](event as never, undefined as never);
      },
      CheckCatchUpFunctionArn: scripted(script.catchUp ?? [catchUp(true)], calls.catchUp),
      StopTaskFunctionArn: scripted(script.stop ?? [{ stopped: true, status: 'stopping' }], calls.stop),
      CreateCdcTaskFunctionArn: scripted(
        script.create ?? [
          {
            taskArn: NEW_TASK,
            taskIdentifier: 'new',
            created: true,
            status: 'creating',
            cdcStartPosition: '1/20',
          },
        ],
        calls.create,
      ),
      StartTaskFunctionArn: async (event: Calls['start'][number]) => {
        calls.start.push(event);
        const answer = await started(event as never, undefined as never);
        return { ...(answer as object), taskArn: event.taskArn, startType: event.startType };
      },
      TerminateSlotHolderFunctionArn: scripted(
        script.terminate ?? [
          { terminated: true, pid: 7, application: 'walsender', slotActive: false, activePid: null },
        ],
        calls.terminate,
      ),
      NotifyRecoveryFunctionArn: async (event: Calls['notified'][number]) => {
        calls.notified.push(event);
        if (event.kind === script.notifyFails) throw failure('AlertDeliveryError', 'SNS is down');
        return { messageId: `m-${calls.notified.length}`, subject: event.kind };
      },
    },
  });
  return { result, states: statesEntered(result), calls };
}

const kinds = (calls: Calls) => calls.notified.map((n) => n.kind);
const startTypes = (calls: Calls) => calls.start.map((s) => `${s.startType} ${s.taskArn}`);

describe('recover machine paths (scripted stub functions)', () => {
  it('RESUME: resume-processing, then waits until running and until the slot advances, and notifies recovered', async () => {
    const { result, states, calls } = await run({
      decide: [decided('RESUME')],
      running: [poll('starting', false), poll('running', true)],
      catchUp: [catchUp(false), catchUp(true)],
    });

    expect(states).toEqual([
      'Init',
      'Decide',
      'Route',
      'Resume',
      ...POLL_RUNNING,
      ...POLL_RUNNING,
      ...SLOT_ADVANCE,
      ...SLOT_ADVANCE,
      ...RECOVERED,
    ]);
    expect(result.status).toBe('SUCCEEDED');
    expect(startTypes(calls)).toEqual([`resume-processing ${OLD_TASK}`]);
    expect(calls.polls.map((p) => p.taskArn)).toEqual([OLD_TASK, OLD_TASK]);
    expect(kinds(calls)).toEqual(['recovered']);
    expect(calls.stop).toEqual([]);
    expect(calls.create).toEqual([]);
  });

  it('NEW_TASK_FROM_SLOT with the old task running: stops it and waits for the stop, creates the new task, waits for ready, first start, running, slot advancing', async () => {
    const { result, states, calls } = await run({
      decide: [newTaskDecision()],
      stop: [{ stopped: true, status: 'stopping' }],
      oldStopped: [poll('stopping', false), poll('stopped', true)],
      newReady: [poll('creating', false), poll('ready', true)],
    });

    expect(states).toEqual([
      'Init',
      'Decide',
      'Route',
      'NewTaskPossible',
      'OldTaskExists',
      'StopOldTask',
      'OldTaskStopping',
      'WaitForOldStop',
      'PollOldStopped',
      'OldStopped',
      'WaitForOldStop',
      'PollOldStopped',
      'OldStopped',
      'CreateNewTask',
      'WaitForNewTaskReady',
      'PollNewTaskReady',
      'NewTaskReady',
      'WaitForNewTaskReady',
      'PollNewTaskReady',
      'NewTaskReady',
      'StartNewTask',
      ...POLL_RUNNING,
      ...SLOT_ADVANCE,
      ...RECOVERED,
    ]);
    expect(result.status).toBe('SUCCEEDED');
    expect(calls.stop).toEqual([{ taskArn: OLD_TASK }]);
    expect(calls.create).toEqual([{ slotName: 'dms_slot', cdcStartPosition: '1/20' }]);
    // start-replication only on the task that never ran; the old one keeps its checkpoint.
    expect(startTypes(calls)).toEqual([`start-replication ${NEW_TASK}`]);
    expect(calls.polls.map((p) => `${pollerOf(p)} ${p.taskArn}`)).toEqual([
      `oldStopped ${OLD_TASK}`,
      `oldStopped ${OLD_TASK}`,
      `newReady ${NEW_TASK}`,
      `newReady ${NEW_TASK}`,
      `running ${NEW_TASK}`,
    ]);
    expect(kinds(calls)).toEqual(['recovered']);
  });

  it('an old task already stopping (stopped by someone else) is waited for, not stopped again', async () => {
    const { result, states, calls } = await run({
      decide: [newTaskDecision({ taskArn: OLD_TASK, status: 'stopping' })],
      stop: [{ stopped: false, status: 'stopping' }],
    });

    expect(states.slice(5, 10)).toEqual([
      'StopOldTask',
      'OldTaskStopping',
      'WaitForOldStop',
      'PollOldStopped',
      'OldStopped',
    ]);
    expect(result.status).toBe('SUCCEEDED');
    expect(calls.stop).toHaveLength(1);
    expect(startTypes(calls)).toEqual([`start-replication ${NEW_TASK}`]);
  });

  it('an old task already at rest is left as it is: the new task is created at once', async () => {
    const { result, states, calls } = await run({
      decide: [newTaskDecision({ taskArn: OLD_TASK, status: 'failed' })],
      stop: [{ stopped: false, status: 'failed' }],
    });

    expect(states.slice(5, 8)).toEqual(['StopOldTask', 'OldTaskStopping', 'CreateNewTask']);
    expect(states).not.toContain('PollOldStopped');
    expect(result.status).toBe('SUCCEEDED');
    expect(calls.polls.map(pollerOf)).not.toContain('oldStopped');
  });

  it('WAIT_FOR_SLOT: notifies on the first poll only, waits and decides again with the previous decision until the slot is free', async () => {
    const first = slotHeld(1, false);
    const second = slotHeld(2, false);
    const { result, states, calls } = await run({ decide: [first, second, decided('NO_ACTION')] });

    expect(states).toEqual([
      'Init',
      'Decide',
      'Route',
      'SlotHeld',
      'NotifyWaiting',
      'WaitForSlot',
      'RememberDecision',
      'Decide',
      'Route',
      'SlotHeld',
      'WaitForSlot',
      'RememberDecision',
      'Decide',
      'Route',
      'NotifyNoAction',
      'NothingToRecover',
    ]);
    expect(result.status).toBe('SUCCEEDED');
    expect(calls.decide.map((d) => d.previous)).toEqual([null, first, second]);
    expect(kinds(calls)).toEqual(['waiting', 'no-action']);
    expect(calls.terminate).toEqual([]);
  });

  it('WAIT_FOR_SLOT past its deadline without the terminate policy escalates and never terminates', async () => {
    const { result, states, calls } = await run({ decide: [slotHeld(5, true, false)] });

    expect(states).toEqual(['Init', 'Decide', 'Route', 'SlotHeld', 'NotifyEscalate', 'Escalated']);
    expect(result).toMatchObject({ status: 'FAILED', error: 'RecoveryEscalated', cause: 'held by pid 7' });
    expect(calls.terminate).toEqual([]);
    expect(kinds(calls)).toEqual(['escalate']);
  });

  it('an unreachable source is retried with backoff, then decided without it: ESCALATE naming the last error', async () => {
    const { result, states, calls } = await run({
      decide: [failure('SourceUnreachableError', 'cannot reach postgres@10.0.0.5:5432/app: ETIMEDOUT')],
      decideWithoutSource: [
        decided('ESCALATE', { decision: { kind: 'ESCALATE', reason: 'source unreachable' } }),
      ],
    });

    expect(states).toEqual(['Init', 'Decide', 'DecideWithoutSource', 'Route', 'NotifyEscalate', 'Escalated']);
    expect(result).toMatchObject({
      status: 'FAILED',
      error: 'RecoveryEscalated',
      cause: 'source unreachable',
    });
    // The first attempt and six retries, then the decision without the source.
    const withSource = calls.decide.filter((d) => !d.sourceUnreachable);
    expect(withSource).toHaveLength(7);
    const without = calls.decide.filter((d) => d.sourceUnreachable);
    expect(without).toEqual([
      expect.objectContaining({
        sourceUnreachable: true,
        unreachableCause: expect.stringContaining('ETIMEDOUT'),
      }),
    ]);
    expect(result.events.filter((e) => e.type === 'StateRetried')).toHaveLength(6);
  });

  /** A step that fails: the failure is notified and the execution fails with the step's error. */
  it.each<{ state: string; script: Script; error: string }>([
    {
      state: 'DecideWithoutSource',
      script: {
        decide: [failure('SourceUnreachableError')],
        decideWithoutSource: [failure('InvalidInputError', 'source.secretArn: not a secret ARN')],
      },
      error: 'InvalidInputError',
    },
    {
      state: 'Resume',
      script: {
        decide: [decided('RESUME')],
        start: [failure('DmsResourceNotFoundError', 'task was deleted')],
      },
      error: 'DmsResourceNotFoundError',
    },
    {
      state: 'PollRunning',
      script: {
        decide: [decided('RESUME')],
        running: [failure('TaskFailedError', 'Stop Reason FATAL_ERROR')],
      },
      error: 'TaskFailedError',
    },
    {
      state: 'CheckSlotAdvance',
      script: { decide: [decided('RESUME')], catchUp: [failure('CatchUpTimeoutError')] },
      error: 'CatchUpTimeoutError',
    },
    {
      state: 'TerminateHolder',
      script: { decide: [slotHeld(5, true)], terminate: [failure('TerminationNotAllowedError')] },
      error: 'TerminationNotAllowedError',
    },
    {
      state: 'StopOldTask',
      script: { decide: [newTaskDecision()], stop: [failure('DmsResourceNotFoundError')] },
      error: 'DmsResourceNotFoundError',
    },
    {
      state: 'PollOldStopped',
      script: { decide: [newTaskDecision()], oldStopped: [failure('TaskWaitTimeoutError')] },
      error: 'TaskWaitTimeoutError',
    },
    {
      state: 'PollNewTaskReady',
      script: { decide: [newTaskDecision()], newReady: [failure('TaskFailedError', 'the new task failed')] },
      error: 'TaskFailedError',
    },
    {
      state: 'StartNewTask',
      script: { decide: [newTaskDecision()], start: [failure('StartPositionTooOldError')] },
      error: 'StartPositionTooOldError',
    },
  ])(
    'a failure at $state is notified and fails the recovery with $error',
    async ({ state, script, error }) => {
      const { result, states, calls } = await run(script);

      expect(states.slice(-3)).toEqual([state, 'NotifyFailure', 'RecoveryFailed']);
      expect(result).toMatchObject({ status: 'FAILED', error });
      expect(kinds(calls)).toEqual(['failure']);
      expect(calls.notified[0]?.state.error?.Error).toBe(error);
      expect(result.events).toContainEqual(
        expect.objectContaining({
          type: 'StateCaught',
          stateName: state,
          caught: { errorEquals: ['States.ALL'], next: 'NotifyFailure' },
        }),
      );
    },
  );

  /** Publishing is best effort: the outcome is the same with or without the message. */
  it.each<{ kind: string; state: string; script: Script; status: string; error?: string; next: string }>([
    {
      kind: 'recovered',
      state: 'NotifyRecovered',
      script: { decide: [decided('RESUME')] },
      status: 'SUCCEEDED',
      next: 'Recovered',
    },
    {
      kind: 'waiting',
      state: 'NotifyWaiting',
      script: { decide: [slotHeld(1, false), decided('NO_ACTION')] },
      status: 'SUCCEEDED',
      next: 'WaitForSlot',
    },
    {
      kind: 'terminated',
      state: 'NotifyTerminated',
      script: { decide: [slotHeld(5, true), decided('RESUME')] },
      status: 'SUCCEEDED',
      next: 'RememberDecision',
    },
    {
      kind: 'no-action',
      state: 'NotifyNoAction',
      script: { decide: [decided('NO_ACTION')] },
      status: 'SUCCEEDED',
      next: 'NothingToRecover',
    },
    {
      kind: 'escalate',
      state: 'NotifyEscalate',
      script: { decide: [decided('ESCALATE')] },
      status: 'FAILED',
      error: 'RecoveryEscalated',
      next: 'Escalated',
    },
    {
      kind: 'failure',
      state: 'NotifyFailure',
      script: { decide: [failure('SlotNotFoundError')] },
      status: 'FAILED',
      error: 'SlotNotFoundError',
      next: 'RecoveryFailed',
    },
  ])(
    'a $kind notification that cannot be published does not change the outcome',
    async ({ kind, state, script, status, error, next }) => {
      const { result, states, calls } = await run({ ...script, notifyFails: kind });

      expect(result.status).toBe(status);
      if (error) expect(result.error).toBe(error);
      expect(states[states.indexOf(state) + 1]).toBe(next);
      expect(kinds(calls)).toContain(kind);
      expect(result.events).toContainEqual(
        expect.objectContaining({
          type: 'StateCaught',
          stateName: state,
          caught: { errorEquals: ['States.ALL'], next },
        }),
      );
    },
  );
});
