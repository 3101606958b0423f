import 'aws-sdk-client-mock-vitest/extend';
import {
  DatabaseMigrationServiceClient,
  DescribeReplicationTasksCommand,
} from '@aws-sdk/client-database-migration-service';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { makeHandler } from '../../../functions/poll-task.js';
import { DmsThrottledError, TaskFailedError, TaskWaitTimeoutError } from '../../../src/core/dms/errors.js';
import type { Clock } from '../../../src/ports/clock.js';
import { throttlingException } from '../dms/fixtures.js';
import {
  awsDms,
  captureLogs,
  expectRefusedInput,
  failure,
  lambdaContext,
  sdkTask,
  TASK_ARN,
  testLogger,
} from './support.js';

const dmsMock = mockClient(DatabaseMigrationServiceClient);
captureLogs();

const T0 = Date.parse('2026-03-01T10:00:00.000Z');

function clockAt(ms: number): Clock {
  return { now: () => ms, sleep: async () => undefined };
}

function invoke(event: unknown, now = T0) {
  return makeHandler({ dms: awsDms(), clock: clockAt(now), logger: testLogger() })(event, lambdaContext());
}

function taskIs(overrides: Parameters<typeof sdkTask>[0]) {
  dmsMock.on(DescribeReplicationTasksCommand).resolves({ ReplicationTasks: [sdkTask(overrides)] });
}

const FIRST = { taskArn: TASK_ARN, until: ['running'], timeoutSeconds: 600, previous: null };

beforeEach(() => {
  dmsMock.reset();
});

describe('poll-task handler', () => {
  it('reads the task once by ARN and starts the wait on the first poll', async () => {
    taskIs({ Status: 'starting' });

    const result = await invoke(FIRST);

    expect(dmsMock).toReceiveCommandExactlyOnceWith(DescribeReplicationTasksCommand, {
      Filters: [{ Name: 'replication-task-arn', Values: [TASK_ARN] }],
    });
    expect(result).toStrictEqual({
      status: 'starting',
      stopReason: null,
      stopCode: null,
      lastFailureMessage: null,
      done: false,
      since: '2026-03-01T10:00:00.000Z',
      polls: 1,
    });
    expect(JSON.parse(JSON.stringify(result))).toStrictEqual(result);
  });

  it('carries since from the previous poll (extra keys ignored), counts polls, and is done on an awaited status', async () => {
    taskIs({ Status: 'running' });
    const previous = { status: 'starting', done: false, since: '2026-03-01T09:58:00.000Z', polls: 4 };

    const result = await invoke({ ...FIRST, previous });

    expect(result).toMatchObject({ status: 'running', done: true, since: previous.since, polls: 5 });
  });

  it('is done when a task stops where it was told to, with the stop reason and its code', async () => {
    taskIs({ Status: 'stopped', StopReason: 'Stop Reason STOPPED_AT_COMMIT_TIME' });

    const result = await invoke({ ...FIRST, until: ['stopped'] });

    expect(result).toMatchObject({
      status: 'stopped',
      stopReason: 'Stop Reason STOPPED_AT_COMMIT_TIME',
      stopCode: 'STOPPED_AT_COMMIT_TIME',
      done: true,
    });
  });

  it('throws TaskFailedError, with DMS stop reason and failure message, for a failed task', async () => {
    taskIs({
      Status: 'failed',
      StopReason: 'FATAL_ERROR',
      LastFailureMessage: 'Replication slot "dms_slot" does not exist',
    });

    const error = await failure(invoke(FIRST));

    expect(error).toBeInstanceOf(TaskFailedError);
    expect(error).toMatchObject({ name: 'TaskFailedError', status: 'failed', stopReason: 'FATAL_ERROR' });
    expect(error.message).toContain('Replication slot "dms_slot" does not exist');
    expect(error.message).toMatch(/ Remedy: .*recover state machine/);
  });

  it('throws TaskFailedError for a task that stopped while we wait for running', async () => {
    taskIs({ Status: 'stopped', StopReason: 'Stop Reason RECOVERABLE_ERROR' });

    const error = await failure(invoke(FIRST));

    expect(error).toMatchObject({ name: 'TaskFailedError', status: 'stopped' });
  });

  it('keeps waiting up to the deadline and throws TaskWaitTimeoutError past it', async () => {
    taskIs({ Status: 'starting' });
    const previous = { since: '2026-03-01T10:00:00.000Z', polls: 9 };

    const atDeadline = await invoke({ ...FIRST, previous }, T0 + 600_000);
    expect(atDeadline).toMatchObject({ done: false, polls: 10 });

    const error = await failure(invoke({ ...FIRST, previous }, T0 + 600_001));
    expect(error).toBeInstanceOf(TaskWaitTimeoutError);
    expect(error).toMatchObject({ name: 'TaskWaitTimeoutError', lastStatus: 'starting', until: ['running'] });
    expect(error.message).toContain('did not reach running within 600000 ms (last status: starting)');
  });

  it('is done rather than late when the awaited status arrives after the deadline', async () => {
    taskIs({ Status: 'running' });

    const result = await invoke({ ...FIRST, previous: { since: '2026-03-01T09:00:00.000Z', polls: 99 } });

    expect(result).toMatchObject({ done: true, polls: 100 });
  });

  it('lets DMS throttling through as DmsThrottledError for the state machine Retry', async () => {
    dmsMock.on(DescribeReplicationTasksCommand).rejects(throttlingException());

    expect(await failure(invoke(FIRST))).toBeInstanceOf(DmsThrottledError);
  });

  it.each([
    ['no taskArn', { ...FIRST, taskArn: undefined }, 'taskArn'],
    ['an empty until', { ...FIRST, until: [] }, 'until'],
    ['a status DMS does not have', { ...FIRST, until: ['finished'] }, 'until.0'],
    ['a zero timeout', { ...FIRST, timeoutSeconds: 0 }, 'timeoutSeconds'],
    ['a fractional timeout', { ...FIRST, timeoutSeconds: 1.5 }, 'timeoutSeconds'],
    ['a timeout over seven days', { ...FIRST, timeoutSeconds: 7 * 86_400 + 1 }, 'timeoutSeconds'],
    ['a previous poll without since', { ...FIRST, previous: { polls: 1 } }, 'previous.since'],
    [
      'a since that is not a time',
      { ...FIRST, previous: { since: 'yesterday', polls: 1 } },
      'previous.since',
    ],
    [
      'a negative poll count',
      { ...FIRST, previous: { since: '2026-03-01T10:00:00Z', polls: -1 } },
      'previous.polls',
    ],
  ])('rejects %s with an InvalidInputError naming the field', async (_case, event, field) => {
    await expectRefusedInput(invoke(event), field, dmsMock);
  });
});
