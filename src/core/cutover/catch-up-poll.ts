import type { Dms, TaskStatus } from '../../ports/dms.js';
import type { DmsMetrics } from '../../ports/dms-metrics.js';
import type { SourceDb } from '../../ports/source-db.js';
import { TaskFailedError } from '../dms/errors.js';
import { formatLsn } from '../lsn.js';
import { SlotNotFoundError } from '../slot-errors.js';
import { type StopReasonCode, stopReasonCode } from '../stop-reason.js';
import { type CatchUpProgress, type CatchUpThresholds, evaluateCatchUp, worstLatency } from './catch-up.js';

export interface CatchUpPollRequest {
  readonly taskArn: string;
  readonly slotName: string;
  readonly thresholds: CatchUpThresholds;
  readonly previous: CatchUpProgress | null;
}

export interface CatchUpPollResult {
  readonly caughtUp: boolean;
  /** Polls in a row within thresholds, this one included. */
  readonly consecutive: number;
  readonly polls: number;
  readonly since: string;
  readonly lagBytes: number | null;
  readonly latencySeconds: number | null;
  readonly confirmedFlushLsn: string | null;
  readonly serverLsn: string;
  readonly withinThresholds: boolean;
  /**
   * The task's status at this poll. Not a failure unless `failed`: a task that reached its
   * CdcStopPosition is `stopped` and no longer moves the slot, which the state machine may branch on.
   */
  readonly taskStatus: TaskStatus;
  readonly stopReason: string | null;
  /** The code inside stopReason: a task that stopped at its CdcStopPosition during catch-up reached its end. */
  readonly stopCode: StopReasonCode | null;
}

export interface CatchUpPollDeps {
  readonly dms: Dms;
  readonly metrics: DmsMetrics;
  readonly sourceDb: SourceDb;
  readonly now: () => number;
}

/**
 * One poll of the catch-up wait: slot lag on the source (one round trip), the task (failed ends the
 * cutover), and DMS CDC latency, judged by evaluateCatchUp. `source` names the server in a SlotNotFoundError.
 */
export async function pollCatchUp(
  deps: CatchUpPollDeps,
  request: CatchUpPollRequest,
  source: string,
): Promise<CatchUpPollResult> {
  const { slotName } = request;
  const [task, reading] = await Promise.all([
    deps.dms.describeTask(request.taskArn),
    deps.sourceDb.readSlot(slotName),
  ]);
  if (task.status === 'failed') {
    throw new TaskFailedError(task.arn, task.status, task.stopReason, task.lastFailureMessage);
  }
  if (!reading) throw new SlotNotFoundError(slotName, source);
  const { arn, replicationInstanceArn } = task;
  const latencySeconds = worstLatency(await deps.metrics.cdcLatencySeconds({ arn, replicationInstanceArn }));
  // Below 2^53 bytes (8 PiB) the number is exact.
  const lagBytes = reading.lagBytes === null ? null : Number(reading.lagBytes);
  const verdict = evaluateCatchUp(
    { slotName, lagBytes, latencySeconds, taskStatus: task.status },
    request.thresholds,
    request.previous,
    deps.now(),
  );
  const confirmed = reading.slot.confirmedFlushLsn;
  return {
    caughtUp: verdict.caughtUp,
    consecutive: verdict.consecutive,
    polls: verdict.polls,
    since: verdict.since,
    lagBytes,
    latencySeconds,
    confirmedFlushLsn: confirmed === null ? null : formatLsn(confirmed),
    serverLsn: formatLsn(reading.serverLsn),
    withinThresholds: verdict.withinThresholds,
    taskStatus: task.status,
    stopReason: task.stopReason ?? null,
    stopCode: stopReasonCode(task.stopReason) ?? null,
  };
}
