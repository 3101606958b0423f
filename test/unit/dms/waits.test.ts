import { beforeEach, describe, expect, it } from 'vitest';
import {
  ConnectionTestFailedError,
  ConnectionTestTimeoutError,
  DmsThrottledError,
  TaskFailedError,
  TaskWaitTimeoutError,
} from '../../../src/core/dms/errors.js';
import { runConnectionTest, waitForConnectionTest, waitForTaskStatus } from '../../../src/core/dms/waits.js';
import { InvalidInputError } from '../../../src/core/errors.js';
import { FakeClock, FakeDms } from './fake-dms.js';
import { INSTANCE_ARN, portTask, SOURCE_ARN, TASK_ARN } from './fixtures.js';

let dms: FakeDms;
let clock: FakeClock;

beforeEach(() => {
  dms = new FakeDms();
  clock = new FakeClock();
  dms.tasks.set(TASK_ARN, portTask({ status: 'creating' }));
});

describe('waitForTaskStatus', () => {
  it('polls until the task reaches an awaited status and returns it', async () => {
    dms.scriptTask(TASK_ARN, [{ status: 'creating' }, { status: 'creating' }, { status: 'ready' }]);

    const task = await waitForTaskStatus(dms, clock, TASK_ARN, {
      until: ['ready'],
      timeoutMs: 60_000,
      pollMs: 5_000,
    });

    expect(task.status).toBe('ready');
    expect(dms.calls.filter((c) => c.startsWith('describeTask'))).toHaveLength(3);
    expect(clock.sleeps).toEqual([5_000, 5_000]);
  });

  it('returns at once, without sleeping, when the task is already there', async () => {
    dms.scriptTask(TASK_ARN, [{ status: 'running' }]);

    await waitForTaskStatus(dms, clock, TASK_ARN, { until: ['running'], timeoutMs: 60_000, pollMs: 5_000 });

    expect(clock.sleeps).toEqual([]);
  });

  it('times out at the deadline, naming the last status seen, never sleeping past it', async () => {
    dms.scriptTask(TASK_ARN, [{ status: 'starting' }]);

    const error = await waitForTaskStatus(dms, clock, TASK_ARN, {
      until: ['running'],
      timeoutMs: 12_000,
      pollMs: 5_000,
    }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(TaskWaitTimeoutError);
    expect(error).toMatchObject({ name: 'TaskWaitTimeoutError', lastStatus: 'starting', until: ['running'] });
    // 5 s, 5 s, then only the 2 s left; one last look at the deadline, then give up.
    expect(clock.sleeps).toEqual([5_000, 5_000, 2_000]);
    expect(dms.calls.filter((c) => c.startsWith('describeTask'))).toHaveLength(4);
  });

  it('throws TaskFailedError with the stop reason and last failure message on failed', async () => {
    dms.scriptTask(TASK_ARN, [
      { status: 'starting' },
      {
        status: 'failed',
        stopReason: 'FATAL_ERROR',
        lastFailureMessage: 'replication slot "dms_orders_slot" does not exist',
      },
    ]);

    const error = await waitForTaskStatus(dms, clock, TASK_ARN, {
      until: ['running'],
      timeoutMs: 60_000,
      pollMs: 1_000,
    }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(TaskFailedError);
    expect(error).toMatchObject({
      name: 'TaskFailedError',
      taskArn: TASK_ARN,
      status: 'failed',
      stopReason: 'FATAL_ERROR',
      lastFailureMessage: 'replication slot "dms_orders_slot" does not exist',
    });
  });

  it('names a failure DMS wrote in its long form by its code and its message, once', async () => {
    const fatal =
      'Last Error  Replication slot "dms_orders_slot" does not exist Stop Reason FATAL_ERROR Error Level FATAL';
    dms.scriptTask(TASK_ARN, [{ status: 'failed', stopReason: fatal, lastFailureMessage: fatal }]);

    const error = await waitForTaskStatus(dms, clock, TASK_ARN, {
      until: ['running'],
      timeoutMs: 60_000,
      pollMs: 1_000,
    }).catch((e: unknown) => e);

    expect(error).toMatchObject({ name: 'TaskFailedError', stopCode: 'FATAL_ERROR', stopReason: fatal });
    expect((error as Error).message).toBe(
      `task ${TASK_ARN} is failed (stop reason: FATAL_ERROR, Error Level FATAL; ` +
        'last failure: Replication slot "dms_orders_slot" does not exist)',
    );
  });

  it('fails on any extra failOn status', async () => {
    dms.scriptTask(TASK_ARN, [
      { status: 'starting' },
      { status: 'stopped', stopReason: 'Stop Reason NORMAL' },
    ]);

    await expect(
      waitForTaskStatus(dms, clock, TASK_ARN, {
        until: ['running'],
        failOn: ['stopped'],
        timeoutMs: 60_000,
        pollMs: 1_000,
      }),
    ).rejects.toMatchObject({ name: 'TaskFailedError', status: 'stopped', stopReason: 'Stop Reason NORMAL' });
  });

  it('lets a caller wait for failed on purpose (until wins over the default failure)', async () => {
    dms.scriptTask(TASK_ARN, [{ status: 'stopping' }, { status: 'failed', stopReason: 'RECOVERABLE_ERROR' }]);

    const task = await waitForTaskStatus(dms, clock, TASK_ARN, {
      until: ['stopped', 'failed'],
      timeoutMs: 60_000,
      pollMs: 1_000,
    });

    expect(task).toMatchObject({ status: 'failed', stopReason: 'RECOVERABLE_ERROR' });
  });

  it('does not swallow DMS errors such as throttling (the state machine retries those)', async () => {
    dms.describeTask = async () => {
      throw new DmsThrottledError('DescribeReplicationTasks', 'Rate exceeded');
    };

    await expect(
      waitForTaskStatus(dms, clock, TASK_ARN, { until: ['running'], timeoutMs: 60_000, pollMs: 1_000 }),
    ).rejects.toThrow(DmsThrottledError);
  });

  it.each([
    [{ until: [], timeoutMs: 1_000, pollMs: 100 }, 'until'],
    [{ until: ['running'], timeoutMs: -1, pollMs: 100 }, 'timeoutMs'],
    [{ until: ['running'], timeoutMs: 1_000, pollMs: 0 }, 'pollMs'],
  ] as const)('rejects bad options %j', async (options, field) => {
    const error = await waitForTaskStatus(dms, clock, TASK_ARN, options).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error).toMatchObject({ field });
    expect(dms.calls).toEqual([]);
  });
});

describe('waitForConnectionTest', () => {
  const options = { timeoutMs: 30_000, pollMs: 5_000 };

  it('returns on successful, polling through a test not yet visible and testing', async () => {
    dms.scriptConnection([
      undefined,
      { status: 'testing', lastFailureMessage: undefined },
      { status: 'successful', lastFailureMessage: undefined },
    ]);

    const test = await waitForConnectionTest(dms, clock, INSTANCE_ARN, SOURCE_ARN, options);

    expect(test.status).toBe('successful');
    expect(clock.sleeps).toEqual([5_000, 5_000]);
  });

  it("throws ConnectionTestFailedError carrying DMS's message on failed", async () => {
    const message = 'Test connection for database failed: FATAL: no pg_hba.conf entry for host "10.0.1.5"';
    dms.scriptConnection([
      { status: 'testing', lastFailureMessage: undefined },
      { status: 'failed', lastFailureMessage: message },
    ]);

    const error = await waitForConnectionTest(dms, clock, INSTANCE_ARN, SOURCE_ARN, options).catch(
      (e: unknown) => e,
    );

    expect(error).toBeInstanceOf(ConnectionTestFailedError);
    expect(error).toMatchObject({
      name: 'ConnectionTestFailedError',
      lastFailureMessage: message,
      endpointArn: SOURCE_ARN,
      replicationInstanceArn: INSTANCE_ARN,
    });
    expect((error as Error).message).toContain('no pg_hba.conf entry');
  });

  it('treats a connection being deleted as a failure, not something to wait out', async () => {
    dms.scriptConnection([{ status: 'deleting', lastFailureMessage: undefined }]);

    await expect(waitForConnectionTest(dms, clock, INSTANCE_ARN, SOURCE_ARN, options)).rejects.toMatchObject({
      name: 'ConnectionTestFailedError',
      lastFailureMessage: 'the connection is being deleted',
    });
  });

  it('times out with the last status seen', async () => {
    dms.scriptConnection([{ status: 'testing', lastFailureMessage: undefined }]);

    const error = await waitForConnectionTest(dms, clock, INSTANCE_ARN, SOURCE_ARN, options).catch(
      (e: unknown) => e,
    );

    expect(error).toBeInstanceOf(ConnectionTestTimeoutError);
    expect(error).toMatchObject({ name: 'ConnectionTestTimeoutError', lastStatus: 'testing' });
    expect(clock.sleeps.reduce((a, b) => a + b, 0)).toBe(30_000);
  });

  it('runConnectionTest starts the test, then waits for it', async () => {
    dms.scriptConnection([{ status: 'successful', lastFailureMessage: undefined }]);

    await runConnectionTest(dms, clock, INSTANCE_ARN, SOURCE_ARN, options);

    expect(dms.calls).toEqual(['testConnection', 'describeConnectionTest']);
  });
});
