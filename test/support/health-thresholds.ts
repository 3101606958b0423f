import type { PartialThresholds } from '../../src/core/health/config.js';

/** Every threshold the PostgreSQL checks evaluate, switched off (CloudWatch's latencies are not read there). */
const ALL_OFF = {
  slotLag: { warning: null, critical: null },
  retainedWal: { warning: null, critical: null },
  walDiskBytes: { warning: null, critical: null },
  walDiskPercent: { warning: null, critical: null },
  inactiveTime: { warning: null, critical: null },
  xminAge: { warning: null, critical: null },
  walStatus: { warning: [], critical: [] },
  safeWal: { warning: null, critical: null },
  safeWalForecast: { warning: null, critical: null },
  walDiskForecast: { warning: null, critical: null },
  idleTimeoutLeft: { warning: null, critical: null },
} satisfies PartialThresholds;

export type QuietMetric = keyof typeof ALL_OFF;

/**
 * `defaults.thresholds` with every metric off except those a test keeps at their built-in defaults
 * (and those it switches on itself), so each test sees only its own metric.
 */
export function quietThresholds(keepDefaults: readonly QuietMetric[] = []): PartialThresholds {
  return Object.fromEntries(
    Object.entries(ALL_OFF).filter(([metric]) => !keepDefaults.includes(metric as QuietMetric)),
  );
}
