/**
 * The preflight model (after pgstream's): a check is data, a failed prerequisite is a finding and
 * never an exception, and every finding carries the exact change that fixes it.
 */

export type Severity = 'blocker' | 'warning' | 'info';

export const SEVERITIES: readonly Severity[] = ['blocker', 'warning', 'info'];

/** One thing a check found, in the JSON shape the CLI prints and the Lambda returns. */
export interface Finding {
  /** Stable check id, e.g. `server.wal-level`: Step Functions choices and scripts match on it. */
  readonly id: string;
  readonly severity: Severity;
  readonly title: string;
  readonly observed: string;
  readonly expected: string;
  /** The exact parameter, SQL or setting to change. */
  readonly remedy: string;
  /** Where the requirement is documented. */
  readonly reference: string;
}

/** What a check returns: a finding without the id and reference the check itself supplies. */
export interface Problem {
  readonly severity: Severity;
  readonly title: string;
  readonly observed: string;
  readonly expected: string;
  readonly remedy: string;
  /** Overrides the check's reference when one problem is documented elsewhere. */
  readonly reference?: string;
}

/**
 * A check: pure evaluation of a facts snapshot. It returns no problems when the prerequisite holds.
 * `C` is the evaluation context (see context.ts); checks never reach the database themselves.
 */
export interface Check<C> {
  readonly id: string;
  readonly reference: string;
  evaluate(context: C): readonly Problem[];
}

export function bySeverity(a: Severity, b: Severity): number {
  return SEVERITIES.indexOf(a) - SEVERITIES.indexOf(b);
}
