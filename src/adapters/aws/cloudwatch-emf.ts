import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { LEVEL_RANK } from '../../core/alerts/metrics.js';
import type { HealthMetrics } from '../../core/health/run.js';

/** The namespace the dashboard and any alarm on these metrics read (POWERTOOLS_METRICS_NAMESPACE). */
export const HEALTH_METRICS_NAMESPACE = 'DmsCdc/Health';

/**
 * Health measurements as CloudWatch metrics, written as Embedded Metric Format log lines by
 * Powertools Metrics (no PutMetricData call, no extra permission): one EMF document per slot with
 * dimensions Source and Slot, and one per source with dimension Source.
 *
 * Per slot: SlotLagBytes, RetainedWalBytes, SlotInactiveSeconds (17+, inactive slots), SlotXminAge,
 * SlotActive (1/0), SlotSafeWalSizeBytes (when max_slot_wal_keep_size limits it), SlotAlertLevel
 * (0 OK, 1 WARNING, 2 CRITICAL).
 * Per source: SourceReachable (1/0), WalDiskBytes, WalDiskPercent, WalFiles, SourceAlertLevel.
 */
export function buildEmfHealthMetrics(metrics: Metrics): HealthMetrics {
  // Powertools adds a `service` default dimension to every document; the dashboard and the
  // documented dimension sets are Source and Source+Slot only, so it goes.
  metrics.clearDefaultDimensions();
  return {
    record({ source, measurement, observations }) {
      const levelOf = (slot: string | undefined) =>
        Math.max(
          0,
          ...observations
            .filter((o) => (slot === undefined ? true : o.slot === slot))
            .map((o) => LEVEL_RANK[o.level]),
        );
      for (const { reading, xminAge, inactiveSeconds } of measurement?.slots ?? []) {
        const name = reading.slot.slotName;
        metrics.addDimensions({ Source: source, Slot: name });
        if (reading.lagBytes !== null)
          metrics.addMetric('SlotLagBytes', MetricUnit.Bytes, Number(reading.lagBytes));
        if (reading.retainedWalBytes !== null) {
          metrics.addMetric('RetainedWalBytes', MetricUnit.Bytes, Number(reading.retainedWalBytes));
        }
        if (inactiveSeconds !== null)
          metrics.addMetric('SlotInactiveSeconds', MetricUnit.Seconds, inactiveSeconds);
        if (xminAge !== null) metrics.addMetric('SlotXminAge', MetricUnit.Count, xminAge);
        if (reading.slot.safeWalSizeBytes !== null) {
          metrics.addMetric('SlotSafeWalSizeBytes', MetricUnit.Bytes, Number(reading.slot.safeWalSizeBytes));
        }
        metrics.addMetric('SlotActive', MetricUnit.Count, reading.slot.active ? 1 : 0);
        metrics.addMetric('SlotAlertLevel', MetricUnit.Count, levelOf(name));
        metrics.publishStoredMetrics();
      }
      metrics.addDimensions({ Source: source });
      metrics.addMetric('SourceReachable', MetricUnit.Count, measurement ? 1 : 0);
      const wal = measurement?.wal;
      if (wal?.bytes != null) metrics.addMetric('WalDiskBytes', MetricUnit.Bytes, wal.bytes);
      if (wal?.percent != null) metrics.addMetric('WalDiskPercent', MetricUnit.Percent, wal.percent);
      if (wal?.files != null) metrics.addMetric('WalFiles', MetricUnit.Count, wal.files);
      metrics.addMetric('SourceAlertLevel', MetricUnit.Count, levelOf(undefined));
      metrics.publishStoredMetrics();
    },
  };
}
