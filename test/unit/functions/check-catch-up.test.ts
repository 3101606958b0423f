import 'aws-sdk-client-mock-vitest/extend';
import { CloudWatchClient, GetMetricDataCommand, type MetricDataResult } from '@aws-sdk/client-cloudwatch';
import {
  DatabaseMigrationServiceClient,
  DescribeReplicationInstancesCommand,
  DescribeReplicationTasksCommand,
} from '@aws-sdk/client-database-migration-service';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { type CheckCatchUpDeps, makeHandler } from '../../../functions/check-catch-up.js';
import { buildAwsDms } from '../../../src/adapters/aws/dms.js';
import { buildCloudWatchDmsMetrics } from '../../../src/adapters/aws/dms-metrics.js';
import { CatchUpTimeoutError } from '../../../src/core/cutover/errors.js';
import { DmsResourceNotFoundError, TaskFailedError } from '../../../src/core/dms/errors.js';
import { SlotNotFoundError } from '../../../src/core/slot-errors.js';
import type { Clock } from '../../../src/ports/clock.js';
import {
  expectRefusedInput,
  type FakePg,
  failure,
  fakePg,
  INSTANCE_ARN,
  isSlotQuery,
  lambdaContext,
  PASSWORD,
  REGION,
  SECRET,
  SOURCE_SECRET_ARN,
  sdkTask,
  slotRow,
  sourceSecretTest,
  TASK_ARN,
  testLogger,
} from './support.js';

const dmsMock = mockClient(DatabaseMigrationServiceClient);
const cloudwatchMock = mockClient(CloudWatchClient);
const { secretsManager, logged, secretStore } = sourceSecretTest();

const T0 = Date.parse('2026-03-01T10:00:00.000Z');
const THRESHOLDS = {
  maxLagBytes: 1024,
  maxLatencySeconds: 30,
  consecutivePolls: 3,
  pollSeconds: 30,
  catchUpTimeoutSeconds: 3600,
  // The plan's other thresholds ride along and are ignored.
  runningTimeoutSeconds: 1800,
  stopTimeoutSeconds: 86400,
};
const INPUT = {
  taskArn: TASK_ARN,
  source: { secretArn: SOURCE_SECRET_ARN, database: 'orders' },
  slotName: 'dms_slot',
  thresholds: THRESHOLDS,
  previous: null,
};

function clockAt(ms: number): Clock {
  return { now: () => ms, sleep: async () => undefined };
}

/** A slot whose confirmed_flush_lsn is `lag` bytes behind the server position 4AF/B0001000. */
function source(lag: number | null = 0): FakePg {
  const server = 0x4afb0001000n;
  const row =
    lag === null
      ? null
      : slotRow({
          active: true,
          active_pid: 4242,
          confirmed_flush_lsn: `4AF/${(server - BigInt(lag) - 0x4af00000000n).toString(16).toUpperCase()}`,
          server_lsn: '4AF/B0001000',
        });
  return fakePg((sql) => (isSlotQuery(sql) ? (row ? [row] : []) : new Error(`unexpected: ${sql}`)));
}

function latency(source: number | undefined, target: number | undefined): void {
  const result = (id: string, value: number | undefined): MetricDataResult => ({
    Id: id,
    StatusCode: 'Complete',
    // Newest first, as ScanBy TimestampDescending returns them.
    Values: value === undefined ? [] : [value, 999],
    Timestamps: value === undefined ? [] : [new Date(T0 - 60_000), new Date(T0 - 120_000)],
  });
  cloudwatchMock
    .on(GetMetricDataCommand)
    .resolves({ MetricDataResults: [result('source', source), result('target', target)] });
}

function deps(pg: FakePg, now = T0): Partial<CheckCatchUpDeps> {
  const dmsClient = new DatabaseMigrationServiceClient({ region: REGION, maxAttempts: 1 });
  return {
    dms: buildAwsDms(dmsClient),
    metrics: buildCloudWatchDmsMetrics(
      new CloudWatchClient({ region: REGION, maxAttempts: 1 }),
      dmsClient,
      clockAt(now),
    ),
    secrets: secretStore(),
    connect: pg.connect,
    clock: clockAt(now),
    logger: testLogger(),
    env: {},
  };
}

function invoke(event: unknown, pg: FakePg = source(), now = T0) {
  return makeHandler(deps(pg, now))(event, lambdaContext());
}

beforeEach(() => {
  dmsMock.reset();
  cloudwatchMock.reset();
  dmsMock
    .on(DescribeReplicationTasksCommand)
    .resolves({ ReplicationTasks: [sdkTask({ Status: 'running' })] });
  dmsMock.on(DescribeReplicationInstancesCommand).resolves({
    ReplicationInstances: [
      { ReplicationInstanceArn: INSTANCE_ARN, ReplicationInstanceIdentifier: 'orders-ri' },
    ],
  });
  latency(4, 7);
});

describe('check-catch-up handler', () => {
  it('reads the slot, the task and both latencies, and starts counting on the first poll within thresholds', async () => {
    const pg = source(200);

    const result = await invoke(INPUT, pg);

    expect(result).toStrictEqual({
      caughtUp: false,
      consecutive: 1,
      polls: 1,
      since: '2026-03-01T10:00:00.000Z',
      lagBytes: 200,
      latencySeconds: 7,
      confirmedFlushLsn: '4AF/B0000F38',
      serverLsn: '4AF/B0001000',
      withinThresholds: true,
      taskStatus: 'running',
      stopReason: null,
      stopCode: null,
    });
    // One round trip to the source, with the secret's credentials, closed afterwards.
    expect(pg.queries).toHaveLength(1);
    expect(pg.queries[0]?.params).toEqual(['dms_slot']);
    expect(pg.configs[0]).toMatchObject({
      host: SECRET.host,
      database: 'orders',
      application_name: 'dms-cdc-check-catch-up',
    });
    expect(pg.open()).toBe(0);
    expect(secretsManager).toReceiveCommandWith(GetSecretValueCommand, { SecretId: SOURCE_SECRET_ARN });
    expect(dmsMock).toReceiveCommandExactlyOnceWith(DescribeReplicationTasksCommand, {
      Filters: [{ Name: 'replication-task-arn', Values: [TASK_ARN] }],
    });
    expect(dmsMock).toReceiveCommandWith(DescribeReplicationInstancesCommand, {
      Filters: [{ Name: 'replication-instance-arn', Values: [INSTANCE_ARN] }],
    });
  });

  it('asks CloudWatch for the task metrics by instance identifier and task resource id, last five minutes', async () => {
    await invoke(INPUT);

    const metric = (name: string) => ({
      Namespace: 'AWS/DMS',
      MetricName: name,
      Dimensions: [
        { Name: 'ReplicationInstanceIdentifier', Value: 'orders-ri' },
        // The last segment of the task ARN, not the task identifier.
        { Name: 'ReplicationTaskIdentifier', Value: 'TASK1' },
      ],
    });
    expect(cloudwatchMock).toReceiveCommandExactlyOnceWith(GetMetricDataCommand, {
      StartTime: new Date(T0 - 5 * 60_000),
      EndTime: new Date(T0),
      ScanBy: 'TimestampDescending',
      MetricDataQueries: [
        {
          Id: 'source',
          MetricStat: { Metric: metric('CDCLatencySource'), Period: 60, Stat: 'Maximum' },
          ReturnData: true,
        },
        {
          Id: 'target',
          MetricStat: { Metric: metric('CDCLatencyTarget'), Period: 60, Stat: 'Maximum' },
          ReturnData: true,
        },
      ],
    });
  });

  it('is caught up on the Nth poll in a row and carries since forward', async () => {
    const previous = {
      consecutive: 2,
      polls: 7,
      since: '2026-03-01T09:50:00.000Z',
      caughtUp: false,
      lagBytes: 10,
    };

    const result = await invoke({ ...INPUT, previous });

    expect(result).toMatchObject({ caughtUp: true, consecutive: 3, polls: 8, since: previous.since });
  });

  it.each([
    ['slot lag over the threshold', 1025, 4, 7],
    ['source latency over the threshold', 0, 31, 7],
    ['target latency over the threshold', 0, 4, 31],
  ])('resets the count on %s', async (_case, lag, sourceLatency, targetLatency) => {
    latency(sourceLatency, targetLatency);
    const previous = { consecutive: 2, polls: 7, since: '2026-03-01T09:50:00.000Z' };

    const result = await invoke({ ...INPUT, previous }, source(lag));

    expect(result).toMatchObject({ withinThresholds: false, consecutive: 0, caughtUp: false, polls: 8 });
  });

  it('counts a poll without latency datapoints as within thresholds only when the lag is', async () => {
    latency(undefined, undefined);

    expect(await invoke(INPUT, source(10))).toMatchObject({ latencySeconds: null, withinThresholds: true });
    expect(await invoke(INPUT, source(5000))).toMatchObject({
      latencySeconds: null,
      withinThresholds: false,
    });
  });

  it('uses the known side when only one latency has a datapoint', async () => {
    latency(undefined, 12);

    expect(await invoke(INPUT)).toMatchObject({ latencySeconds: 12 });
  });

  it('throws CatchUpTimeoutError past the deadline unless this poll catches up', async () => {
    latency(4, 300);
    const previous = { consecutive: 0, polls: 120, since: '2026-03-01T09:00:00.000Z' };

    expect(await invoke({ ...INPUT, previous }, source(0), T0)).toMatchObject({ caughtUp: false });
    const error = await failure(invoke({ ...INPUT, previous }, source(0), T0 + 1));
    expect(error).toBeInstanceOf(CatchUpTimeoutError);
    expect(error.name).toBe('CatchUpTimeoutError');
    expect(error.message).toContain('did not catch up with slot dms_slot within 3600 s');
    expect(error.message).toContain('DMS latency 300 s');
    expect(error.message).toMatch(/ Remedy: .*reuses the task/);

    latency(4, 7);
    const last = { consecutive: 2, polls: 120, since: '2026-03-01T09:00:00.000Z' };
    expect(await invoke({ ...INPUT, previous: last }, source(0), T0 + 1)).toMatchObject({ caughtUp: true });
  });

  it('throws TaskFailedError when the task failed, before reading metrics', async () => {
    dmsMock.on(DescribeReplicationTasksCommand).resolves({
      ReplicationTasks: [
        sdkTask({ Status: 'failed', LastFailureMessage: 'Replication slot is active for PID 17' }),
      ],
    });

    const error = await failure(invoke(INPUT));

    expect(error).toBeInstanceOf(TaskFailedError);
    expect(error.message).toContain('Replication slot is active for PID 17');
    expect(cloudwatchMock).not.toReceiveAnyCommand();
  });

  it('throws SlotNotFoundError when the slot is gone', async () => {
    const error = await failure(invoke(INPUT, source(null)));

    expect(error).toBeInstanceOf(SlotNotFoundError);
    expect(error.message).not.toContain(PASSWORD);
  });

  it('throws DmsResourceNotFoundError for a replication instance DMS does not know', async () => {
    dmsMock.on(DescribeReplicationInstancesCommand).resolves({ ReplicationInstances: [] });

    expect(await failure(invoke(INPUT))).toBeInstanceOf(DmsResourceNotFoundError);
  });

  it('never logs the source password', async () => {
    await invoke(INPUT);

    expect(logged.join('')).toContain('checked catch-up');
    expect(logged.join('')).not.toContain(PASSWORD);
  });

  it.each([
    ['no taskArn', { ...INPUT, taskArn: undefined }, 'taskArn'],
    ['no source secret', { ...INPUT, source: { database: 'orders' } }, 'source.secretArn'],
    ['no thresholds', { ...INPUT, thresholds: undefined }, 'thresholds'],
    [
      'zero consecutive polls',
      { ...INPUT, thresholds: { ...THRESHOLDS, consecutivePolls: 0 } },
      'thresholds.consecutivePolls',
    ],
    [
      'a negative lag threshold',
      { ...INPUT, thresholds: { ...THRESHOLDS, maxLagBytes: -1 } },
      'thresholds.maxLagBytes',
    ],
    ['a previous poll without since', { ...INPUT, previous: { consecutive: 1, polls: 1 } }, 'previous.since'],
    ['a slot name PostgreSQL would refuse', { ...INPUT, slotName: 'Bad-Slot' }, 'slotName'],
  ])('rejects %s with an InvalidInputError naming the field', async (_case, event, field) => {
    await expectRefusedInput(invoke(event), field, dmsMock);
  });
});
