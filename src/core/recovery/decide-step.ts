import type { Dms, Task } from '../../ports/dms.js';
import type { SourceDb } from '../../ports/source-db.js';
import { DmsResourceNotFoundError } from '../dms/errors.js';
import { formatLsn, isLsn, type Lsn, parseLsn } from '../lsn.js';
import { type SlotReport, toSlotReport } from '../slot.js';
import { decideRecovery } from './decide.js';
import type { RecoverInput, Timing } from './input.js';
import {
  type ExpectedSource,
  newTaskCall,
  observeTask,
  sourceEndpointProblem,
  type TaskView,
  taskStartLsn,
  taskView,
} from './observe.js';
import { type DecisionReport, toDecisionReport } from './report.js';
import { nextSlotWait, nextTaskWait, type SlotWait, type TaskWait, taskWaitSoFar } from './slot-wait.js';
import type { DecisionKind, SlotObservation } from './types.js';

/** One Decide step of the recover machine: the execution input and what the previous Decide returned. */
export interface DecideRecoveryRequest {
  readonly input: RecoverInput;
  readonly previous: {
    readonly decision: { readonly kind: DecisionKind; readonly lsns: Readonly<Record<string, string>> };
    readonly slot: { readonly confirmedFlushLsn: string | null } | null;
    readonly slotWait: SlotWait | null;
    readonly taskWait: TaskWait | null;
  } | null;
  /** The machine's retries to reach the source are exhausted: decide without the slot. */
  readonly sourceUnreachable: boolean;
  /** The last connection error's Cause, for the reason. */
  readonly unreachableCause?: string;
}

export interface DecideRecoveryResult {
  readonly decision: DecisionReport;
  readonly task: TaskView | null;
  /** The slot on the server the source secret names now; null when it does not exist there or was not read. */
  readonly slot: SlotReport | null;
  readonly source: {
    readonly reachable: boolean;
    readonly describe: string | null;
    readonly serverLsn: string | null;
    readonly inRecovery: boolean | null;
  };
  readonly settings: Timing & { readonly failover: boolean; readonly terminateStaleBackend: boolean };
  /** WAIT_FOR_SLOT only: the bounded wait's progress. */
  readonly slotWait: SlotWait | null;
  /** WAIT_FOR_TASK only: since when DMS has been waited for (the decision applies the bound). */
  readonly taskWait: TaskWait | null;
  /** NO_ACTION ending a WAIT_FOR_TASK: DMS restarted the task itself; the machine confirms the slot advances. */
  readonly restartedByDms: boolean;
  /** NEW_TASK_FROM_SLOT only: the create-cdc-task payload, or null with newTaskProblem saying why. */
  readonly newTask: Readonly<Record<string, unknown>> | null;
  readonly newTaskProblem: string | null;
  readonly decidedAt: string;
}

/** The source on the server its secret names now; opened only when the slot is to be read. */
export type OpenRecoverySource = () => Promise<{ readonly db: SourceDb; readonly describe: string }>;

/**
 * Observes the task (DMS) and its slot on the server the source secret names now (after a failover: the
 * new writer), and decides. A source that cannot be reached fails (SourceUnreachableError from the
 * adapter), so the machine's Retry backs off to its deadline; only when the request says those retries
 * are exhausted does it decide without the slot (ESCALATE). Reads only: it changes nothing.
 */
export async function decideRecoveryStep(
  deps: { readonly dms: Dms; readonly openSource: OpenRecoverySource; readonly now: () => number },
  call: DecideRecoveryRequest,
): Promise<DecideRecoveryResult> {
  const { input, previous } = call;
  const task = await unlessGone(deps.dms.describeTask(input.taskArn), undefined);
  const expected = await expectedSource(deps.dms, task, input);
  const observedTask = observeTask(task, expected);
  const source = call.sourceUnreachable ? undefined : await observeSource(deps.openSource, input.slotName);
  const previousLsn = previous?.slot?.confirmedFlushLsn;
  const slot: SlotObservation | undefined = source && {
    ...source.observation,
    previousConfirmedFlushLsn: previousLsn && isLsn(previousLsn) ? parseLsn(previousLsn) : null,
  };
  const now = deps.now();
  const previousTaskWait = previous && { kind: previous.decision.kind, wait: previous.taskWait };
  const decision = decideRecovery({
    task: observedTask,
    slot,
    failoverJustHappened: input.failover,
    lastKnownGoodLsn: lastKnownGood(previous?.decision.lsns.checkpoint, task),
    policy: input.policy,
    taskWait: taskWaitSoFar(previousTaskWait, now, input.timing.taskWaitTimeoutSeconds),
  });
  const previousSlotWait = previous && { kind: previous.decision.kind, wait: previous.slotWait };
  const newTask =
    decision.kind === 'NEW_TASK_FROM_SLOT' && decision.lsns.startPosition !== undefined
      ? newTaskCall(input, task, decision.lsns.startPosition, expected && sourceEndpointProblem(expected))
      : null;
  return {
    decision: withUnreachableCause(toDecisionReport(decision), call),
    task: taskView(task, observedTask),
    slot: source?.report ?? null,
    source: {
      reachable: source !== undefined,
      describe: source?.describe ?? null,
      serverLsn: source?.serverLsn ?? null,
      inRecovery: source?.observation.inRecovery ?? null,
    },
    settings: {
      ...input.timing,
      failover: input.failover,
      terminateStaleBackend: input.policy.terminateStaleBackend,
    },
    slotWait: nextSlotWait(decision.kind, previousSlotWait, now, input.timing.slotWaitTimeoutSeconds),
    taskWait: nextTaskWait(decision.kind, previousTaskWait, now),
    restartedByDms: decision.restartedByDms === true,
    newTask: newTask?.payload ?? null,
    newTaskProblem: newTask?.problem ?? null,
    decidedAt: new Date(now).toISOString(),
  };
}

/**
 * What DMS answers, or `gone` when the resource no longer exists: a deleted task (its checkpoint went
 * with it) or endpoint is an observation, not an error.
 */
async function unlessGone<T, G>(read: Promise<T>, gone: G): Promise<T | G> {
  try {
    return await read;
  } catch (error) {
    if (error instanceof DmsResourceNotFoundError) return gone;
    throw error;
  }
}

/**
 * The task's source endpoint, to tell whether a resume would still read this slot; null when it no longer
 * exists, undefined when there is no task (or no endpoint ARN) to read it for.
 */
async function expectedSource(
  dms: Dms,
  task: Task | undefined,
  input: RecoverInput,
): Promise<ExpectedSource | undefined> {
  if (!task?.sourceEndpointArn) return undefined;
  const endpoint = await unlessGone(dms.describeEndpoint(task.sourceEndpointArn), null);
  return { slotName: input.slotName, database: input.source.database, endpoint };
}

interface SourceObservation {
  readonly observation: Omit<SlotObservation, 'previousConfirmedFlushLsn'>;
  readonly report: SlotReport | null;
  readonly serverLsn: string;
  readonly describe: string;
}

async function observeSource(open: OpenRecoverySource, slotName: string): Promise<SourceObservation> {
  const { db, describe } = await open();
  const reading = await db.readSlot(slotName);
  const position = reading ?? (await db.readServerPosition());
  return {
    observation: { slot: reading?.slot, serverLsn: position.serverLsn, inRecovery: position.inRecovery },
    report: reading ? toSlotReport(reading) : null,
    serverLsn: formatLsn(position.serverLsn),
    describe,
  };
}

/** The last position known to be applied: the previous decision's checkpoint, else where the task started. */
export function lastKnownGood(previousCheckpoint: string | undefined, task: Task | undefined): Lsn | null {
  if (previousCheckpoint && isLsn(previousCheckpoint)) return parseLsn(previousCheckpoint);
  return taskStartLsn(task);
}

function withUnreachableCause(report: DecisionReport, call: DecideRecoveryRequest): DecisionReport {
  if (!call.sourceUnreachable || !call.unreachableCause) return report;
  return { ...report, reason: `${report.reason} Last error: ${lambdaErrorMessage(call.unreachableCause)}` };
}

/** The errorMessage of a Lambda error document (the Cause of a caught Task failure), or the text itself. */
function lambdaErrorMessage(cause: string): string {
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: unknown };
    if (typeof parsed.errorMessage === 'string') return parsed.errorMessage;
  } catch {
    // free text
  }
  return cause;
}
