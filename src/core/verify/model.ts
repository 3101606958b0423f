import type { SequenceComparison } from '../sequences/compare.js';

/**
 * The result model of a content verification: per table, the rows that differ by key (or, for a
 * table without a primary key, by whole row), capped lists with their totals, and a summary.
 */

/** A key (or, without a primary key, a whole row) as column name to canonical text; null is SQL NULL. */
export type RowValues = Readonly<Record<string, string | null>>;

export interface ChangedRow {
  readonly key: RowValues;
  /** The columns whose values differ by meaning; empty when the row changed and was read again. */
  readonly columns: readonly string[];
}

/** A row of a table without a primary key, and how many more copies one side holds. */
export interface RowCopies {
  readonly row: RowValues;
  readonly copies: number;
}

export interface DifferenceTotals {
  readonly missingOnTarget: number;
  readonly extraOnTarget: number;
  readonly changed: number;
}

export interface TableVerification {
  /** schema.table as the catalog spells it. */
  readonly name: string;
  /** Rows on the source. */
  readonly rows: number;
  readonly equal: boolean;
  readonly missingOnTarget: readonly (RowValues | RowCopies)[];
  readonly extraOnTarget: readonly (RowValues | RowCopies)[];
  readonly changed: readonly ChangedRow[];
  /** The full counts: the lists above stop at the cap. */
  readonly totals: DifferenceTotals;
  /** By primary key, or by whole-row checksums (a multiset) for a table without one. */
  readonly comparedBy: 'primary-key' | 'whole-row';
  /** Why the table could not be compared row by row (missing on the target, other columns). */
  readonly problem: string | null;
}

/** A sequence of the source against the target's (the sequence comparison's own result). */
export type SequenceVerification = SequenceComparison;

/**
 * Sequences that fail a verification: a target behind the source would hand out keys the source
 * already used; one missing or unreadable cannot be vouched for. A target ahead (a safety gap set at
 * the cutover) is reported, not a failure.
 */
export function sequenceFails(sequence: SequenceVerification): boolean {
  return sequence.status !== 'equal' && sequence.status !== 'ahead';
}

export interface VerifySummary {
  readonly tables: number;
  readonly tablesEqual: number;
  readonly tablesDifferent: number;
  readonly rowsCompared: number;
  readonly missingOnTarget: number;
  readonly extraOnTarget: number;
  readonly changed: number;
  readonly sequencesDifferent: number;
  /** Sequences behind, missing or unreadable on the target (see sequenceFails). */
  readonly sequencesFailing: number;
  readonly equal: boolean;
  readonly seconds: number;
}

export interface VerifyReport {
  readonly tables: readonly TableVerification[];
  readonly sequences: readonly SequenceVerification[];
  readonly summary: VerifySummary;
}

/** How many keys each list reports; the totals count them all. */
export const REPORTED_KEYS_CAP = 100;

export function summarize(
  tables: readonly TableVerification[],
  sequences: readonly SequenceVerification[],
  seconds: number,
): VerifySummary {
  const sum = (pick: (t: TableVerification) => number) => tables.reduce((n, t) => n + pick(t), 0);
  const tablesEqual = tables.filter((t) => t.equal).length;
  const sequencesDifferent = sequences.filter((s) => !s.equal).length;
  const sequencesFailing = sequences.filter(sequenceFails).length;
  return {
    tables: tables.length,
    tablesEqual,
    tablesDifferent: tables.length - tablesEqual,
    rowsCompared: sum((t) => t.rows),
    missingOnTarget: sum((t) => t.totals.missingOnTarget),
    extraOnTarget: sum((t) => t.totals.extraOnTarget),
    changed: sum((t) => t.totals.changed),
    sequencesDifferent,
    sequencesFailing,
    equal: tablesEqual === tables.length && sequencesFailing === 0,
    seconds: Math.round(seconds * 1000) / 1000,
  };
}

export function buildReport(
  tables: readonly TableVerification[],
  sequences: readonly SequenceVerification[],
  seconds: number,
): VerifyReport {
  return { tables, sequences, summary: summarize(tables, sequences, seconds) };
}
