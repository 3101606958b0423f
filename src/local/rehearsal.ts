import { connectPg } from '../adapters/pg/client.js';
import { buildPgSourceDb } from '../adapters/pg/slots.js';
import { verifyOverPg } from '../adapters/pg/verify/index.js';
import { formatBytes } from '../core/slot.js';
import { buildReport, type VerifyReport, type VerifySummary } from '../core/verify/model.js';
import { createLocalEnvironment, type LocalCutoverEnvironment } from './cutover/environment.js';
import { localCutoverInput, runLocalCutover } from './cutover/run.js';
import { startWorkload, type Workload } from './cutover/workload.js';
import type { ExecutionEvent } from './stepfunctions/index.js';

export const REHEARSAL_SLOT = 'dms_rehearsal_slot';
const TABLES = ['shop.customers', 'shop.orders'];

export interface RehearsalOptions {
  /** Demo transactions per second while the cutover runs. */
  readonly transactionsPerSecond: number;
  /** How long the workload runs, in seconds; the task stops a few seconds later (server_time). */
  readonly workloadSeconds: number;
  /** Leave everything running for exploration until the signal aborts. */
  readonly keep: boolean;
  readonly signal: AbortSignal;
  readonly onProgress: (text: string) => void;
  /**
   * Cutover input fields to use instead of the rehearsal's (thresholds, approval, verify) - what
   * `dms-cdc cutover --local --input FILE` passes. An approval gate is answered locally.
   */
  readonly inputOverrides?: Readonly<Record<string, unknown>>;
}

export interface RehearsalReport {
  readonly status: 'SUCCEEDED' | 'FAILED' | 'ABORTED' | 'TIMED_OUT';
  readonly transitions: number;
  readonly durationMs: number;
  /** The task's CdcStartPosition: the slot's confirmed_flush_lsn when the task was created. */
  readonly startLsn: string | null;
  /** The slot's confirmed_flush_lsn when the machine saw the task caught up. */
  readonly caughtUpLsn: string | null;
  readonly tables: readonly { name: string; sourceRows: number; targetRows: number }[];
  /** Rows that differ between source and target, compared by primary key. */
  readonly mismatches: number;
  /** The content comparison's figures (dms-cdc verify's summary) and the sequences it compared. */
  readonly verify: VerifySummary;
  readonly sequences: readonly { name: string; status: string }[];
  readonly cutoverMs: number;
  /** From the task running to the machine seeing it caught up. */
  readonly catchUpMs: number | null;
  readonly workloadTransactions: number;
  readonly appliedChanges: number;
  readonly alerts: number;
  readonly error: string | null;
}

/**
 * `npm start`: a whole cutover rehearsed on this machine. Two embedded PostgreSQL 17 servers, the
 * demo schema, an existing slot, a steady write workload, and the real cutover state machine with
 * the real handlers and the local DMS engine. The task is given a server_time stop position a few
 * seconds after the workload ends, so the machine waits for it, verifies row counts strictly, and
 * the report compares every row by primary key with the content verification of `dms-cdc verify`.
 */
export async function rehearse(options: RehearsalOptions): Promise<RehearsalReport> {
  const started = Date.now();
  options.onProgress('starting two embedded PostgreSQL 17 servers (source and target)...');
  let alerts = 0;
  const env = await createLocalEnvironment({
    demoSchema: true,
    onAlert: (n) => {
      alerts += 1;
      options.onProgress(`  SNS ${n.Subject}`);
    },
  });
  try {
    return await rehearseIn(env, options, started, () => alerts);
  } finally {
    await env.destroy();
    options.onProgress('servers stopped and removed');
  }
}

async function rehearseIn(
  env: LocalCutoverEnvironment,
  options: RehearsalOptions,
  started: number,
  alerts: () => number,
): Promise<RehearsalReport> {
  await env.source.query(`SELECT pg_create_logical_replication_slot($1, 'test_decoding')`, [REHEARSAL_SLOT]);
  options.onProgress(`source ${env.source.url()} with slot ${REHEARSAL_SLOT}; target ${env.target.url()}`);
  const workload = await startWorkload(env.source, options.transactionsPerSecond);
  const stopAt = new Date(Date.now() + (options.workloadSeconds + 4) * 1000);
  const stopWorkload = setTimeout(() => void workload.stop(), options.workloadSeconds * 1000);
  options.onProgress(
    `workload: ${options.transactionsPerSecond} transactions/s for ${options.workloadSeconds} s; task stops at ${stopAt.toISOString()}`,
  );
  const progress = new Progress(env, options.onProgress);
  const cutoverStarted = Date.now();
  const result = await runLocalCutover(env, {
    input: localCutoverInput(env, {
      slotName: REHEARSAL_SLOT,
      schema: 'shop',
      overrides: {
        cdcStopPosition: `server_time:${stopAt.toISOString().slice(0, 19)}`,
        ...options.inputOverrides,
      },
    }),
    timeScale: 0.25,
    onEvent: (event) => progress.onEvent(event),
    onTaskToken: ({ token }, sfn) => {
      options.onProgress(
        '  approval requested (in AWS: dms-cdc approve --token <token from the SNS message>): approving locally',
      );
      void sfn.sendTaskSuccess(token, { approved: true, by: 'local rehearsal' });
    },
    signal: options.signal,
  });
  progress.stop();
  clearTimeout(stopWorkload);
  await workload.stop();
  const cutoverMs = Date.now() - cutoverStarted;
  options.onProgress(`cutover ${result.status} after ${result.transitions} transitions in ${cutoverMs} ms`);
  const verified = await verifyContent(env, options);
  if (options.keep && !options.signal.aborted) await keepRunning(env, options);
  return report(result, verified, { started, cutoverMs, workload, progress, alerts: alerts(), env });
}

/** The same content verification as `dms-cdc verify`, with its figures printed. */
async function verifyContent(env: LocalCutoverEnvironment, options: RehearsalOptions): Promise<VerifyReport> {
  // Interrupted (before or during it): nothing compared; the report's status says ABORTED.
  if (options.signal.aborted) return buildReport([], [], 0);
  const verified = await verifyOverPg(connectPg, {
    source: env.source.connectionConfig(),
    target: env.target.connectionConfig(),
    tableMappings: {
      selectionRules: TABLES.map((name, i) => {
        const [schemaName = '', tableName = ''] = name.split('.');
        return {
          ruleName: String(i + 1),
          action: 'explicit' as const,
          schemaName,
          tableName,
          tableType: 'table' as const,
        };
      }),
    },
    signal: options.signal,
  }).catch((error: unknown) => {
    if (options.signal.aborted) return buildReport([], [], 0);
    throw error;
  });
  const s = verified.summary;
  const rate = s.seconds > 0 ? Math.round(s.rowsCompared / s.seconds) : s.rowsCompared;
  options.onProgress(
    `verify: ${s.tablesEqual} of ${s.tables} tables equal, ${s.rowsCompared} rows compared in ${s.seconds} s (${rate} rows/s); ` +
      `${s.missingOnTarget} missing on the target, ${s.extraOnTarget} extra, ${s.changed} changed; ` +
      `sequences: ${verified.sequences.map((q) => `${q.name} ${q.status}`).join(', ') || 'none'}`,
  );
  return verified;
}

function report(
  result: Awaited<ReturnType<typeof runLocalCutover>>,
  verified: VerifyReport,
  context: {
    started: number;
    cutoverMs: number;
    workload: Workload;
    progress: Progress;
    alerts: number;
    env: LocalCutoverEnvironment;
  },
): RehearsalReport {
  const output = (result.output ?? {}) as {
    steps?: { task?: { cdcStartPosition?: string } };
    polls?: { catchUp?: { confirmedFlushLsn?: string } };
  };
  const counts = context.progress.taskArn
    ? context.env.dms.appliedCounts(context.progress.taskArn)
    : undefined;
  return {
    status: result.status,
    transitions: result.transitions,
    durationMs: Date.now() - context.started,
    startLsn: output.steps?.task?.cdcStartPosition ?? null,
    caughtUpLsn: output.polls?.catchUp?.confirmedFlushLsn ?? null,
    tables: verified.tables.map((t) => ({
      name: t.name,
      sourceRows: t.rows,
      targetRows: t.rows - t.totals.missingOnTarget + t.totals.extraOnTarget,
    })),
    // A table that could not be compared (missing on the target, other columns) counts every row.
    mismatches: verified.tables.reduce(
      (n, t) =>
        n +
        (t.problem === null ? t.totals.missingOnTarget + t.totals.extraOnTarget + t.totals.changed : t.rows),
      0,
    ),
    verify: verified.summary,
    sequences: verified.sequences.map((q) => ({ name: q.name, status: q.status })),
    cutoverMs: context.cutoverMs,
    catchUpMs: context.progress.catchUpMs(),
    workloadTransactions: context.workload.committed(),
    appliedChanges: counts ? counts.inserts + counts.updates + counts.deletes + counts.truncates : 0,
    alerts: context.alerts,
    error: result.status === 'SUCCEEDED' ? null : `${result.error ?? 'unknown'}: ${result.cause ?? ''}`,
  };
}

async function keepRunning(env: LocalCutoverEnvironment, options: RehearsalOptions): Promise<void> {
  options.onProgress(
    `--keep: source ${env.source.url()}, target ${env.target.url()}, alerts ${env.alertsPath}; Ctrl-C to stop`,
  );
  await new Promise<void>((resolve) => {
    if (options.signal.aborted) resolve();
    else options.signal.addEventListener('abort', () => resolve(), { once: true });
  });
}

/** The live view: the state the machine is in, the slot lag, and what the engine applied, once a second. */
class Progress {
  taskArn: string | undefined;
  private state = 'starting';
  private runningAt: number | undefined;
  private caughtUpAt: number | undefined;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly env: LocalCutoverEnvironment,
    private readonly print: (text: string) => void,
  ) {
    this.timer = setInterval(() => void this.tick(), 1000);
  }

  onEvent(event: ExecutionEvent): void {
    if (event.type === 'StateEntered' && event.stateName && event.stateName !== this.state) {
      this.state = event.stateName;
    }
    if (event.type === 'StateExited' && event.stateName === 'CreateCdcTask') {
      this.taskArn = (event.output as { steps?: { task?: { taskArn?: string } } })?.steps?.task?.taskArn;
    }
    if (event.type === 'StateEntered' && event.stateName === 'WaitForCatchUp')
      this.runningAt ??= event.timestamp;
    if (event.type === 'StateEntered' && event.stateName === 'ApprovalRequired')
      this.caughtUpAt ??= event.timestamp;
  }

  catchUpMs(): number | null {
    return this.runningAt && this.caughtUpAt ? this.caughtUpAt - this.runningAt : null;
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private async tick(): Promise<void> {
    const client = await this.env.source
      .connect('postgres', 'dms-cdc-rehearsal-progress')
      .catch(() => undefined);
    if (!client) return;
    try {
      const reading = await buildPgSourceDb(client).readSlot(REHEARSAL_SLOT);
      const counts = this.taskArn ? this.env.dms.appliedCounts(this.taskArn) : undefined;
      const applied = counts ? counts.inserts + counts.updates + counts.deletes : 0;
      this.print(
        `  [${this.state}] slot lag ${formatBytes(reading?.lagBytes ?? null)}, applied ${applied} changes`,
      );
    } finally {
      await client.end().catch(() => undefined);
    }
  }
}
