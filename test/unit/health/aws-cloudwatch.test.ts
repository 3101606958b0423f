import 'aws-sdk-client-mock-vitest/extend';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { buildCloudWatchMetricsReader, buildQueries } from '../../../src/adapters/aws/cloudwatch.js';
import { buildEmfHealthMetrics, HEALTH_METRICS_NAMESPACE } from '../../../src/adapters/aws/cloudwatch-emf.js';
import { evaluateSource } from '../../../src/core/alerts/evaluate.js';
import type { DmsTaskRef } from '../../../src/core/health/config.js';
import { GiB, MiB, measurement, slot, source, T0 } from '../alerts/fixtures.js';

const cloudwatch = new CloudWatchClient({ region: 'eu-west-1' });
const cwMock = mockClient(cloudwatch);
const TASK: DmsTaskRef = {
  taskArn: 'arn:aws:dms:eu-west-1:123456789012:task:UPIIRRYFTHAI7AAEHCM6X5CAFXH2ODSHQ7M3WUA',
  taskId: 'UPIIRRYFTHAI7AAEHCM6X5CAFXH2ODSHQ7M3WUA',
  replicationInstanceIdentifier: 'dms-prod-1',
};

beforeEach(() => cwMock.reset());

describe('buildCloudWatchMetricsReader', () => {
  it('asks for the RDS storage and DMS latency metrics in one GetMetricData call, with their dimensions', async () => {
    cwMock.on(GetMetricDataCommand).resolves({ MetricDataResults: [] });

    await buildCloudWatchMetricsReader(cloudwatch).read({
      rdsInstanceId: 'orders-db-prod',
      dmsTasks: [TASK],
      at: T0,
    });

    expect(cwMock).toHaveReceivedCommandTimes(GetMetricDataCommand, 1);
    const rds = (id: string, name: string, stat: string) => ({
      Id: id,
      MetricStat: {
        Metric: {
          Namespace: 'AWS/RDS',
          MetricName: name,
          Dimensions: [{ Name: 'DBInstanceIdentifier', Value: 'orders-db-prod' }],
        },
        Period: 60,
        Stat: stat,
      },
      ReturnData: true,
    });
    const dms = (id: string, name: string) => ({
      Id: id,
      MetricStat: {
        Metric: {
          Namespace: 'AWS/DMS',
          MetricName: name,
          Dimensions: [
            { Name: 'ReplicationInstanceIdentifier', Value: 'dms-prod-1' },
            { Name: 'ReplicationTaskIdentifier', Value: 'UPIIRRYFTHAI7AAEHCM6X5CAFXH2ODSHQ7M3WUA' },
          ],
        },
        Period: 60,
        Stat: 'Maximum',
      },
      ReturnData: true,
    });
    expect(cwMock).toReceiveCommandWith(GetMetricDataCommand, {
      MetricDataQueries: [
        rds('rds_logs', 'TransactionLogsDiskUsage', 'Maximum'),
        rds('rds_slots', 'ReplicationSlotDiskUsage', 'Maximum'),
        rds('rds_free', 'FreeStorageSpace', 'Minimum'),
        dms('dms0_source', 'CDCLatencySource'),
        dms('dms0_target', 'CDCLatencyTarget'),
      ],
      StartTime: new Date(T0 - 10 * 60_000),
      EndTime: new Date(T0),
      ScanBy: 'TimestampDescending',
    });
  });

  it('asks for the DMS latency under the lower-case instance identifier DMS publishes it with', () => {
    const queries = buildQueries(undefined, [{ ...TASK, replicationInstanceIdentifier: 'DMS-Prod-1' }]);
    for (const query of queries) {
      expect(query.MetricStat?.Metric?.Dimensions).toContainEqual({
        Name: 'ReplicationInstanceIdentifier',
        Value: 'dms-prod-1',
      });
    }
  });

  it('keeps the newest datapoint of each metric; no datapoint reads as null', async () => {
    const at = (minutesAgo: number) => new Date(T0 - minutesAgo * 60_000);
    cwMock.on(GetMetricDataCommand).resolves({
      MetricDataResults: [
        { Id: 'rds_logs', Timestamps: [at(1), at(2)], Values: [3 * GiB, 2 * GiB], StatusCode: 'Complete' },
        { Id: 'rds_slots', Timestamps: [], Values: [], StatusCode: 'Complete' },
        // Out of order on purpose: the newest timestamp wins, not the first value.
        { Id: 'rds_free', Timestamps: [at(3), at(1)], Values: [90 * GiB, 80 * GiB], StatusCode: 'Complete' },
        { Id: 'dms0_source', Timestamps: [at(1)], Values: [42], StatusCode: 'Complete' },
      ],
    });
    const readings = await buildCloudWatchMetricsReader(cloudwatch).read({
      rdsInstanceId: 'orders-db-prod',
      dmsTasks: [TASK],
      at: T0,
    });
    expect(readings).toEqual({
      rds: { transactionLogsDiskUsage: 3 * GiB, replicationSlotDiskUsage: null, freeStorageSpace: 80 * GiB },
      dms: [{ task: TASK, cdcLatencySource: 42, cdcLatencyTarget: null }],
    });
  });

  it('makes no call when there is nothing to read', async () => {
    expect(
      await buildCloudWatchMetricsReader(cloudwatch).read({ rdsInstanceId: undefined, dmsTasks: [], at: T0 }),
    ).toEqual({
      rds: null,
      dms: [],
    });
    expect(cwMock).toHaveReceivedCommandTimes(GetMetricDataCommand, 0);
  });
});

describe('buildEmfHealthMetrics', () => {
  let lines: string[];
  afterEach(() => vi.restoreAllMocks());
  beforeEach(() => {
    lines = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
  });

  it('writes one EMF document per slot (Source, Slot) and one per source (Source)', () => {
    const s = source({ thresholds: { retainedWal: { warning: '1MB' } } });
    const m = measurement({
      slots: [slot({ retained: 3 * MiB, lag: 2 * MiB, active: false, inactiveSeconds: 30 })],
    });
    const metrics = new Metrics({ namespace: HEALTH_METRICS_NAMESPACE, serviceName: 'dms-cdc-orchestrator' });

    buildEmfHealthMetrics(metrics).record({
      source: 'orders-db',
      measurement: m,
      observations: evaluateSource(s, m),
    });

    const docs = lines.map(
      (line) =>
        JSON.parse(line) as Record<string, unknown> & {
          _aws: { CloudWatchMetrics: { Dimensions: string[][] }[] };
        },
    );
    expect(docs).toHaveLength(2);
    const [perSlot, perSource] = docs;
    expect(perSlot?._aws.CloudWatchMetrics).toEqual([
      {
        Namespace: 'DmsCdc/Health',
        Dimensions: [['Source', 'Slot']],
        Metrics: expect.arrayContaining([
          { Name: 'SlotLagBytes', Unit: 'Bytes' },
          { Name: 'RetainedWalBytes', Unit: 'Bytes' },
          { Name: 'SlotInactiveSeconds', Unit: 'Seconds' },
          { Name: 'SlotXminAge', Unit: 'Count' },
          { Name: 'SlotActive', Unit: 'Count' },
          { Name: 'SlotAlertLevel', Unit: 'Count' },
        ]),
      },
    ]);
    expect(perSlot).toMatchObject({
      Source: 'orders-db',
      Slot: 'dms_slot',
      SlotLagBytes: 2 * MiB,
      RetainedWalBytes: 3 * MiB,
      SlotInactiveSeconds: 30,
      SlotActive: 0,
      SlotAlertLevel: 1,
    });
    expect(perSource?._aws.CloudWatchMetrics[0]?.Dimensions).toEqual([['Source']]);
    expect(perSource).toMatchObject({
      Source: 'orders-db',
      SourceReachable: 1,
      WalDiskBytes: 64 * MiB,
      WalFiles: 4,
      SourceAlertLevel: 1,
    });
    expect(perSource).not.toHaveProperty('service');
  });

  it('an unreachable source is SourceReachable 0 at level 2', () => {
    const metrics = new Metrics({ namespace: HEALTH_METRICS_NAMESPACE });
    buildEmfHealthMetrics(metrics).record({
      source: 'orders-db',
      measurement: null,
      observations: [
        { ...evaluateSource(source(), measurement())[0], level: 'CRITICAL' } as ReturnType<
          typeof evaluateSource
        >[number],
      ],
    });
    expect(lines.map((l) => JSON.parse(l))).toEqual([
      expect.objectContaining({ Source: 'orders-db', SourceReachable: 0, SourceAlertLevel: 2 }),
    ]);
  });
});
