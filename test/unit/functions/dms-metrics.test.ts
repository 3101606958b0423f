import 'aws-sdk-client-mock-vitest/extend';
import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import {
  DatabaseMigrationServiceClient,
  DescribeReplicationInstancesCommand,
} from '@aws-sdk/client-database-migration-service';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { buildCloudWatchDmsMetrics, taskResourceId } from '../../../src/adapters/aws/dms-metrics.js';
import { DmsThrottledError } from '../../../src/core/dms/errors.js';
import { throttlingException } from '../dms/fixtures.js';
import { INSTANCE_ARN, REGION, TASK_ARN } from './support.js';

const dmsMock = mockClient(DatabaseMigrationServiceClient);
const cloudwatchMock = mockClient(CloudWatchClient);
const NOW = Date.parse('2026-03-01T10:00:00.000Z');
const TASK = { arn: TASK_ARN, replicationInstanceArn: INSTANCE_ARN };

function metrics() {
  return buildCloudWatchDmsMetrics(
    new CloudWatchClient({ region: REGION, maxAttempts: 1 }),
    new DatabaseMigrationServiceClient({ region: REGION, maxAttempts: 1 }),
    { now: () => NOW, sleep: async () => undefined },
  );
}

beforeEach(() => {
  dmsMock.reset();
  cloudwatchMock.reset();
  dmsMock
    .on(DescribeReplicationInstancesCommand)
    .resolves({ ReplicationInstances: [{ ReplicationInstanceIdentifier: 'orders-ri' }] });
});

describe('CloudWatch DmsMetrics', () => {
  it('takes the newest datapoint of each metric whatever the order, and null for a metric with none', async () => {
    cloudwatchMock.on(GetMetricDataCommand).resolves({
      MetricDataResults: [
        {
          Id: 'source',
          Values: [3, 9, 5],
          Timestamps: [new Date(NOW - 180_000), new Date(NOW - 60_000), new Date(NOW - 120_000)],
        },
        { Id: 'target', Values: [], Timestamps: [] },
      ],
    });

    expect(await metrics().cdcLatencySeconds(TASK)).toEqual({ source: 9, target: null });
  });

  it('looks the replication instance identifier up once per instance', async () => {
    cloudwatchMock.on(GetMetricDataCommand).resolves({ MetricDataResults: [] });
    const adapter = metrics();

    await adapter.cdcLatencySeconds(TASK);
    await adapter.cdcLatencySeconds(TASK);

    expect(dmsMock).toReceiveCommandTimes(DescribeReplicationInstancesCommand, 1);
    expect(cloudwatchMock).toReceiveCommandTimes(GetMetricDataCommand, 2);
  });

  it('asks CloudWatch for the instance identifier in lower case, the case DMS publishes metrics under', async () => {
    dmsMock
      .on(DescribeReplicationInstancesCommand)
      .resolves({ ReplicationInstances: [{ ReplicationInstanceIdentifier: 'Orders-RI' }] });
    cloudwatchMock.on(GetMetricDataCommand).resolves({ MetricDataResults: [] });

    await metrics().cdcLatencySeconds(TASK);

    const dimensions = [
      { Name: 'ReplicationInstanceIdentifier', Value: 'orders-ri' },
      { Name: 'ReplicationTaskIdentifier', Value: taskResourceId(TASK_ARN) },
    ];
    expect(cloudwatchMock).toReceiveCommandWith(GetMetricDataCommand, {
      MetricDataQueries: [
        expect.objectContaining({
          MetricStat: expect.objectContaining({
            Metric: expect.objectContaining({ Dimensions: dimensions }),
          }),
        }),
        expect.objectContaining({
          MetricStat: expect.objectContaining({
            Metric: expect.objectContaining({ Dimensions: dimensions }),
          }),
        }),
      ],
    });
  });

  it('reports DMS throttling on the instance lookup as DmsThrottledError', async () => {
    dmsMock.on(DescribeReplicationInstancesCommand).rejects(throttlingException());

    await expect(metrics().cdcLatencySeconds(TASK)).rejects.toBeInstanceOf(DmsThrottledError);
  });

  it('names a task by the last segment of its ARN', () => {
    expect(
      taskResourceId('arn:aws:dms:us-east-1:123456789012:task:UPIIRRYFTHAI7AAEHCM6X5CAFXH2ODSHQ7M3WUA'),
    ).toBe('UPIIRRYFTHAI7AAEHCM6X5CAFXH2ODSHQ7M3WUA');
  });
});
