import { formatLsn, type Lsn } from '../lsn.js';
import type { Decision, DecisionKind } from './types.js';

/** A decision as JSON (Step Functions state, CLI --json, notifications): LSNs as text, absent parts null. */
export interface DecisionReport {
  readonly kind: DecisionKind;
  readonly reason: string;
  readonly lsns: Readonly<Record<string, string>>;
  readonly atRisk: { readonly from: string | null; readonly to: string | null } | null;
  readonly holder: {
    readonly pid: number | null;
    readonly application: string | null;
    readonly terminate: boolean;
  } | null;
}

export function toDecisionReport(decision: Decision): DecisionReport {
  const lsns = Object.fromEntries(
    Object.entries(decision.lsns)
      .filter((entry): entry is [string, Lsn] => entry[1] !== undefined)
      .map(([name, lsn]) => [name, formatLsn(lsn)]),
  );
  return {
    kind: decision.kind,
    reason: decision.reason,
    lsns,
    atRisk: decision.atRisk
      ? { from: optional(decision.atRisk.from), to: optional(decision.atRisk.to) }
      : null,
    holder: decision.holder ?? null,
  };
}

function optional(lsn: Lsn | null): string | null {
  return lsn === null ? null : formatLsn(lsn);
}

/** The LSN range at risk as people read it: `4AF/B00000D0 .. 4AF/C0000000` (unknown ends say so). */
export function formatRange(range: DecisionReport['atRisk']): string | null {
  if (!range) return null;
  return `${range.from ?? 'unknown'} .. ${range.to ?? 'unknown'}`;
}

/**
 * Every decision the recover machine routes on (recover.asl.json's Choice on `decision.kind`), and what
 * the machine does on it, in words (the dry run's last line). A new kind is added here, given its rule
 * in decide.ts and its route in the ASL.
 */
const MACHINE_ACTIONS = {
  NO_ACTION: () => 'nothing to do',
  RESUME: () =>
    'start the task with resume-processing (never start-replication), wait for running and the slot to advance',
  WAIT_FOR_SLOT: (report: DecisionReport) =>
    report.holder?.terminate
      ? `wait (bounded) for PID ${report.holder.pid} to let go of the slot, then terminate it and resume`
      : `wait (bounded) for PID ${report.holder?.pid ?? '?'} to let go of the slot, then escalate`,
  WAIT_FOR_TASK: () =>
    'wait (bounded) for DMS to settle or restart the task by itself, then decide again; nothing is started twice',
  NEW_TASK_FROM_SLOT: (report: DecisionReport) =>
    `stop the old task (kept for its checkpoint), create a new CDC task at ${report.lsns.startPosition ?? '?'}, start it`,
  DATA_GAP: () =>
    'nothing automatic: notify (critical) and stop; recreate the slot and reload the target, or accept the gap',
  ESCALATE: () => 'nothing automatic: notify and stop; a person decides',
} as const satisfies Record<string, (report: DecisionReport) => string>;

export const DECISION_KINDS = Object.keys(MACHINE_ACTIONS) as readonly (keyof typeof MACHINE_ACTIONS)[];

/** What the recover machine does on a decision, in words (the dry run's last line). */
export function machineAction(report: DecisionReport): string {
  return MACHINE_ACTIONS[report.kind](report);
}
