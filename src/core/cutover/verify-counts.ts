import type { Dms } from '../../ports/dms.js';
import { formatLsn, type Lsn, parseLsn } from '../lsn.js';
import type { TableRowCount } from '../row-counts.js';
import type { PostCheckpointChanges } from '../row-deltas.js';
import { ContentMismatchError } from '../verify/errors.js';
import type { TableVerification } from '../verify/model.js';
import { CheckpointMissingError, RowCountMismatchError } from './errors.js';

/**
 * The cutover's verification once the task ran: the rules that turn the counts (and, strict, the
 * row-by-row comparison) into a verdict. The counting itself is src/adapters/pg/verify-counts.ts.
 */

/** Where a strict comparison drew the line between what the task applied and what it did not. */
export interface CheckpointBoundary {
  /** max(checkpointLsn, slotConfirmedFlushLsn): transactions committed after it are not on the target. */
  readonly boundaryLsn: string;
  readonly recoveryCheckpoint: string;
  readonly checkpointLsn: string;
  readonly slotConfirmedFlushLsn: string;
  /** The source was counted in this snapshot (txid_current_snapshot); the slot decoded up to decodedUpToLsn. */
  readonly snapshot: string;
  readonly decodedFromLsn: string;
  readonly decodedUpToLsn: string;
  readonly transactions: PostCheckpointChanges['transactions'];
}

/**
 * Strict, with equal counts and no transaction after the checkpoint in the source's snapshot, every
 * row is compared (the dms-cdc verify engine, in the count snapshot); otherwise why not.
 */
export interface ContentResult {
  readonly compared: boolean;
  readonly reason: string | null;
  readonly tables: number;
  readonly rowsCompared: number;
  readonly differing: readonly string[];
}

export interface VerifyRowCountsResult {
  readonly tables: readonly TableRowCount[];
  readonly mismatchedTables: number;
  /** Why nothing was compared; null when the counts were taken. */
  readonly skipped: string | null;
  /** The boundary LSN of a strict comparison; null when counted as the source is now (not strict). */
  readonly boundaryLsn: string | null;
  readonly boundary: CheckpointBoundary | null;
  /** The row-by-row comparison of a strict verification; null when not strict or nothing counted. */
  readonly content: ContentResult | null;
}

/** The row-by-row comparison: what the result shows, and the tables that differ (for the error). */
export interface ContentComparison {
  readonly result: ContentResult;
  readonly differing: readonly TableVerification[];
}

/** What the counting found, before the verdict. */
export interface CountedRows {
  readonly tables: TableRowCount[];
  readonly mismatched: TableRowCount[];
  readonly boundary: CheckpointBoundary | null;
  readonly content?: ContentComparison;
}

/** Nothing to compare with: the step passes as a count of no tables would, saying why. */
export const NO_TARGET_CONFIGURED: VerifyRowCountsResult = {
  ...verifiedRowCounts({ tables: [], mismatched: [], boundary: null }, false),
  skipped: 'no target connection configured',
};

/** The RecoveryCheckpoint of a task that has stopped (or failed): final, since nothing moves it any more. */
export async function stoppedTaskCheckpoint(dms: Dms, taskArn: string): Promise<string> {
  const task = await dms.describeTask(taskArn);
  if ((task.status !== 'stopped' && task.status !== 'failed') || !task.recoveryCheckpoint) {
    throw new CheckpointMissingError(taskArn, task.status, task.recoveryCheckpoint);
  }
  return task.recoveryCheckpoint;
}

/**
 * Why comparing every row would say nothing, or null when it would: the counts differ (they already
 * failed), or the snapshot sees transactions after the checkpoint, whose rows the target rightly lacks
 * (the counts account for them, a row comparison could not yet).
 */
export function contentSkipReason(state: {
  readonly countsEqual: boolean;
  readonly visibleAfterBoundary: number;
}): string | null {
  if (!state.countsEqual) return 'the row counts differ';
  if (state.visibleAfterBoundary > 0) {
    return `the source took ${state.visibleAfterBoundary} transactions after the task's checkpoint: compared by counts only`;
  }
  return null;
}

export function contentNotCompared(reason: string): ContentComparison {
  return { result: { compared: false, reason, tables: 0, rowsCompared: 0, differing: [] }, differing: [] };
}

export function contentCompared(tables: readonly TableVerification[]): ContentComparison {
  const differing = tables.filter((t) => !t.equal);
  return {
    result: {
      compared: true,
      reason: null,
      tables: tables.length,
      rowsCompared: tables.reduce((n, t) => n + t.rows, 0),
      differing: differing.map((t) => t.name),
    },
    differing,
  };
}

/** The boundary as the result shows it, from the checkpoint, the count snapshot and the decoding. */
export function checkpointBoundary(parts: {
  readonly recoveryCheckpoint: string;
  readonly checkpoint: Lsn;
  readonly snapshot: { readonly snapshotText: string; readonly upTo: Lsn };
  readonly decoded: {
    readonly boundary: Lsn;
    readonly slotConfirmedFlushLsn: Lsn;
    readonly slotRestartLsn: Lsn;
    readonly changes: Pick<PostCheckpointChanges, 'transactions'>;
  };
}): CheckpointBoundary {
  const { decoded, snapshot } = parts;
  return {
    boundaryLsn: formatLsn(decoded.boundary),
    recoveryCheckpoint: parts.recoveryCheckpoint,
    checkpointLsn: formatLsn(parts.checkpoint),
    slotConfirmedFlushLsn: formatLsn(decoded.slotConfirmedFlushLsn),
    snapshot: snapshot.snapshotText,
    decodedFromLsn: formatLsn(decoded.slotRestartLsn),
    decodedUpToLsn: formatLsn(snapshot.upTo),
    transactions: decoded.changes.transactions,
  };
}

/**
 * The two positions when the slot no longer holds what was committed between the checkpoint and its
 * confirmed position (else null): the task said (by confirming) it applied it, and the counts check that claim; a slot recreated past the
 * checkpoint shows up here.
 */
export function slotConfirmedPastCheckpoint(
  boundary: CheckpointBoundary | null,
): Pick<CheckpointBoundary, 'checkpointLsn' | 'slotConfirmedFlushLsn'> | null {
  if (boundary === null) return null;
  const { checkpointLsn, slotConfirmedFlushLsn } = boundary;
  return parseLsn(slotConfirmedFlushLsn) > parseLsn(checkpointLsn)
    ? { checkpointLsn, slotConfirmedFlushLsn }
    : null;
}

/**
 * The step's result; strict, a count that differs is RowCountMismatchError and a row that differs
 * ContentMismatchError. Not strict (the task may still run), differences are only reported.
 */
export function verifiedRowCounts(counted: CountedRows, strict: boolean): VerifyRowCountsResult {
  if (strict && counted.mismatched.length > 0) throw new RowCountMismatchError(counted.mismatched);
  const { content, boundary } = counted;
  if (content && content.differing.length > 0) throw new ContentMismatchError(content.differing);
  return {
    tables: counted.tables,
    mismatchedTables: counted.mismatched.length,
    skipped: null,
    boundaryLsn: boundary?.boundaryLsn ?? null,
    boundary,
    content: content?.result ?? null,
  };
}
