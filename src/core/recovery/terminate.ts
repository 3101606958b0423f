import type { SourceDb, TerminateHolder } from '../../ports/source-db.js';
import { TerminationNotAllowedError } from './errors.js';

export interface TerminateRequest {
  readonly slotName: string;
  /** The PID the decision saw holding the slot: only that backend, and only while it still holds the slot. */
  readonly pid: number;
  /** policy.terminateStaleBackend, passed by the machine; false is refused here too. */
  readonly allowed: boolean;
  readonly waitMs: number;
}

export interface TerminateOutcome {
  /** false when that PID no longer held the slot: nothing was signalled. */
  readonly terminated: boolean;
  readonly pid: number;
  readonly application: string | null;
  /** After the call: whether some backend (possibly a new one) holds the slot. */
  readonly slotActive: boolean;
  readonly activePid: number | null;
}

/** Refused unless the recover input's policy allows it: ending a walsender is the machine's last resort. */
export function requireTerminationAllowed(request: TerminateRequest): void {
  if (!request.allowed) throw new TerminationNotAllowedError(request.slotName, request.pid);
}

/** Ends the stale holder the decision named, then looks at the slot again to say who holds it now. */
export async function terminateStaleHolder(
  deps: { readonly terminate: TerminateHolder; readonly sourceDb: SourceDb },
  request: TerminateRequest,
): Promise<TerminateOutcome> {
  requireTerminationAllowed(request);
  const { slotName, pid } = request;
  const { terminated, application } = await deps.terminate(slotName, pid, request.waitMs);
  const after = await deps.sourceDb.readSlot(slotName);
  const slotActive = after?.slot.active ?? false;
  return { terminated, pid, application, slotActive, activePid: after?.slot.activePid ?? null };
}
