import type { TableRowCount } from '../../../src/core/row-counts.js';

/** A table as counted without a checkpoint: expected to hold what the source holds, nothing decoded after it. */
export const countedAsNow = (name: string, sourceRows: number, targetRows: number | null): TableRowCount => ({
  name,
  sourceRows,
  targetRows,
  expectedTargetRows: sourceRows,
  postCheckpointDelta: null,
  truncatedAfterCheckpoint: false,
});

/**
 * A table as counted at the task's checkpoint: the source less what it took after the checkpoint is
 * what the target should hold (null when the table was truncated since, and cannot be compared).
 */
export const countedAtCheckpoint = (
  name: string,
  counts: {
    readonly source: number;
    readonly target: number | null;
    readonly expected: number | null;
    readonly delta: number;
    readonly truncated?: boolean;
  },
): TableRowCount => ({
  name,
  sourceRows: counts.source,
  targetRows: counts.target,
  expectedTargetRows: counts.expected,
  postCheckpointDelta: counts.delta,
  truncatedAfterCheckpoint: counts.truncated ?? false,
});
