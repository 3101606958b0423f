import { describe, expect, it } from 'vitest';
import { DmsResourceNotFoundError } from '../../../src/core/dms/errors.js';
import { parseLsn } from '../../../src/core/lsn.js';
import {
  type DecideRecoveryRequest,
  decideRecoveryStep,
  lastKnownGood,
  type OpenRecoverySource,
} from '../../../src/core/recovery/decide-step.js';
import { TerminationNotAllowedError } from '../../../src/core/recovery/errors.js';
import { RecoverInput } from '../../../src/core/recovery/input.js';
import type { RecoveryStart } from '../../../src/core/recovery/routing.js';
import { startRecoveries } from '../../../src/core/recovery/start.js';
import { terminateStaleHolder } from '../../../src/core/recovery/terminate.js';
import type { DecisionKind } from '../../../src/core/recovery/types.js';
import { measureSlot, type SlotReading } from '../../../src/core/slot.js';
import type { Dms, Endpoint, Task } from '../../../src/ports/dms.js';
import type { StartRequest } from '../../../src/ports/executions.js';
import type { SourceDb } from '../../../src/ports/source-db.js';
import { slotState } from '../../support/slot-state.js';
import { portTask, SOURCE_ARN, TASK_ARN } from '../dms/fixtures.js';

/**
 * The recover machine's steps around the decision (mutation testing): what Decide reads from DMS and
 * the source and hands on, the stale-holder termination, and starting one execution per routed task.
 */

const NOW = Date.parse('2026-03-01T10:00:00.000Z');
const SECRET = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:s-AbCdEf';
const INPUT = RecoverInput.parse({
  taskArn: TASK_ARN,
  source: { secretArn: SECRET, database: 'app' },
  slotName: 'dms_slot',
  replacement: { identifierPrefix: 'orders', sourceName: 'orders-db' },
});

/** A task that failed with a checkpoint at 1/2000, where slotState()'s slot has confirmed. */
const failed = (over: Partial<Task> = {}) =>
  portTask({
    status: 'failed',
    stopReason: 'Stop Reason FATAL_ERROR',
    lastFailureMessage: 'boom',
    recoveryCheckpoint: 'checkpoint:V1#27#00000001/00002000#0#0#*#0#121',
    cdcStartPosition: '1/1000',
    ...over,
  });

const endpoint = (over: Partial<Endpoint> = {}): Endpoint => ({
  arn: SOURCE_ARN,
  identifier: 'orders-source',
  endpointType: 'source',
  engineName: 'postgres',
  databaseName: 'app',
  slotName: 'dms_slot',
  pluginName: 'test-decoding',
  status: 'active',
  ...over,
});

const answer = <T>(value: T | Error) =>
  value instanceof Error ? Promise.reject(value) : Promise.resolve(value);

function fakeDms(task: Task | Error, source: Endpoint | Error = endpoint()) {
  const calls: string[] = [];
  const dms = {
    describeTask: (arn: string) => {
      calls.push(`describeTask ${arn}`);
      return answer(task);
    },
    describeEndpoint: (arn: string) => {
      calls.push(`describeEndpoint ${arn}`);
      return answer(source);
    },
  } as unknown as Dms;
  return { dms, calls };
}

const SERVER = parseLsn('1/3000');

function fakeSource(reading: SlotReading | undefined, inRecovery = false) {
  const opened: string[] = [];
  const db: SourceDb = {
    readSlot: async (name) => {
      opened.push(`readSlot ${name}`);
      return reading;
    },
    readSlots: async () => [],
    readServerPosition: async () => {
      opened.push('readServerPosition');
      return { serverLsn: SERVER, inRecovery };
    },
  };
  const open: OpenRecoverySource = async () => {
    opened.push('open');
    return { db, describe: 'app@db:5432/app' };
  };
  return { open, opened };
}

const request = (over: Partial<DecideRecoveryRequest> = {}): DecideRecoveryRequest => ({
  input: INPUT,
  previous: null,
  sourceUnreachable: false,
  ...over,
});

const step = (dms: Dms, open: OpenRecoverySource, call: DecideRecoveryRequest) =>
  decideRecoveryStep({ dms, openSource: open, now: () => NOW }, call);

describe('decideRecoveryStep', () => {
  it('reads the task, its source endpoint and the slot, and hands on the decision with the new task payload', async () => {
    const { dms, calls } = fakeDms(failed());
    const { open, opened } = fakeSource(measureSlot(slotState(), SERVER, false));
    const result = await step(dms, open, request());
    expect(calls).toEqual([`describeTask ${TASK_ARN}`, `describeEndpoint ${SOURCE_ARN}`]);
    expect(opened).toEqual(['open', 'readSlot dms_slot']);
    expect(result.decision).toMatchObject({
      kind: 'NEW_TASK_FROM_SLOT',
      lsns: { checkpoint: '1/2000', confirmedFlush: '1/2000', server: '1/3000', startPosition: '1/2000' },
    });
    expect(result.task).toEqual({
      taskArn: TASK_ARN,
      taskIdentifier: failed().identifier,
      status: 'failed',
      stopReason: 'Stop Reason FATAL_ERROR',
      lastFailureMessage: 'boom',
      checkpointLsn: '1/2000',
      cdcStartPosition: '1/1000',
    });
    expect(result.slot).toMatchObject({
      slotName: 'dms_slot',
      confirmedFlushLsn: '1/2000',
      serverLsn: '1/3000',
    });
    expect(result.source).toEqual({
      reachable: true,
      describe: 'app@db:5432/app',
      serverLsn: '1/3000',
      inRecovery: false,
    });
    expect(result.settings).toEqual({ ...INPUT.timing, failover: false, terminateStaleBackend: false });
    expect(result.newTask).toMatchObject({
      identifierPrefix: 'orders',
      slotName: 'dms_slot',
      sourceEndpointArn: SOURCE_ARN,
      cdcStartPosition: '1/2000',
    });
    expect(result.newTaskProblem).toBeNull();
    expect(result.slotWait).toBeNull();
    expect(result.taskWait).toBeNull();
    expect(result.restartedByDms).toBe(false);
    expect(result.decidedAt).toBe('2026-03-01T10:00:00.000Z');
  });

  it('passes the failover flag and the terminate policy on to the settings', async () => {
    const input = RecoverInput.parse({ ...INPUT, failover: true, policy: { terminateStaleBackend: true } });
    const { dms } = fakeDms(failed());
    const { open } = fakeSource(measureSlot(slotState(), SERVER, false));
    const result = await step(dms, open, request({ input }));
    expect(result.settings).toMatchObject({ failover: true, terminateStaleBackend: true });
  });

  it('takes a task that no longer exists as an observation, not an error', async () => {
    const gone = new DmsResourceNotFoundError('DescribeReplicationTasks', TASK_ARN, 'no such task');
    const { dms, calls } = fakeDms(gone);
    const { open } = fakeSource(measureSlot(slotState(), SERVER, false));
    const result = await step(dms, open, request());
    expect(calls).toEqual([`describeTask ${TASK_ARN}`]);
    expect(result.task).toBeNull();
    expect(result.decision.reason).toMatch(/^The task no longer exists/);
    expect(result.newTask).toBeNull();
    expect(result.newTaskProblem).toMatch(/^the old task is gone/);
  });

  it('does not resume a task whose source endpoint is gone, and does not reuse that endpoint', async () => {
    const { dms } = fakeDms(failed(), new DmsResourceNotFoundError('DescribeEndpoints', SOURCE_ARN, 'gone'));
    const { open } = fakeSource(measureSlot(slotState(), SERVER, false));
    const result = await step(dms, open, request());
    expect(result.decision.reason).toContain('its source endpoint no longer exists');
    expect(result.newTask).toBeNull();
    expect(result.newTaskProblem).toContain('replacement.sourceEndpointArn');
  });

  it('lets any other DMS error fail the step', async () => {
    const denied = new Error('AccessDenied');
    const { open, opened } = fakeSource(measureSlot(slotState(), SERVER, false));
    await expect(step(fakeDms(denied).dms, open, request())).rejects.toBe(denied);
    await expect(step(fakeDms(failed(), denied).dms, open, request())).rejects.toBe(denied);
    expect(opened).toEqual([]);
  });

  it('does not read an endpoint for a task without one', async () => {
    const { dms, calls } = fakeDms(failed({ sourceEndpointArn: '' }));
    const { open } = fakeSource(measureSlot(slotState(), SERVER, false));
    await step(dms, open, request());
    expect(calls).toEqual([`describeTask ${TASK_ARN}`]);
  });

  it('reads the server position when the slot does not exist there', async () => {
    const { dms } = fakeDms(failed());
    const { open, opened } = fakeSource(undefined, true);
    const result = await step(dms, open, request());
    expect(opened).toEqual(['open', 'readSlot dms_slot', 'readServerPosition']);
    expect(result.slot).toBeNull();
    expect(result.source).toEqual({
      reachable: true,
      describe: 'app@db:5432/app',
      serverLsn: '1/3000',
      inRecovery: true,
    });
    expect(result.decision.kind).not.toBe('NEW_TASK_FROM_SLOT');
  });

  it('decides without the slot once the retries are exhausted, quoting the last error', async () => {
    const { dms } = fakeDms(failed());
    const { open, opened } = fakeSource(measureSlot(slotState(), SERVER, false));
    const lambdaError = JSON.stringify({
      errorType: 'SourceUnreachableError',
      errorMessage: 'connect ETIMEDOUT',
    });
    const result = await step(dms, open, request({ sourceUnreachable: true, unreachableCause: lambdaError }));
    expect(opened).toEqual([]);
    expect(result.decision.kind).toBe('ESCALATE');
    expect(result.decision.reason).toMatch(/ Last error: connect ETIMEDOUT$/);
    expect(result.slot).toBeNull();
    expect(result.source).toEqual({ reachable: false, describe: null, serverLsn: null, inRecovery: null });

    const freeText = await step(
      dms,
      open,
      request({ sourceUnreachable: true, unreachableCause: 'timeout {x' }),
    );
    expect(freeText.decision.reason).toMatch(/ Last error: timeout \{x$/);
    const noMessage = await step(
      dms,
      open,
      request({ sourceUnreachable: true, unreachableCause: '{"errorType":"X"}' }),
    );
    expect(noMessage.decision.reason).toMatch(/ Last error: \{"errorType":"X"\}$/);
    const noCause = await step(dms, open, request({ sourceUnreachable: true }));
    expect(noCause.decision.reason).not.toContain('Last error');
    expect(noCause.decision.reason).toBe(result.decision.reason.replace(/ Last error: .*$/, ''));
  });

  it('never adds a cause to a decision made with the source reached', async () => {
    const { dms } = fakeDms(failed());
    const { open } = fakeSource(measureSlot(slotState(), SERVER, false));
    const result = await step(dms, open, request({ unreachableCause: 'old error' }));
    expect(result.decision.reason).not.toContain('Last error');
  });

  const previous = (
    kind: DecisionKind,
    over: Partial<NonNullable<DecideRecoveryRequest['previous']>> = {},
  ) => ({
    decision: { kind, lsns: { checkpoint: '1/1800' } },
    slot: { confirmedFlushLsn: '1/1800' },
    slotWait: null,
    taskWait: null,
    ...over,
  });
  const aMinuteAgo = new Date(NOW - 60_000).toISOString();

  it('continues the wait for DMS the previous decision started, or starts one', async () => {
    const { dms } = fakeDms(portTask({ status: 'starting', cdcStartPosition: '1/1000' }));
    const { open } = fakeSource(measureSlot(slotState(), SERVER, false));
    const waiting = previous('WAIT_FOR_TASK', { taskWait: { since: aMinuteAgo, polls: 1 } });
    const continued = await step(dms, open, request({ previous: waiting }));
    expect(continued.decision.kind).toBe('WAIT_FOR_TASK');
    expect(continued.taskWait).toEqual({ since: aMinuteAgo, polls: 2 });
    expect(continued.slotWait).toBeNull();
    const fresh = await step(dms, open, request());
    expect(fresh.taskWait).toEqual({ since: '2026-03-01T10:00:00.000Z', polls: 1 });
  });

  it('continues the wait for a held slot the previous decision started, or starts one', async () => {
    const { dms } = fakeDms(failed({ stopReason: 'Stop Reason RECOVERABLE_ERROR' }));
    const { open } = fakeSource(measureSlot(slotState({ active: true, activePid: 77 }), SERVER, false));
    const waiting = previous('WAIT_FOR_SLOT', { slotWait: { since: aMinuteAgo, polls: 1, expired: false } });
    const continued = await step(dms, open, request({ previous: waiting }));
    expect(continued.decision).toMatchObject({
      kind: 'WAIT_FOR_SLOT',
      holder: { pid: 77, terminate: false },
    });
    expect(continued.slotWait).toEqual({ since: aMinuteAgo, polls: 2, expired: false });
    expect(continued.taskWait).toBeNull();
    const fresh = await step(dms, open, request());
    expect(fresh.slotWait).toEqual({ since: '2026-03-01T10:00:00.000Z', polls: 1, expired: false });
  });

  it('counts a gap from the previous checkpoint when the task has none, else from where the task started', async () => {
    const { dms } = fakeDms(portTask({ status: 'failed', cdcStartPosition: '1/1000' }));
    const { open } = fakeSource(undefined);
    const withPrevious = await step(dms, open, request({ previous: previous('ESCALATE') }));
    expect(withPrevious.decision).toMatchObject({
      kind: 'DATA_GAP',
      atRisk: { from: '1/1800', to: '1/3000' },
    });
    const without = await step(dms, open, request());
    expect(without.decision).toMatchObject({ kind: 'DATA_GAP', atRisk: { from: '1/1000', to: '1/3000' } });
    const unreadable = previous('ESCALATE', { decision: { kind: 'ESCALATE', lsns: { checkpoint: 'x' } } });
    const garbage = await step(dms, open, request({ previous: unreadable }));
    expect(garbage.decision).toMatchObject({ atRisk: { from: '1/1000' } });
  });

  it('sees a task DMS restarted by itself from the confirmed position the previous decision saw move', async () => {
    const settings = JSON.stringify({ ErrorBehavior: { RecoverableErrorCount: -1 } });
    const { dms } = fakeDms(
      portTask({ status: 'running', cdcStartPosition: '1/1000', replicationTaskSettings: settings }),
    );
    const { open } = fakeSource(measureSlot(slotState({ active: true, activePid: 5 }), SERVER, false));
    const waiting = previous('WAIT_FOR_TASK', { taskWait: { since: aMinuteAgo, polls: 1 } });
    const restarted = await step(dms, open, request({ previous: waiting }));
    expect(restarted.decision.kind).toBe('NO_ACTION');
    expect(restarted.decision.reason).toContain(
      'confirmed_flush_lsn moved from 1/1800 to 1/2000 during 60 s',
    );
    expect(restarted.restartedByDms).toBe(true);
    expect(restarted.taskWait).toBeNull();
    const unknown = { ...waiting, slot: { confirmedFlushLsn: 'not an lsn' } };
    const notSeen = await step(dms, open, request({ previous: unknown }));
    expect(notSeen.restartedByDms).toBe(false);
    const noSlot = await step(dms, open, request({ previous: { ...waiting, slot: null } }));
    expect(noSlot.restartedByDms).toBe(false);
  });
});

describe('lastKnownGood', () => {
  it('prefers the previous decision checkpoint, else where the task started, else nothing', () => {
    expect(lastKnownGood('2/10', failed())).toEqual(parseLsn('2/10'));
    expect(lastKnownGood('not an lsn', failed())).toEqual(parseLsn('1/1000'));
    expect(lastKnownGood(undefined, failed())).toEqual(parseLsn('1/1000'));
    expect(lastKnownGood('', failed({ cdcStartPosition: undefined }))).toBeNull();
    expect(lastKnownGood(undefined, undefined)).toBeNull();
  });
});

describe('terminateStaleHolder', () => {
  const holder = (active: boolean, activePid: number | null) =>
    measureSlot(slotState({ active, activePid }), SERVER, false);

  function deps(after: SlotReading | undefined, terminated = true) {
    const calls: unknown[] = [];
    return {
      calls,
      deps: {
        terminate: async (slot: string, pid: number, waitMs: number) => {
          calls.push(['terminate', slot, pid, waitMs]);
          return { terminated, application: terminated ? 'dms' : null };
        },
        sourceDb: {
          readSlot: async (slot: string) => {
            calls.push(['readSlot', slot]);
            return after;
          },
          readSlots: async () => [],
          readServerPosition: async () => ({ serverLsn: SERVER, inRecovery: false }),
        },
      },
    };
  }
  const req = { slotName: 'dms_slot', pid: 4242, allowed: true, waitMs: 5000 };

  it('ends the named PID and says who holds the slot afterwards', async () => {
    const free = deps(holder(false, null));
    expect(await terminateStaleHolder(free.deps, req)).toEqual({
      terminated: true,
      pid: 4242,
      application: 'dms',
      slotActive: false,
      activePid: null,
    });
    expect(free.calls).toEqual([
      ['terminate', 'dms_slot', 4242, 5000],
      ['readSlot', 'dms_slot'],
    ]);
    const taken = deps(holder(true, 5151), false);
    expect(await terminateStaleHolder(taken.deps, req)).toEqual({
      terminated: false,
      pid: 4242,
      application: null,
      slotActive: true,
      activePid: 5151,
    });
  });

  it('reports a slot that is gone afterwards as inactive with no holder', async () => {
    expect(await terminateStaleHolder(deps(undefined).deps, req)).toMatchObject({
      slotActive: false,
      activePid: null,
    });
  });

  it('refuses, signalling nothing, unless the policy allows it', async () => {
    const refused = deps(holder(false, null));
    const error = await terminateStaleHolder(refused.deps, { ...req, allowed: false }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TerminationNotAllowedError);
    expect(error).toMatchObject({ slotName: 'dms_slot', pid: 4242 });
    expect(refused.calls).toEqual([]);
  });
});

describe('startRecoveries', () => {
  const routed = (taskArn: string, name: string): RecoveryStart =>
    ({ name, input: { taskArn, slotName: 'dms_slot' } }) as unknown as RecoveryStart;

  it('starts one execution per task in order, telling of each as soon as it started', async () => {
    const requests: StartRequest[] = [];
    const heard: string[] = [];
    const start = async (r: StartRequest) => {
      requests.push(r);
      heard.push(`start ${r.name}`);
      return { executionArn: `exec:${r.name}`, duplicate: r.name === 'b' };
    };
    const result = await startRecoveries(
      start,
      'arn:sm',
      [routed('task-a', 'a'), routed('task-b', 'b')],
      (one) => heard.push(`heard ${one.executionArn}`),
    );
    expect(requests).toEqual([
      {
        stateMachineArn: 'arn:sm',
        name: 'a',
        input: JSON.stringify({ taskArn: 'task-a', slotName: 'dms_slot' }),
      },
      {
        stateMachineArn: 'arn:sm',
        name: 'b',
        input: JSON.stringify({ taskArn: 'task-b', slotName: 'dms_slot' }),
      },
    ]);
    expect(heard).toEqual(['start a', 'heard exec:a', 'start b', 'heard exec:b']);
    expect(result).toEqual([
      { taskArn: 'task-a', executionArn: 'exec:a', duplicate: false },
      { taskArn: 'task-b', executionArn: 'exec:b', duplicate: true },
    ]);
  });

  it('stops at the first start that fails, having told of the ones before', async () => {
    const heard: string[] = [];
    const start = async (r: StartRequest) => {
      if (r.name === 'b') throw new Error('throttled');
      return { executionArn: `exec:${r.name}`, duplicate: false };
    };
    const error = await startRecoveries(
      start,
      'arn:sm',
      [routed('a', 'a'), routed('b', 'b'), routed('c', 'c')],
      (one) => heard.push(one.executionArn),
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({ message: 'throttled' });
    expect(heard).toEqual(['exec:a']);
  });
});
