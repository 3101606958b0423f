import type { AlertLevel } from '../../ports/alert-state.js';
import { evaluateSource, evaluateUnreachable, type Observation } from '../alerts/evaluate.js';
import { worstLevel } from '../alerts/metrics.js';
import {
  type AlertDeps,
  type ObservationOutcome,
  processObservations,
  type SentAlert,
} from '../alerts/notify.js';
import { describeError, type MeasureDeps, measureSource } from './check.js';
import type { ResolvedSource } from './config.js';
import type { SourceMeasurement } from './measurement.js';

/** Where measurements go besides alerts: CloudWatch EMF in AWS. */
export interface HealthMetrics {
  record(check: {
    readonly source: string;
    readonly measurement: SourceMeasurement | null;
    readonly observations: readonly Observation[];
  }): void;
}

export interface HealthCheckDeps extends MeasureDeps, AlertDeps {
  readonly metrics?: HealthMetrics;
}

/** What one check of one source returns (the Step Functions Map collects one per source). */
export interface HealthCheckResult {
  readonly source: string;
  /** CHECKED: measured and evaluated; UNREACHABLE: could not be measured (and alerted as sourceCheck). */
  readonly status: 'CHECKED' | 'UNREACHABLE';
  readonly state: AlertLevel;
  readonly measuredAt: string;
  readonly slots: number;
  readonly breaches: readonly {
    readonly key: string;
    readonly level: AlertLevel;
    readonly summary: string;
  }[];
  readonly alerts: readonly SentAlert[];
  /** Observations another overlapping check decided first. */
  readonly lostRaces: number;
  readonly problems: readonly string[];
  readonly error: string | null;
}

/**
 * One health check of one source: measure, evaluate, store and notify. A source that cannot be
 * measured is not an exception here: it becomes a CRITICAL `sourceCheck` observation, alerted like
 * any other, and the result says UNREACHABLE, so a Map over sources carries on. Only a failure to
 * deliver alerts throws (AlertDeliveryError).
 */
export async function runHealthCheck(
  source: ResolvedSource,
  deps: HealthCheckDeps,
): Promise<{
  result: HealthCheckResult;
  measurement: SourceMeasurement | null;
  observations: Observation[];
}> {
  let measurement: SourceMeasurement | null = null;
  let error: string | null = null;
  try {
    measurement = await measureSource(source, deps);
  } catch (thrown) {
    error = describeError(thrown);
  }
  const observations = measurement
    ? evaluateSource(source, measurement)
    : evaluateUnreachable(source, error ?? 'unknown error', deps.clock.now());
  deps.metrics?.record({ source: source.name, measurement, observations });
  const outcomes = await processObservations(observations, source.renotifyMinutes, deps);
  return {
    result: summarize(source, measurement, observations, outcomes, error, deps),
    measurement,
    observations,
  };
}

function summarize(
  source: ResolvedSource,
  measurement: SourceMeasurement | null,
  observations: readonly Observation[],
  outcomes: readonly ObservationOutcome[],
  error: string | null,
  deps: HealthCheckDeps,
): HealthCheckResult {
  return {
    source: source.name,
    status: measurement ? 'CHECKED' : 'UNREACHABLE',
    state: worstLevel(observations.map((o) => o.level)),
    measuredAt: new Date(measurement?.measuredAt ?? deps.clock.now()).toISOString(),
    slots: measurement?.slots.length ?? 0,
    breaches: observations
      .filter((o) => o.level !== 'OK')
      .map((o) => ({ key: o.key, level: o.level, summary: o.summary })),
    alerts: outcomes.flatMap((o) => (o.sent ? [o.sent] : [])),
    lostRaces: outcomes.filter((o) => o.lostRace).length,
    problems: measurement?.problems ?? [],
    error,
  };
}
