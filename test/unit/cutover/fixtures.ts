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
