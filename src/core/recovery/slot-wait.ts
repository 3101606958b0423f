import type { DecisionKind } from './types.js';

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
