import type { TaskStatus } from '../../ports/dms.js';
import { CatchUpTimeoutError } from './errors.js';

export interface CatchUpThresholds {
  readonly maxLagBytes: number;
  readonly maxLatencySeconds: number;
  readonly consecutivePolls: number;
  readonly catchUpTimeoutSeconds: number;
}

/** What the previous poll returned (the state machine hands it back); null on the first poll. */
export interface CatchUpProgress {
  readonly consecutive: number;
  readonly polls: number;
  /** ISO 8601: when the catch-up wait began. */
  readonly since: string;
}

export interface CatchUpObservation {
  readonly slotName: string;
  /** Slot lag, serverLsn - confirmed_flush_lsn; null when the slot has no confirmed_flush_lsn. */
  readonly lagBytes: number | null;
  /** max(CDCLatencySource, CDCLatencyTarget); null when DMS published neither. */
  readonly latencySeconds: number | null;
  /** The task at this poll: only a running task can be caught up, however small the lag. */
  readonly taskStatus: TaskStatus;
}

export interface CatchUpVerdict extends CatchUpProgress {
  readonly withinThresholds: boolean;
  readonly caughtUp: boolean;
}

/**
 * One poll of the catch-up wait. Within thresholds means the slot lag is at most maxLagBytes and the
 * DMS latency at most maxLatencySeconds. A missing latency (DMS publishes nothing for a task with no
 * changes to carry, or in its first minute) does not block catch-up on its own, but it never
 * counts without the lag: the slot's confirmed_flush_lsn, which only DMS moves, must be close to the
 * server position, so "no metric" can only pass when DMS has demonstrably confirmed almost everything.
 * Caught up after `consecutivePolls` such polls in a row; one poll outside resets the count. A task that
 * is not running is never within thresholds: a stopped task's slot stops moving and its lag can look
 * small while nothing is applied. Past the deadline and not caught up: CatchUpTimeoutError, except for a
 * stopped task, which the state machine routes on by its StopReason.
 */
export function evaluateCatchUp(
  observation: CatchUpObservation,
  thresholds: CatchUpThresholds,
  previous: CatchUpProgress | null,
  nowMs: number,
): CatchUpVerdict {
  const since = previous?.since ?? new Date(nowMs).toISOString();
  const polls = (previous?.polls ?? 0) + 1;
  const { lagBytes, latencySeconds } = observation;
  const withinThresholds =
    observation.taskStatus === 'running' &&
    lagBytes !== null &&
    lagBytes <= thresholds.maxLagBytes &&
    (latencySeconds === null || latencySeconds <= thresholds.maxLatencySeconds);
  const consecutive = withinThresholds ? (previous?.consecutive ?? 0) + 1 : 0;
  const caughtUp = consecutive >= thresholds.consecutivePolls;
  const expired = nowMs > Date.parse(since) + thresholds.catchUpTimeoutSeconds * 1000;
  if (!caughtUp && expired && observation.taskStatus !== 'stopped') {
    throw new CatchUpTimeoutError({
      slotName: observation.slotName,
      lagBytes,
      latencySeconds,
      consecutive,
      consecutivePolls: thresholds.consecutivePolls,
      polls,
      timeoutSeconds: thresholds.catchUpTimeoutSeconds,
    });
  }
  return { caughtUp, consecutive, polls, since, withinThresholds };
}

/** The latency the thresholds compare: the worse of the two sides, null when neither is known. */
export function worstLatency(latency: {
  readonly source: number | null;
  readonly target: number | null;
}): number | null {
  const known = [latency.source, latency.target].filter((v): v is number => v !== null);
  return known.length === 0 ? null : Math.max(...known);
}
