import type { ChangedRow, DifferenceTotals, RowCopies, RowValues, TableVerification } from './model.js';

/** Gathers one table's differences as they are found: every one counted, the first `cap` kept. */
export class DifferenceCollector {
  private readonly missing: (RowValues | RowCopies)[] = [];
  private readonly extra: (RowValues | RowCopies)[] = [];
  private readonly changedRows: ChangedRow[] = [];
  private totals = { missingOnTarget: 0, extraOnTarget: 0, changed: 0 };

  constructor(readonly cap: number) {}

  /** How many more changed rows the report would keep (their columns are worth reading). */
  get changedRoom(): number {
    return Math.max(0, this.cap - this.changedRows.length);
  }

  get missingRoom(): number {
    return Math.max(0, this.cap - this.missing.length);
  }

  get extraRoom(): number {
    return Math.max(0, this.cap - this.extra.length);
  }

  missingOnTarget(count: number, kept: readonly (RowValues | RowCopies)[]): void {
    this.totals.missingOnTarget += count;
    this.missing.push(...kept.slice(0, this.missingRoom));
  }

  extraOnTarget(count: number, kept: readonly (RowValues | RowCopies)[]): void {
    this.totals.extraOnTarget += count;
    this.extra.push(...kept.slice(0, this.extraRoom));
  }

  changed(count: number, kept: readonly ChangedRow[]): void {
    this.totals.changed += count;
    this.changedRows.push(...kept.slice(0, this.changedRoom));
  }

  get any(): boolean {
    return this.totals.missingOnTarget + this.totals.extraOnTarget + this.totals.changed > 0;
  }

  result(name: string, rows: number, comparedBy: TableVerification['comparedBy']): TableVerification {
    const totals: DifferenceTotals = { ...this.totals };
    return {
      name,
      rows,
      equal: !this.any,
      missingOnTarget: this.missing,
      extraOnTarget: this.extra,
      changed: this.changedRows,
      totals,
      comparedBy,
      problem: null,
    };
  }
}

/** A table that could not be compared row by row: never equal, the reason in `problem`. */
export function uncomparable(
  name: string,
  rows: number,
  comparedBy: TableVerification['comparedBy'],
  problem: string,
): TableVerification {
  return {
    name,
    rows,
    equal: false,
    missingOnTarget: [],
    extraOnTarget: [],
    changed: [],
    totals: { missingOnTarget: 0, extraOnTarget: 0, changed: 0 },
    comparedBy,
    problem,
  };
}
