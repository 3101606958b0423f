import { beforeEach, describe, expect, it } from 'vitest';
import {
  ConnectionTestFailedError,
  ConnectionTestTimeoutError,
  TaskFailedError,
} from '../../../src/core/dms/errors.js';
import { waitForConnectionTest } from '../../../src/core/dms/waits.js';
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

describe('TaskFailedError', () => {
  it('names a failure DMS wrote in its long form by its code and its message, once', () => {
    const fatal =
      'Last Error  Replication slot "dms_orders_slot" does not exist Stop Reason FATAL_ERROR Error Level FATAL';

    const error = new TaskFailedError(TASK_ARN, 'failed', fatal, fatal);

    expect(error).toMatchObject({ name: 'TaskFailedError', stopCode: 'FATAL_ERROR', stopReason: fatal });
    expect(error.message).toBe(
      `task ${TASK_ARN} is failed (stop reason: FATAL_ERROR, Error Level FATAL; ` +
        'last failure: Replication slot "dms_orders_slot" does not exist)',
    );
  });
});

describe('poll options', () => {
  it.each([
    [{ timeoutMs: -1, pollMs: 100 }, 'timeoutMs'],
    [{ timeoutMs: 1_000, pollMs: 0 }, 'pollMs'],
  ] as const)('rejects bad options %j', async (options, field) => {
    const error = await waitForConnectionTest(dms, clock, INSTANCE_ARN, SOURCE_ARN, options).catch(
      (e: unknown) => e,
    );
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
});
