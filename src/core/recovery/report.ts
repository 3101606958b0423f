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
