import type { AlertLevel } from '../../ports/alert-state.js';
import { resolveDroppedSlot } from '../alerts/dropped.js';
import { evaluateUnreachable, type Observation } from '../alerts/evaluate.js';
import { evaluateMeasurement } from '../alerts/evaluate-ahead.js';
import { worstLevel } from '../alerts/metrics.js';
import {
  AlertDeliveryError,
  type AlertDeps,
  type ObservationOutcome,
  processObservations,
  type SentAlert,
} from '../alerts/notify.js';
import { describeError, type MeasureDeps, measureSource } from './check.js';
import type { ResolvedSource } from './config.js';
import type { Forecasts } from './forecast.js';
import { viewHistory } from './history.js';
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

/** The damping every notification of the source goes through (hysteresis, minimum interval). */
export function damperOf(source: ResolvedSource) {
  return { hysteresisPercent: source.hysteresisPercent, minNotifyMs: source.minNotifyMinutes * 60_000 };
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
  forecasts: Forecasts | null;
}> {
  let measurement: SourceMeasurement | null = null;
  let error: string | null = null;
  try {
    measurement = await measureSource(source, deps);
  } catch (thrown) {
    error = describeError(thrown);
  }
  const history = measurement ? await viewHistory(deps.state, measurement, deps.clock.now()) : null;
  const forecasts = history?.forecasts ?? null;
  const observations = measurement
    ? evaluateMeasurement(source, measurement, forecasts)
    : evaluateUnreachable(source, error ?? 'unknown error', deps.clock.now());
  deps.metrics?.record({ source: source.name, measurement, observations });
  const outcomes = await processObservations(observations, source.renotifyMinutes, deps, damperOf(source));
  const dropped: SentAlert[] = [];
  for (const slot of history?.droppedSlots ?? []) {
    try {
      const sent = await resolveDroppedSlot(source.name, slot, deps);
      if (sent) dropped.push(sent);
    } catch (thrown) {
      // The sample is not saved either, so the next check still sees the slot go and tries again.
      throw new AlertDeliveryError([
        { key: `${source.name}#${slot}#slotDropped`, error: describeError(thrown) },
      ]);
    }
  }
  await history?.save();
  const result = summarize(source, measurement, outcomes, error, deps);
  return {
    result: { ...result, alerts: [...result.alerts, ...dropped] },
    measurement,
    observations,
    forecasts,
  };
}

// Levels are the decided ones (a level held by hysteresis counts as still breached).
function summarize(
  source: ResolvedSource,
  measurement: SourceMeasurement | null,
  outcomes: readonly ObservationOutcome[],
  error: string | null,
  deps: HealthCheckDeps,
): HealthCheckResult {
  return {
    source: source.name,
    status: measurement ? 'CHECKED' : 'UNREACHABLE',
    state: worstLevel(outcomes.map((o) => o.level)),
    measuredAt: new Date(measurement?.measuredAt ?? deps.clock.now()).toISOString(),
    slots: measurement?.slots.length ?? 0,
    breaches: outcomes
      .filter((o) => o.level !== 'OK')
      .map((o) => ({ key: o.key, level: o.level, summary: o.summary })),
    alerts: outcomes.flatMap((o) => (o.sent ? [o.sent] : [])),
    lostRaces: outcomes.filter((o) => o.lostRace).length,
    problems: measurement?.problems ?? [],
    error,
  };
}
