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

/** After the task stopped at its CdcStopPosition, some selected tables hold different row counts. */
export class RowCountMismatchError extends OrchestratorError {
  override readonly name = 'RowCountMismatchError';
  readonly tables: readonly {
    readonly name: string;
    readonly sourceRows: number;
    readonly targetRows: number | null;
  }[];

  constructor(
    tables: readonly {
      readonly name: string;
      readonly sourceRows: number;
      readonly targetRows: number | null;
    }[],
  ) {
    const shown = tables
      .slice(0, 10)
      .map((t) => `${t.name} (source ${t.sourceRows}, target ${t.targetRows ?? 'missing'})`)
      .join(', ');
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
