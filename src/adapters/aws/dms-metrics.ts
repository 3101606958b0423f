import { CloudWatchClient, GetMetricDataCommand, type MetricDataResult } from '@aws-sdk/client-cloudwatch';
import type { DatabaseMigrationServiceClient } from '@aws-sdk/client-database-migration-service';
import { metricInstanceIdentifier } from '../../core/dms/identifiers.js';
import type { Clock } from '../../ports/clock.js';
import type { CdcLatency, DmsMetrics } from '../../ports/dms-metrics.js';
import { systemClock } from '../system-clock.js';
import { defaultDmsClient } from './dms.js';
import { replicationInstanceField } from './dms-engine-version.js';
import { once } from './once.js';

/** How far back a datapoint still counts as "the current latency". DMS publishes task metrics every minute. */
export const LATENCY_WINDOW_MS = 5 * 60_000;

/**
 * DmsMetrics over CloudWatch GetMetricData (namespace AWS/DMS, one call for both metrics).
 *
 * The task metrics carry two dimensions, and neither is what the ARNs hold verbatim:
 *   - ReplicationInstanceIdentifier: the instance's own identifier (its name), which its ARN does not
 *     contain (the ARN ends in a generated id). It is read once per instance with
 *     DescribeReplicationInstances and cached for the life of the execution environment.
 *   - ReplicationTaskIdentifier: the task's resource id, the last segment of its ARN
 *     (e.g. UPIIRRYFTHAI7AAEHCM6X5CAFXH2ODSHQ7M3WUA), not the task identifier given at creation.
 * Each side is the Maximum of the newest one-minute period within the last five minutes, so a short
 * spike inside the minute is not averaged away; null when DMS published nothing in that window (a task
 * that just started, or one with nothing to replicate).
 */
export function buildCloudWatchDmsMetrics(
  cloudwatch: CloudWatchClient,
  dms: DatabaseMigrationServiceClient,
  clock: Clock = systemClock,
): DmsMetrics {
  const instanceIdentifiers = new Map<string, string>();

  async function instanceIdentifier(arn: string): Promise<string> {
    const known = instanceIdentifiers.get(arn);
    if (known !== undefined) return known;
    const identifier = await replicationInstanceField(
      dms,
      arn,
      (instance) => instance.ReplicationInstanceIdentifier,
    );
    // DMS answers in lower case already; lowering keeps the dimension right whatever the answer's case.
    const dimension = metricInstanceIdentifier(identifier);
    instanceIdentifiers.set(arn, dimension);
    return dimension;
  }

  return {
    async cdcLatencySeconds(task) {
      const instance = await instanceIdentifier(task.replicationInstanceArn);
      const dimensions = [
        { Name: 'ReplicationInstanceIdentifier', Value: instance },
        { Name: 'ReplicationTaskIdentifier', Value: taskResourceId(task.arn) },
      ];
      const now = clock.now();
      const query = (id: string, metricName: string) => ({
        Id: id,
        MetricStat: {
          Metric: { Namespace: 'AWS/DMS', MetricName: metricName, Dimensions: dimensions },
          Period: 60,
          Stat: 'Maximum',
        },
        ReturnData: true,
      });
      const output = await cloudwatch.send(
        new GetMetricDataCommand({
          StartTime: new Date(now - LATENCY_WINDOW_MS),
          EndTime: new Date(now),
          ScanBy: 'TimestampDescending',
          MetricDataQueries: [query('source', 'CDCLatencySource'), query('target', 'CDCLatencyTarget')],
        }),
      );
      const results = output.MetricDataResults ?? [];
      return {
        source: latest(results.find((r) => r.Id === 'source')),
        target: latest(results.find((r) => r.Id === 'target')),
      } satisfies CdcLatency;
    },
  };
}

/** arn:aws:dms:<region>:<account>:task:<resource id> -> <resource id>. */
export function taskResourceId(taskArn: string): string {
  return taskArn.slice(taskArn.lastIndexOf(':') + 1);
}

/** The value at the newest timestamp (not trusting the order of the arrays), or null when there is none. */
function latest(result: MetricDataResult | undefined): number | null {
  const values = result?.Values ?? [];
  const timestamps = result?.Timestamps ?? [];
  let best: { at: number; value: number } | undefined;
  values.forEach((value, i) => {
    const at = timestamps[i]?.getTime() ?? Number.NEGATIVE_INFINITY;
    if (Number.isFinite(value) && (best === undefined || at > best.at)) best = { at, value };
  });
  return best?.value ?? null;
}

/** The functions' CloudWatch reader, sharing the DMS client; built on first use and kept. */
export const defaultDmsMetrics = once(() =>
  buildCloudWatchDmsMetrics(
    new CloudWatchClient({ maxAttempts: 5, retryMode: 'adaptive' }),
    defaultDmsClient(),
  ),
);
