import 'aws-sdk-client-mock-vitest/extend';
import {
  DatabaseMigrationServiceClient,
  DatabaseMigrationServiceServiceException,
  DescribeReplicationTasksCommand,
} from '@aws-sdk/client-database-migration-service';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { buildAwsDms, DMS_DEFAULT_MAX_ATTEMPTS, dmsClientConfig } from '../../../src/adapters/aws/dms.js';
import { DmsThrottledError } from '../../../src/core/dms/errors.js';
import { TASK_ARN, throttlingException } from './fixtures.js';

/**
 * aws-sdk-client-mock replaces `client.send`, which skips the SDK's middleware and so its retries.
 * The retry tests therefore run a real client over a scripted HTTP handler, with fake timers so the
 * SDK's backoff costs no real time; the mapping tests use aws-sdk-client-mock like the others.
 */

describe('throttling that escapes the SDK', () => {
  const client = new DatabaseMigrationServiceClient({ region: 'us-east-1' });
  const dmsMock = mockClient(client);
  const dms = buildAwsDms(client);

  beforeEach(() => {
    dmsMock.reset();
  });

  it('surfaces as DmsThrottledError, named for ASL Retry', async () => {
    dmsMock.on(DescribeReplicationTasksCommand).rejects(throttlingException());

    const error = await dms.describeTask(TASK_ARN).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(DmsThrottledError);
    expect(error).toMatchObject({ name: 'DmsThrottledError', operation: 'DescribeReplicationTasks' });
    expect((error as Error).message).toContain('Rate exceeded');
  });

  it('recognises HTTP 429 whatever the error is called', async () => {
    dmsMock.on(DescribeReplicationTasksCommand).rejects(
      new DatabaseMigrationServiceServiceException({
        name: 'SomethingNew',
        $fault: 'client',
        $metadata: { httpStatusCode: 429 },
        message: 'slow down',
      }),
    );

    await expect(dms.findTask('t')).rejects.toMatchObject({ name: 'DmsThrottledError' });
  });

  it('maps throttling on a lookup too (not mistaken for "absent")', async () => {
    dmsMock.on(DescribeReplicationTasksCommand).rejects(throttlingException());

    await expect(dms.findTask('t')).rejects.toThrow(DmsThrottledError);
  });
});

describe('SDK retry configuration', () => {
  it('is adaptive with a bounded number of attempts', () => {
    expect(dmsClientConfig()).toStrictEqual({ maxAttempts: DMS_DEFAULT_MAX_ATTEMPTS, retryMode: 'adaptive' });
    expect(dmsClientConfig({ region: 'eu-west-1', maxAttempts: 2 })).toStrictEqual({
      region: 'eu-west-1',
      maxAttempts: 2,
      retryMode: 'adaptive',
    });
  });
});

describe('SDK retries on a real client', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  const runningTask = {
    ReplicationTaskArn: TASK_ARN,
    ReplicationTaskIdentifier: 't',
    Status: 'running',
    MigrationType: 'cdc',
  };

  /** An HTTP handler answering ThrottlingException `throttled` times, then the task. */
  function scriptedHandler(throttled: number) {
    const handler = {
      requests: 0,
      async handle() {
        handler.requests += 1;
        const isThrottled = handler.requests <= throttled;
        const body = isThrottled
          ? { __type: 'ThrottlingException', message: 'Rate exceeded' }
          : { ReplicationTasks: [runningTask] };
        return {
          response: {
            statusCode: isThrottled ? 400 : 200,
            headers: { 'content-type': 'application/x-amz-json-1.1' },
            body: new TextEncoder().encode(JSON.stringify(body)),
          },
        };
      },
    };
    return handler;
  }

  function clientWith(handler: ReturnType<typeof scriptedHandler>, maxAttempts: number) {
    return new DatabaseMigrationServiceClient({
      ...dmsClientConfig({ region: 'us-east-1', maxAttempts }),
      credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'test' },
      requestHandler: handler,
    });
  }

  /** Advances fake time until the SDK call settles (its backoff sleeps on setTimeout). */
  async function settle<T>(promise: Promise<T>): Promise<T> {
    let settled = false;
    promise.then(
      () => {
        settled = true;
      },
      () => {
        settled = true;
      },
    );
    for (let step = 0; !settled && step < 1000; step++) await vi.advanceTimersByTimeAsync(250);
    return promise;
  }

  it('retries throttled calls and returns the answer', async () => {
    // Four attempts, more than the SDK's default of three, so this fails if maxAttempts is not applied.
    const handler = scriptedHandler(3);
    const dms = buildAwsDms(clientWith(handler, 4));

    const task = await settle(dms.describeTask(TASK_ARN));

    expect(task.status).toBe('running');
    expect(handler.requests).toBe(4);
  });

  it('gives up after maxAttempts with DmsThrottledError', async () => {
    const handler = scriptedHandler(Number.POSITIVE_INFINITY);
    const dms = buildAwsDms(clientWith(handler, 2));

    await expect(settle(dms.describeTask(TASK_ARN))).rejects.toThrow(DmsThrottledError);
    expect(handler.requests).toBe(2);
  });
});
