import { OrchestratorError } from '../errors.js';

/**
 * Failures of the cutover's own checks (the DMS and slot failures have their own classes). Each
 * `name` is stable: the state machine catches by name and the failure notification shows it.
 */

/** The task ran, but slot lag and DMS latency did not stay under the thresholds before the deadline. */
export class CatchUpTimeoutError extends OrchestratorError {
  override readonly name = 'CatchUpTimeoutError';
  readonly lagBytes: number | null;
  readonly latencySeconds: number | null;
  readonly timeoutSeconds: number;

  constructor(args: {
    readonly slotName: string;
    readonly lagBytes: number | null;
    readonly latencySeconds: number | null;
    readonly consecutive: number;
    readonly consecutivePolls: number;
    readonly polls: number;
    readonly timeoutSeconds: number;
  }) {
    super(
      `the CDC task did not catch up with slot ${args.slotName} within ${args.timeoutSeconds} s ` +
        `(${args.polls} polls; last: lag ${args.lagBytes ?? 'unknown'} bytes, DMS latency ` +
        `${args.latencySeconds ?? 'unknown'} s, ${args.consecutive} of ${args.consecutivePolls} polls in a row within thresholds)`,
      'The task is still running and nothing was lost: find the bottleneck (CDCLatencySource high: reading ' +
        'the source, e.g. long transactions or LOB lookups; CDCLatencyTarget high: applying on the target, ' +
        'e.g. missing primary keys or an undersized target or replication instance), then run the cutover ' +
        'again with the same input (it reuses the task) or with larger thresholds.catchUpTimeoutSeconds',
    );
    this.lagBytes = args.lagBytes;
    this.latencySeconds = args.latencySeconds;
    this.timeoutSeconds = args.timeoutSeconds;
  }
}

/** A table as the row-count comparison saw it (TableRowCount in src/core/row-counts.ts). */
export interface ComparedTable {
  readonly name: string;
  readonly sourceRows: number;
  readonly targetRows: number | null;
  /** What targetRows should have been; absent means sourceRows. null: not knowable (truncated). */
  readonly expectedTargetRows?: number | null;
  /** Net rows the source gained after the task's checkpoint (null or absent: not measured). */
  readonly postCheckpointDelta?: number | null;
  readonly truncatedAfterCheckpoint?: boolean;
}

/** After the task stopped, some selected tables do not hold on the target the rows the source says they should. */
export class RowCountMismatchError extends OrchestratorError {
  override readonly name = 'RowCountMismatchError';
  readonly tables: readonly ComparedTable[];

  constructor(tables: readonly ComparedTable[]) {
    const shown = tables.slice(0, 10).map(describeComparison).join(', ');
    const more = tables.length > 10 ? ` and ${tables.length - 10} more` : '';
    super(
      `${tables.length} table${tables.length === 1 ? '' : 's'} differ in row count between source and target ` +
        `after the task stopped: ${shown}${more}`,
      'Do not switch applications to the target yet. Check the task table statistics and CloudWatch log for ' +
        'errors on these tables (suspended tables, apply conflicts, rows written to the source outside the ' +
        'mapped tables), compare the rows by primary key, and reload the affected tables before cutting over',
    );
    this.tables = tables;
  }
}

function describeComparison(t: ComparedTable): string {
  const target = `target ${t.targetRows ?? 'missing'}`;
  if (t.truncatedAfterCheckpoint) {
    return `${t.name} (truncated on the source after the task's checkpoint, so its count cannot be compared; ${target})`;
  }
  const delta = t.postCheckpointDelta ?? 0;
  if (delta === 0) return `${t.name} (source ${t.sourceRows}, ${target})`;
  const after =
    delta > 0
      ? `less ${delta} added after the task's checkpoint`
      : `plus ${-delta} deleted after the task's checkpoint`;
  return `${t.name} (source ${t.sourceRows} ${after}: expected ${t.expectedTargetRows ?? '?'}, ${target})`;
}

/**
 * Strict verification needs the stopped task's RecoveryCheckpoint (what it applied) and its slot (what
 * it did not): the task is missing one, or has not stopped, so the checkpoint is not final yet.
 */
export class CheckpointMissingError extends OrchestratorError {
  override readonly name = 'CheckpointMissingError';

  constructor(
    readonly taskArn: string,
    readonly status: string,
    readonly recoveryCheckpoint: string | undefined,
  ) {
    super(
      status === 'stopped' || status === 'failed'
        ? `task ${taskArn} is ${status} but reports no RecoveryCheckpoint: what it applied to the target is unknown`
        : `task ${taskArn} is ${status}: its RecoveryCheckpoint is not final until it has stopped`,
      status === 'stopped' || status === 'failed'
        ? 'Verify a task that has run and stopped (DMS loses the checkpoint when the task is deleted); without ' +
            'one, compare the tables by primary key while the source takes no writes'
        : 'Stop the task (dms-cdc cutover stops it after approval) and verify again once it reports stopped',
    );
  }
}
