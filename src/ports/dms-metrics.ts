/**
 * DMS task metrics the cutover reads while waiting for catch-up. Two implementations: CloudWatch
 * (src/adapters/aws/dms-metrics.ts) and the local DMS engine, which measures its own apply delay.
 */
export interface CdcLatency {
  /** CDCLatencySource: seconds between the last event read from the source and now; null when unknown. */
  readonly source: number | null;
  /** CDCLatencyTarget: seconds between the oldest change not yet committed on the target and now; null when unknown. */
  readonly target: number | null;
}

export interface DmsMetrics {
  /** The most recent CDC latency of a running task; null for a side with no datapoint in the last few minutes. */
  cdcLatencySeconds(task: {
    readonly arn: string;
    readonly replicationInstanceArn: string;
  }): Promise<CdcLatency>;
}
