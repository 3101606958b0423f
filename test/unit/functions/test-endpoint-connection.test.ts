import 'aws-sdk-client-mock-vitest/extend';
import {
  DatabaseMigrationServiceClient,
  DescribeConnectionsCommand,
  ResourceNotFoundFault,
  TestConnectionCommand,
} from '@aws-sdk/client-database-migration-service';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { makeHandler } from '../../../functions/test-endpoint-connection.js';
import { ConnectionTestFailedError, ConnectionTestTimeoutError } from '../../../src/core/dms/errors.js';
import { FakeClock } from '../dms/fake-dms.js';
import {
  awsDms,
  captureLogs,
  expectRefusedInput,
  failure,
  INSTANCE_ARN,
  lambdaContext,
  SOURCE_ENDPOINT_ARN,
  TASK_ARN,
  testLogger,
} from './support.js';

const dmsMock = mockClient(DatabaseMigrationServiceClient);
captureLogs();

const INPUT = { replicationInstanceArn: INSTANCE_ARN, endpointArn: SOURCE_ENDPOINT_ARN };
const FILTERS = {
  Filters: [
    { Name: 'endpoint-arn', Values: [SOURCE_ENDPOINT_ARN] },
    { Name: 'replication-instance-arn', Values: [INSTANCE_ARN] },
  ],
};
const NOW = Date.parse('2026-11-21T10:00:00.000Z');
let clock: FakeClock;

function invoke(event: unknown, remainingMs = 30_000) {
  return makeHandler({ dms: awsDms(), logger: testLogger(), clock, pollMs: 5_000 })(
    event,
    lambdaContext(remainingMs),
  );
}

const connection = (Status: string, LastFailureMessage?: string) => ({
  Connections: [
    { Status, LastFailureMessage, EndpointArn: SOURCE_ENDPOINT_ARN, ReplicationInstanceArn: INSTANCE_ARN },
  ],
});
const none = new ResourceNotFoundFault({ $metadata: {}, message: 'No connections found' });

beforeEach(() => {
  dmsMock.reset();
  clock = new FakeClock(NOW);
  dmsMock.on(TestConnectionCommand).resolves({ Connection: { Status: 'testing' } });
});

describe('test-endpoint-connection handler', () => {
  it('starts a test from the replication instance and waits in the invocation until it succeeds', async () => {
    dmsMock
      .on(DescribeConnectionsCommand)
      .rejectsOnce(none)
      .resolvesOnce(connection('testing'))
      .resolves(connection('successful'));

    const result = await invoke(INPUT);

    expect(dmsMock).toReceiveCommandExactlyOnceWith(TestConnectionCommand, {
      ReplicationInstanceArn: INSTANCE_ARN,
      EndpointArn: SOURCE_ENDPOINT_ARN,
    });
    expect(dmsMock).toReceiveCommandWith(DescribeConnectionsCommand, FILTERS);
    expect(dmsMock).toReceiveCommandTimes(DescribeConnectionsCommand, 3);
    expect(clock.sleeps).toEqual([5_000]);
    expect(result).toStrictEqual({
      ...INPUT,
      status: 'successful',
      done: true,
      startedAt: '2026-11-21T10:00:00.000Z',
      timeoutSeconds: 600,
    });
  });

  it('starts a fresh test even when an older one succeeded: only a new test says the endpoint works now', async () => {
    dmsMock.on(DescribeConnectionsCommand).resolves(connection('successful'));

    await invoke(INPUT);

    expect(dmsMock).toReceiveCommandTimes(TestConnectionCommand, 1);
  });

  it('joins a test already running for this pair instead of starting a second one', async () => {
    dmsMock
      .on(DescribeConnectionsCommand)
      .resolvesOnce(connection('testing'))
      .resolves(connection('successful'));

    const result = await invoke(INPUT);

    expect(dmsMock).not.toReceiveCommand(TestConnectionCommand);
    expect(result.done).toBe(true);
  });

  it("throws ConnectionTestFailedError with DMS's message when the test fails", async () => {
    dmsMock
      .on(DescribeConnectionsCommand)
      .rejectsOnce(none)
      .resolves(connection('failed', 'FATAL: no pg_hba.conf entry for host "10.0.1.12"'));

    const error = await failure(invoke(INPUT));

    expect(error).toBeInstanceOf(ConnectionTestFailedError);
    expect(error).toMatchObject({
      name: 'ConnectionTestFailedError',
      endpointArn: SOURCE_ENDPOINT_ARN,
      lastFailureMessage: 'FATAL: no pg_hba.conf entry for host "10.0.1.12"',
    });
  });

  it('hands a long test to the state machine: done false after its slice, then continues the same test', async () => {
    dmsMock.on(DescribeConnectionsCommand).rejectsOnce(none).resolves(connection('testing'));

    const first = await invoke({ ...INPUT, waitSeconds: 20 });

    expect(first).toStrictEqual({
      ...INPUT,
      status: 'testing',
      done: false,
      startedAt: '2026-11-21T10:00:00.000Z',
      timeoutSeconds: 600,
    });
    expect(clock.sleeps.reduce((a, b) => a + b, 0)).toBe(20_000);

    // The state machine waits, then passes the output back as the input.
    dmsMock.reset();
    dmsMock
      .on(DescribeConnectionsCommand)
      .resolvesOnce(connection('testing'))
      .resolves(connection('successful'));
    clock.sleeps.length = 0;

    const second = await invoke(first);

    expect(dmsMock).not.toReceiveCommand(TestConnectionCommand);
    expect(second).toMatchObject({ status: 'successful', done: true, startedAt: first.startedAt });
  });

  it('never waits past the Lambda deadline, keeping 5 s to answer', async () => {
    dmsMock.on(DescribeConnectionsCommand).rejectsOnce(none).resolves(connection('testing'));

    const result = await invoke({ ...INPUT, waitSeconds: 600 }, 12_000);

    expect(clock.sleeps.reduce((a, b) => a + b, 0)).toBe(7_000);
    expect(result.done).toBe(false);
  });

  it('with waitSeconds 0 only starts the test and returns', async () => {
    dmsMock.on(DescribeConnectionsCommand).rejectsOnce(none).resolves(connection('testing'));

    const result = await invoke({ ...INPUT, waitSeconds: 0 });

    expect(clock.sleeps).toEqual([]);
    expect(result).toMatchObject({ status: 'testing', done: false });
    expect(dmsMock).toReceiveCommandTimes(TestConnectionCommand, 1);
  });

  it('throws ConnectionTestTimeoutError once the whole test has outlived timeoutSeconds', async () => {
    dmsMock.on(DescribeConnectionsCommand).resolves(connection('testing'));
    const startedAt = new Date(NOW - 590_000).toISOString();

    const error = await failure(invoke({ ...INPUT, startedAt, timeoutSeconds: 600 }));

    expect(error).toBeInstanceOf(ConnectionTestTimeoutError);
    expect(error).toMatchObject({ name: 'ConnectionTestTimeoutError', lastStatus: 'testing' });
    expect(dmsMock).not.toReceiveCommand(TestConnectionCommand);
  });

  it('restarts a continued test that DMS no longer knows about', async () => {
    dmsMock.on(DescribeConnectionsCommand).rejectsOnce(none).resolves(connection('successful'));

    await invoke({ ...INPUT, startedAt: new Date(NOW - 60_000).toISOString() });

    expect(dmsMock).toReceiveCommandTimes(TestConnectionCommand, 1);
  });

  it.each([
    ['a missing endpointArn', { replicationInstanceArn: INSTANCE_ARN }, 'endpointArn'],
    ['a task ARN as endpointArn', { ...INPUT, endpointArn: TASK_ARN }, 'endpointArn'],
    [
      'an endpoint ARN as instance',
      { ...INPUT, replicationInstanceArn: SOURCE_ENDPOINT_ARN },
      'replicationInstanceArn',
    ],
    ['a negative wait', { ...INPUT, waitSeconds: -1 }, 'waitSeconds'],
    ['a startedAt that is not a time', { ...INPUT, startedAt: 'yesterday' }, 'startedAt'],
  ])(
    'rejects %s with an InvalidInputError naming the field, before any DMS call',
    async (_case, event, field) => {
      await expectRefusedInput(invoke(event), field, dmsMock);
    },
  );
});
