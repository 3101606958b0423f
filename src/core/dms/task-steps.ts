import type { Dms, StartType, Task, TaskStatus } from '../../ports/dms.js';
import { decideStart, hasRun } from '../cdc/start-rule.js';
import { formatLsn, lsnFromCheckpoint } from '../lsn.js';
import { type StopReasonCode, stopReasonCode } from '../stop-reason.js';
import { TaskFailedError, TaskWaitTimeoutError } from './errors.js';

/**
 * The task steps the state machines take, one DMS call or two each. The waiting is the machines' (a
 * Wait state costs nothing; a sleeping Lambda is billed), so each step looks once and says where it is.
 */

// Statuses a stop request has nothing to do in; a retried stop step lands here.
// failed-move is at rest too: the move failed, the task does not run, and DMS refuses to stop it.
const AT_REST: readonly TaskStatus[] = ['stopping', 'stopped', 'failed', 'failed-move', 'ready'];

export interface StopOutcome {
  readonly taskArn: string;
  /** false when there was nothing to stop (already stopping, stopped, failed or never started). */
  readonly stopped: boolean;
  readonly status: TaskStatus;
}

/**
 * Stops a task unless it is at rest. Stopping keeps its RecoveryCheckpoint, so resume-processing can
 * continue later (a delete would lose it). Other statuses (creating, modifying, ...) are sent on and
 * DMS's refusal comes back as DmsInvalidStateError.
 */
export async function stopTaskUnlessAtRest(dms: Dms, taskArn: string): Promise<StopOutcome> {
  const task = await dms.describeTask(taskArn);
  if (AT_REST.includes(task.status)) return { taskArn: task.arn, stopped: false, status: task.status };
  const stopping = await dms.stopTask(task.arn);
  return { taskArn: task.arn, stopped: true, status: stopping.status };
}

export interface StartRequest {
  readonly taskArn: string;
  readonly startType: StartType;
  readonly allowRestart: boolean;
  readonly cdcStopPosition?: string;
}

export interface StartOutcome {
  readonly taskArn: string;
  readonly startType: StartType;
  /** false when the task was already running or starting (an earlier attempt started it). */
  readonly started: boolean;
  readonly status: TaskStatus;
  /** A restart the input allowed: DMS recreates the slot and drops what it held. */
  readonly restarted: boolean;
}

/** Starts a task by the start rule (src/core/cdc/start-rule.ts): never a restart unless allowed. */
export async function startTaskByRule(dms: Dms, request: StartRequest): Promise<StartOutcome> {
  const { startType, allowRestart, cdcStopPosition } = request;
  const task = await dms.describeTask(request.taskArn);
  const outcome = { taskArn: task.arn, startType, restarted: false };
  if (decideStart(task, startType, allowRestart).kind === 'already-running') {
    return { ...outcome, started: false, status: task.status };
  }
  const restarted = allowRestart && startType !== 'resume-processing' && hasRun(task);
  const options = cdcStopPosition === undefined ? {} : { cdcStopPosition };
  const started = await dms.startTask(task.arn, startType, options);
  return { ...outcome, started: true, status: started.status, restarted };
}

export interface PollRequest {
  readonly taskArn: string;
  readonly until: readonly TaskStatus[];
  readonly timeoutSeconds: number;
  readonly previous: { readonly since: string; readonly polls: number } | null;
}

export interface PollOutcome {
  readonly status: TaskStatus;
  /** As DMS reports it, e.g. `Stop Reason STOPPED_AT_SERVER_TIME` or a long `Last Error ... Stop Reason ...`. */
  readonly stopReason: string | null;
  /** The code read out of it (`STOPPED_AT_SERVER_TIME`, `FATAL_ERROR`, ...), for Choice states to compare exactly. */
  readonly stopCode: StopReasonCode | null;
  readonly lastFailureMessage: string | null;
  /** status is one of `until`: the Choice state leaves the loop. */
  readonly done: boolean;
  /** When this wait began (the first poll), carried from poll to poll for the deadline. */
  readonly since: string;
  readonly polls: number;
}

/**
 * One look at a task in a wait loop. `failed` always ends the wait with TaskFailedError (unless awaited),
 * and so does `stopped` unless it is awaited: a task that stops while we wait for `running` will not get
 * there. The deadline counts from the first poll of the wait.
 */
export async function pollTaskOnce(dms: Dms, request: PollRequest, now: number): Promise<PollOutcome> {
  const since = request.previous?.since ?? new Date(now).toISOString();
  const polls = (request.previous?.polls ?? 0) + 1;
  const task = await dms.describeTask(request.taskArn);
  const done = request.until.includes(task.status);
  const failing: readonly TaskStatus[] = ['failed', 'stopped'];
  if (!done && failing.includes(task.status)) {
    throw new TaskFailedError(task.arn, task.status, task.stopReason, task.lastFailureMessage);
  }
  const timeoutMs = request.timeoutSeconds * 1000;
  if (!done && now > Date.parse(since) + timeoutMs) {
    throw new TaskWaitTimeoutError(task.arn, request.until, task.status, timeoutMs);
  }
  return { ...stopFields(task), done, since, polls };
}

function stopFields(
  task: Task,
): Pick<PollOutcome, 'status' | 'stopReason' | 'stopCode' | 'lastFailureMessage'> {
  return {
    status: task.status,
    stopReason: task.stopReason ?? null,
    stopCode: stopReasonCode(task.stopReason) ?? null,
    lastFailureMessage: task.lastFailureMessage ?? null,
  };
}

/** Every field present (null when DMS has no value), so JSONPath in a Choice state never misses a key. */
export interface TaskDescription {
  readonly taskArn: string;
  readonly taskIdentifier: string;
  readonly status: TaskStatus;
  readonly migrationType: Task['migrationType'];
  readonly stopReason: string | null;
  readonly lastFailureMessage: string | null;
  readonly recoveryCheckpoint: string | null;
  /** The LSN inside recoveryCheckpoint: where resume-processing continues (a valid CdcStartPosition). */
  readonly checkpointLsn: string | null;
  readonly cdcStartPosition: string | null;
  readonly cdcStopPosition: string | null;
  readonly replicationInstanceArn: string;
  readonly sourceEndpointArn: string;
  readonly targetEndpointArn: string;
  readonly startDate: string | null;
  readonly stopDate: string | null;
}

/** A task as the machines read it; a checkpoint that cannot be read throws InvalidCheckpointError rather than passing for none. */
export function describeForMachine(task: Task): TaskDescription {
  return {
    taskArn: task.arn,
    taskIdentifier: task.identifier,
    status: task.status,
    migrationType: task.migrationType,
    stopReason: task.stopReason ?? null,
    lastFailureMessage: task.lastFailureMessage ?? null,
    recoveryCheckpoint: task.recoveryCheckpoint ?? null,
    checkpointLsn:
      task.recoveryCheckpoint === undefined ? null : formatLsn(lsnFromCheckpoint(task.recoveryCheckpoint)),
    cdcStartPosition: task.cdcStartPosition ?? null,
    cdcStopPosition: task.cdcStopPosition ?? null,
    replicationInstanceArn: task.replicationInstanceArn,
    sourceEndpointArn: task.sourceEndpointArn,
    targetEndpointArn: task.targetEndpointArn,
    startDate: task.startDate?.toISOString() ?? null,
    stopDate: task.stopDate?.toISOString() ?? null,
  };
}

export interface FoundTask {
  readonly taskIdentifier: string;
  readonly exists: boolean;
  readonly taskArn: string | null;
  readonly status: TaskStatus | null;
  /** The task is already reading the slot: a re-run continues it rather than re-checking the slot. */
  readonly replicating: boolean;
}

/** The task a cutover created under this identifier, if any. */
export async function findByIdentifier(dms: Dms, taskIdentifier: string): Promise<FoundTask> {
  const task = await dms.findTask(taskIdentifier);
  return {
    taskIdentifier,
    exists: task !== undefined,
    taskArn: task?.arn ?? null,
    status: task?.status ?? null,
    replicating: task?.status === 'running' || task?.status === 'starting',
  };
}
