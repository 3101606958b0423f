import {
  type CloudWatchClient,
  GetMetricDataCommand,
  type MetricDataQuery,
  type MetricDataResult,
} from '@aws-sdk/client-cloudwatch';
import { metricInstanceIdentifier } from '../../core/dms/identifiers.js';
import type { DmsTaskRef } from '../../core/health/config.js';
import type { CloudReadings } from '../../core/health/measurement.js';
import type { CloudMetricsReader } from '../../ports/health.js';

/**
 * The metrics the health check reads from CloudWatch, with the dimensions each is published under:
 * - AWS/RDS TransactionLogsDiskUsage, ReplicationSlotDiskUsage, FreeStorageSpace (bytes), per
 *   DBInstanceIdentifier.
 * - AWS/DMS CDCLatencySource, CDCLatencyTarget (seconds), per ReplicationInstanceIdentifier (the
 *   instance's name) and ReplicationTaskIdentifier, which for task metrics is the task's resource ID,
 *   the last part of its ARN, not the name given at creation.
 */
export const RDS_NAMESPACE = 'AWS/RDS';
export const DMS_NAMESPACE = 'AWS/DMS';

/** One-minute datapoints; the window reaches back far enough to skip a late or missing minute. */
export const PERIOD_SECONDS = 60;
export const WINDOW_MINUTES = 10;

/**
 * A CloudMetricsReader over GetMetricData: one call per source (up to 3 RDS queries plus 2 per DMS
 * task, far under the 500-query limit), newest datapoints first, the latest kept. A metric with no
 * datapoint in the window reads as null (a stopped task publishes no latency).
 */
export function buildCloudWatchMetricsReader(client: CloudWatchClient): CloudMetricsReader {
  return {
    async read({ rdsInstanceId, dmsTasks, at }) {
      const queries = buildQueries(rdsInstanceId, dmsTasks);
      if (queries.length === 0) return { rds: null, dms: [] };
      const results = new Map<string, MetricDataResult>();
      let nextToken: string | undefined;
      do {
        const output = await client.send(
          new GetMetricDataCommand({
            MetricDataQueries: queries,
            StartTime: new Date(at - WINDOW_MINUTES * 60_000),
            EndTime: new Date(at),
            ScanBy: 'TimestampDescending',
            NextToken: nextToken,
          }),
        );
        for (const result of output.MetricDataResults ?? []) {
          if (!result.Id) continue;
          const seen = results.get(result.Id);
          // Later pages carry older datapoints of the same queries: keep the first (newest) ones.
          if (!seen || (seen.Values ?? []).length === 0) results.set(result.Id, result);
        }
        nextToken = output.NextToken;
      } while (nextToken);
      return toReadings(rdsInstanceId, dmsTasks, results);
    },
  };
}

export function buildQueries(
  rdsInstanceId: string | undefined,
  dmsTasks: readonly DmsTaskRef[],
): MetricDataQuery[] {
  const queries: MetricDataQuery[] = [];
  if (rdsInstanceId !== undefined) {
    const dimensions = [{ Name: 'DBInstanceIdentifier', Value: rdsInstanceId }];
    queries.push(
      query('rds_logs', RDS_NAMESPACE, 'TransactionLogsDiskUsage', dimensions, 'Maximum'),
      query('rds_slots', RDS_NAMESPACE, 'ReplicationSlotDiskUsage', dimensions, 'Maximum'),
      query('rds_free', RDS_NAMESPACE, 'FreeStorageSpace', dimensions, 'Minimum'),
    );
  }
  dmsTasks.forEach((task, index) => {
    const dimensions = [
      // Lowered again here: a DmsTaskRef built without the config schema must find the metric too.
      {
        Name: 'ReplicationInstanceIdentifier',
        Value: metricInstanceIdentifier(task.replicationInstanceIdentifier),
      },
      { Name: 'ReplicationTaskIdentifier', Value: task.taskId },
    ];
    queries.push(
      query(`dms${index}_source`, DMS_NAMESPACE, 'CDCLatencySource', dimensions, 'Maximum'),
      query(`dms${index}_target`, DMS_NAMESPACE, 'CDCLatencyTarget', dimensions, 'Maximum'),
    );
  });
  return queries;
}

function query(
  id: string,
  namespace: string,
  metricName: string,
  dimensions: { Name: string; Value: string }[],
  stat: 'Maximum' | 'Minimum',
): MetricDataQuery {
  return {
    Id: id,
    MetricStat: {
      Metric: { Namespace: namespace, MetricName: metricName, Dimensions: dimensions },
      Period: PERIOD_SECONDS,
      Stat: stat,
    },
    ReturnData: true,
  };
}

function toReadings(
  rdsInstanceId: string | undefined,
  dmsTasks: readonly DmsTaskRef[],
  results: ReadonlyMap<string, MetricDataResult>,
): CloudReadings {
  const latest = (id: string): number | null => {
    const result = results.get(id);
    const values = result?.Values ?? [];
    const stamps = result?.Timestamps ?? [];
    if (values.length === 0) return null;
    // ScanBy TimestampDescending puts the newest first; pick by timestamp anyway, in case it did not.
    let best = 0;
    stamps.forEach((stamp, i) => {
      const current = stamps[best];
      if (current && stamp.getTime() > current.getTime()) best = i;
    });
    return values[best] ?? null;
  };
  return {
    rds:
      rdsInstanceId === undefined
        ? null
        : {
            transactionLogsDiskUsage: latest('rds_logs'),
            replicationSlotDiskUsage: latest('rds_slots'),
            freeStorageSpace: latest('rds_free'),
          },
    dms: dmsTasks.map((task, index) => ({
      task,
      cdcLatencySource: latest(`dms${index}_source`),
      cdcLatencyTarget: latest(`dms${index}_target`),
    })),
  };
}
