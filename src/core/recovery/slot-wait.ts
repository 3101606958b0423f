import type { DecisionKind, TaskWaitObservation } from './types.js';

/** The WAIT_FOR_SLOT loop's progress, carried from one decision to the next through the execution state. */
export interface SlotWait {
  /** ISO 8601: when the first decision of this wait saw the slot held. */
  readonly since: string;
  /** Decisions in this wait, this one included. */
  readonly polls: number;
  /** The bounded wait is over: terminate the holder when policy allows, else escalate. */
  readonly expired: boolean;
}

/**
 * Continues the wait the previous decision started, or starts one. The bound counts from the first
 * decision that saw the slot held, so the loop ends after `timeoutSeconds` whatever the poll interval.
 * Any other decision in between (the slot was free for a moment) starts the count again.
 */
export function nextSlotWait(
  kind: DecisionKind,
  previous: { readonly kind: DecisionKind; readonly wait: SlotWait | null } | null,
  nowMs: number,
  timeoutSeconds: number,
): SlotWait | null {
  if (kind !== 'WAIT_FOR_SLOT') return null;
  const continuing = previous?.kind === 'WAIT_FOR_SLOT' && previous.wait !== null ? previous.wait : null;
  const since = continuing?.since ?? new Date(nowMs).toISOString();
  const polls = (continuing?.polls ?? 0) + 1;
  return { since, polls, expired: nowMs - Date.parse(since) >= timeoutSeconds * 1000 };
}

/**
 * The WAIT_FOR_TASK loop's progress (DMS settling or restarting the task by itself). Its bound is applied by
 * the decision, which turns into RESUME or ESCALATE once the wait is over, so only the start is carried.
 */
export interface TaskWait {
  /** ISO 8601: when the first WAIT_FOR_TASK decision of this wait was made. */
  readonly since: string;
  /** Decisions in this wait, this one included. */
  readonly polls: number;
}

type PreviousTaskWait = { readonly kind: DecisionKind; readonly wait: TaskWait | null } | null;

/** The wait the previous decision left under way, as the next decision reads it; null when there is none. */
export function taskWaitSoFar(
  previous: PreviousTaskWait,
  nowMs: number,
  timeoutSeconds: number,
): TaskWaitObservation | null {
  const wait = continuingTaskWait(previous);
  if (wait === null) return null;
  return { waitedSeconds: Math.max(0, nowMs - Date.parse(wait.since)) / 1000, timeoutSeconds };
}

/** Continues the wait the previous decision started, or starts one; any other decision ends it. */
export function nextTaskWait(kind: DecisionKind, previous: PreviousTaskWait, nowMs: number): TaskWait | null {
  if (kind !== 'WAIT_FOR_TASK') return null;
  const continuing = continuingTaskWait(previous);
  return {
    since: continuing?.since ?? new Date(nowMs).toISOString(),
    polls: (continuing?.polls ?? 0) + 1,
  };
}

function continuingTaskWait(previous: PreviousTaskWait): TaskWait | null {
  return previous?.kind === 'WAIT_FOR_TASK' ? previous.wait : null;
}
