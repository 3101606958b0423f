import { formatLsn, lsnFromCheckpoint } from '../../core/lsn.js';
import type { DecisionKind } from '../../core/recovery/types.js';
import { type PgNode, readSlotOn, sleep, waitForFailoverSlotSync, waitForReplay } from '../postgres/index.js';
import type { ExecutionStatus, TaskHandler } from '../stepfunctions/index.js';
import {
  DMS_RESTARTS_TASK,
  holdSlot,
  RecoveryRig,
  type RecoveryRun,
  type RowDiff,
  type ScenarioServers,
  SLOT,
} from './rig.js';
import { startRecoveryWorkload } from './workload.js';

/**
 * The recovery fault matrix, each scenario on real PostgreSQL 17 servers, the local DMS engine
 * and the real recover machine. The e2e tests assert on these results and `npm run bench:recovery`
 * prints them, so both prove the same runs.
 */
export interface ScenarioResult {
  readonly scenario: string;
  readonly title: string;
  /** The first decision of the first execution. */
  readonly decision: DecisionKind | null;
  /** Every decision, across every execution of the scenario (a person's re-run included). */
  readonly decisions: readonly DecisionKind[];
  readonly status: ExecutionStatus;
  readonly error: string | null;
  /** From the injected fault to the first execution's action (resume, new task, or its final notification). */
  readonly faultToActionMs: number | null;
  /** Rows of the writer the target lacks at the end, once every data-preserving step was taken. */
  readonly rowsLost: number;
  /** Rows only the target has: a duplicate or a transaction applied twice would show here. */
  readonly rowsExtra: number;
  /** compareTables(writer, target): rows by primary key on one side only or different. */
  readonly mismatches: number;
  readonly dataPreservingPathExists: boolean;
  readonly states: readonly string[];
  readonly notifications: readonly { subject: string; severity: string }[];
  /** The first execution's first Decide output (decision report, task, slot, source). */
  readonly decided: Record<string, unknown> | undefined;
  /** Scenario-specific observations the tests check. */
  readonly facts: Readonly<Record<string, unknown>>;
}

export interface ScenarioOptions {
  readonly servers: ScenarioServers;
  readonly onProgress?: (text: string) => void;
}

type Scenario = (options: ScenarioOptions) => Promise<ScenarioResult>;

const TPS = 40;

/**
 * The task replicates a workload, then the primary is killed and the standby promoted and made the
 * writer the secret names; returns once the task has failed on the lost connection.
 * Asynchronous replication loses what the standby had not received; that loss is the database's, not
 * the recovery's: writes stop and the standby replays everything before the kill.
 */
async function replicateThenFailOver(rig: RecoveryRig) {
  const standby = rig.standby as NonNullable<typeof rig.standby>;
  await rig.startTask();
  const before = await startRecoveryWorkload(rig.source, { transactionsPerSecond: TPS, firstNumber: 1 });
  await rig.waitForTargetRows(20);
  await before.stop();
  await waitForReplay(rig.source, standby);
  const faultAt = Date.now();
  await rig.source.kill();
  await standby.promote();
  rig.repoint(standby);
  const failed = await rig.waitForTask(['failed']);
  return { standby, faultAt, failed };
}

/** (a) A failover slot synced to the standby; the primary is killed, the standby promoted: RESUME on the new writer. */
export const failoverWithSyncedSlot: Scenario = async ({ servers }) => {
  const rig = await RecoveryRig.create(servers, { standby: true, failoverSlot: true });
  try {
    await waitForFailoverSlotSync(rig.source, rig.standby as NonNullable<typeof rig.standby>, SLOT, {
      advance: true,
    });
    const { standby, faultAt, failed } = await replicateThenFailOver(rig);
    const after = await startRecoveryWorkload(standby, { transactionsPerSecond: TPS, firstNumber: 100_000 });
    const run = await rig.recover(
      rig.input({ failover: true, trigger: { kind: 'rds-failover-event', message: 'failover completed' } }),
    );
    await after.stop();
    const diff = await rig.converge();
    return result(
      'a',
      'failover, slot synced to the standby (failover = true)',
      rig,
      run,
      faultAt,
      diff,
      true,
      {
        stopReason: failed.stopReason,
        slotSynced: (run.firstDecision?.slot as { synced?: boolean } | null)?.synced ?? null,
        writesAfterFailover: after.committed(),
      },
    );
  } finally {
    await rig.shutdown();
  }
};

/** (b) A slot without failover: after promotion it does not exist on the new writer. DATA_GAP, nothing restarted. */
export const failoverWithoutFailoverSlot: Scenario = async ({ servers }) => {
  const rig = await RecoveryRig.create(servers, { standby: true, failoverSlot: false });
  try {
    const { standby, faultAt, failed } = await replicateThenFailOver(rig);
    const after = await startRecoveryWorkload(standby, { transactionsPerSecond: TPS, firstNumber: 100_000 });
    await sleep(500);
    const run = await rig.recover(rig.input({ failover: true }));
    await after.stop();
    const [writer] = await standby.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn');
    const oldTask = await rig.dms.describeTask(rig.taskArn);
    const diff = await rig.diff();
    return result(
      'b',
      'failover, slot without failover (lost in the promotion)',
      rig,
      run,
      faultAt,
      diff,
      false,
      {
        checkpointBefore: checkpointLsn(failed.recoveryCheckpoint),
        writerLsnAfter: writer?.lsn ?? null,
        oldTaskStatus: oldTask.status,
        oldTaskCheckpoint: checkpointLsn(oldTask.recoveryCheckpoint),
        slotsOnWriter: await rig.slotsOn(standby),
      },
    );
  } finally {
    await rig.shutdown();
  }
};

/** (c) The replication instance dies mid-stream (RECOVERABLE_ERROR) under a running workload: RESUME, exactly once. */
export const taskCrashMidStream: Scenario = async ({ servers }) => {
  const rig = await RecoveryRig.create(servers);
  try {
    await rig.startTask();
    const workload = await startRecoveryWorkload(rig.source, { transactionsPerSecond: TPS, firstNumber: 1 });
    await rig.waitForTargetRows(15);
    const faultAt = Date.now();
    rig.dms.crashTask(rig.taskArn);
    const failed = await rig.waitForTask(['failed']);
    // The crashed walsender gone: a slot it still holds is scenario (d).
    await rig.waitForSlotReleased();
    const run = await rig.recover(
      rig.input({ trigger: { kind: 'dms-task-event', message: failed.stopReason } }),
    );
    await workload.stop();
    const diff = await rig.converge();
    const after = await rig.dms.describeTask(rig.taskArn);
    return result('c', 'task failed mid-stream (RECOVERABLE_ERROR)', rig, run, faultAt, diff, true, {
      stopReason: failed.stopReason,
      transactions: workload.committed(),
      // What the task reports after the recovery: a resumed task that failed again says why here.
      statusAfter: after.status,
      failureAfter: after.lastFailureMessage ?? null,
    });
  } finally {
    await rig.shutdown();
  }
};

/**
 * (d) A stale walsender holds the slot after the task failed: WAIT_FOR_SLOT, then (policy) terminate and
 * RESUME, or (no policy) ESCALATE after the bounded wait; a person then ends the holder and runs it again.
 */
export function staleSlotHolder(terminate: boolean): Scenario {
  return async ({ servers }) => {
    const rig = await RecoveryRig.create(servers);
    let holder: Awaited<ReturnType<typeof holdSlot>> | undefined;
    try {
      await rig.startTask();
      const workload = await startRecoveryWorkload(rig.source, {
        transactionsPerSecond: TPS,
        firstNumber: 1,
      });
      await rig.waitForTargetRows(10);
      const faultAt = Date.now();
      rig.dms.crashTask(rig.taskArn);
      await rig.waitForTask(['failed']);
      holder = await holdSlot(rig.source, SLOT, 'stale-walsender');
      const run = await rig.recover(rig.input({ policy: { terminateStaleBackend: terminate } }));
      const holderAlive = await backendAlive(rig, holder.pid);
      let rerun: RecoveryRun | undefined;
      if (!terminate) {
        // What the escalation asks of a person: end the stale backend, see the slot free, run the
        // recovery again (the backend exits a moment after its client goes; until then the slot is held).
        await holder.release();
        await rig.waitForSlotReleased();
        rerun = await rig.recover(rig.input());
      }
      await workload.stop();
      const diff = await rig.converge();
      return result(
        terminate ? 'd1' : 'd2',
        `stale walsender holds the slot, terminate ${terminate ? 'allowed' : 'not allowed'}`,
        rig,
        run,
        faultAt,
        diff,
        true,
        {
          holderPid: holder.pid,
          holderAliveAfterFirstRun: holderAlive,
          rerunStatus: rerun?.result.status ?? null,
          rerunDecisions: rerun?.decisions ?? [],
        },
        rerun,
      );
    } finally {
      await holder?.release().catch(() => undefined);
      await rig.shutdown();
    }
  };
}

/** (e) The slot is invalidated by max_slot_wal_keep_size while the task is stopped: DATA_GAP. */
export const slotInvalidated: Scenario = async ({ servers }) => {
  const rig = await RecoveryRig.create(servers, { sourceSettings: { max_slot_wal_keep_size: '1MB' } });
  try {
    await rig.startTask();
    const workload = await startRecoveryWorkload(rig.source, { transactionsPerSecond: TPS, firstNumber: 1 });
    await rig.waitForTargetRows(10);
    await workload.stop();
    await rig.converge();
    await rig.dms.stopTask(rig.taskArn);
    const stopped = await rig.waitForTask(['stopped']);
    const faultAt = Date.now();
    const rounds = await invalidateSlot(rig);
    const run = await rig.recover(rig.input());
    const slot = (await readSlotOn(rig.source, SLOT))?.slot;
    const diff = await rig.diff();
    return result('e', 'slot invalidated by max_slot_wal_keep_size', rig, run, faultAt, diff, false, {
      checkpoint: checkpointLsn(stopped.recoveryCheckpoint),
      walStatus: slot?.walStatus ?? null,
      switchRounds: rounds,
      oldTaskStatus: (await rig.dms.describeTask(rig.taskArn)).status,
    });
  } finally {
    await rig.shutdown();
  }
};

/**
 * (f) The source is unreachable for a while: the machine's Retry backs off and it resumes once the server is
 * back; unreachable past the retries' deadline it escalates, and a person's re-run resumes.
 */
export function sourceUnreachable(backWithinDeadline: boolean): Scenario {
  return async ({ servers }) => {
    const rig = await RecoveryRig.create(servers);
    try {
      await rig.startTask();
      const workload = await startRecoveryWorkload(rig.source, {
        transactionsPerSecond: TPS,
        firstNumber: 1,
      });
      await rig.waitForTargetRows(10);
      await workload.stop();
      const faultAt = Date.now();
      await rig.source.kill();
      const failed = await rig.waitForTask(['failed']);
      // timeScale 0.02: the Decide retries (5, 10, 20, 40, 60, 60 s) take about 3.9 s in all. Back within
      // them: the server is started once the first attempt has failed, before that attempt returns (a
      // timer instead raced the server's start-up, which takes seconds on a busy machine).
      const run = await rig.recover(rig.input(), {
        timeScale: 0.02,
        wrap: (name, handler) =>
          backWithinDeadline && name === 'DecideRecoveryFunctionArn'
            ? startAfterFirstAttempt(handler, rig.source)
            : handler,
      });
      let rerun: RecoveryRun | undefined;
      if (!backWithinDeadline) {
        await rig.source.start();
        rerun = await rig.recover(rig.input());
      }
      const late = await startRecoveryWorkload(rig.source, {
        transactionsPerSecond: TPS,
        firstNumber: 100_000,
      });
      await sleep(300);
      await late.stop();
      const diff = await rig.converge();
      const retries = run.result.events.filter((e) => e.type === 'StateRetried' && e.stateName === 'Decide');
      return result(
        backWithinDeadline ? 'f1' : 'f2',
        `source unreachable, back ${backWithinDeadline ? 'within' : 'after'} the retry deadline`,
        rig,
        run,
        faultAt,
        diff,
        true,
        {
          stopReason: failed.stopReason,
          decideRetries: retries.length,
          rerunStatus: rerun?.result.status ?? null,
          rerunDecisions: rerun?.decisions ?? [],
        },
        rerun,
      );
    } finally {
      if (!rig.source.isRunning()) await rig.source.start().catch(() => undefined);
      await rig.shutdown();
    }
  };
}

/**
 * (g) The task fails with FATAL_ERROR (a target constraint refused a row) while its slot is intact; once
 * the target is fixed: NEW_TASK_FROM_SLOT at the old checkpoint, the old task kept, nothing lost.
 */
export const fatalTaskFailure: Scenario = async ({ servers }) => {
  const rig = await RecoveryRig.create(servers);
  try {
    await rig.startTask();
    const workload = await startRecoveryWorkload(rig.source, { transactionsPerSecond: TPS, firstNumber: 1 });
    await rig.waitForTargetRows(10);
    const faultAt = Date.now();
    await rig.target.query(
      'ALTER TABLE shop.orders ADD CONSTRAINT recovery_blocker CHECK (amount < 0) NOT VALID',
    );
    const failed = await rig.waitForTask(['failed']);
    await rig.target.query('ALTER TABLE shop.orders DROP CONSTRAINT recovery_blocker');
    const run = await rig.recover(
      rig.input({ trigger: { kind: 'dms-task-event', message: failed.stopReason } }),
    );
    await workload.stop();
    const diff = await rig.converge();
    const oldTask = await rig.dms.describeTask(rig.taskArn);
    return result('g', 'task failed with FATAL_ERROR, slot intact', rig, run, faultAt, diff, true, {
      stopReason: failed.stopReason,
      oldTaskStatus: oldTask.status,
      oldTaskCheckpoint: checkpointLsn(oldTask.recoveryCheckpoint),
      newTask: (run.result.output as { steps?: { newTask?: unknown } } | undefined)?.steps?.newTask ?? null,
    });
  } finally {
    await rig.shutdown();
  }
};

/**
 * (h) DMS restarts the task by itself after a recoverable error (RecoverableErrorCount -1, DMS's default): the
 * replication instance dies mid-stream under a workload and the recovery the failure event starts finds DMS
 * bringing the task back. It waits (WAIT_FOR_TASK) instead of acting: no resume of its own, no new task, no
 * terminate; once the task runs and reads the slot it only confirms the slot advances. Nothing lost or doubled.
 */
export const dmsRestartsTask: Scenario = async ({ servers }) => {
  const rig = await RecoveryRig.create(servers);
  try {
    await rig.startTask(DMS_RESTARTS_TASK);
    const workload = await startRecoveryWorkload(rig.source, { transactionsPerSecond: TPS, firstNumber: 1 });
    await rig.waitForTargetRows(15);
    const faultAt = Date.now();
    rig.dms.crashTask(rig.taskArn);
    const failed = await rig.waitForTask(['failed']);
    // Terminating is allowed, so a machine that took DMS's new walsender for a stale one would show it.
    const run = await rig.recover(
      rig.input({
        policy: { terminateStaleBackend: true },
        trigger: { kind: 'dms-task-event', message: failed.stopReason },
      }),
    );
    await workload.stop();
    const diff = await rig.converge();
    return result(
      'h',
      'DMS restarts the task itself (RecoverableErrorCount -1)',
      rig,
      run,
      faultAt,
      diff,
      true,
      {
        stopReason: failed.stopReason,
        dmsRestarts: rig.dms.selfRestartCount(rig.taskArn),
        machineStarts: run.startCalls,
        machineCreates: run.createCalls,
        terminated: run.states.includes('TerminateHolder'),
        taskStatus: (await rig.dms.describeTask(rig.taskArn)).status,
        transactions: workload.committed(),
      },
    );
  } finally {
    await rig.shutdown();
  }
};

/** The whole matrix, in the order the issue lists it. */
export const SCENARIOS: readonly { readonly id: string; readonly run: Scenario }[] = [
  { id: 'a', run: failoverWithSyncedSlot },
  { id: 'b', run: failoverWithoutFailoverSlot },
  { id: 'c', run: taskCrashMidStream },
  { id: 'd1', run: staleSlotHolder(true) },
  { id: 'd2', run: staleSlotHolder(false) },
  { id: 'e', run: slotInvalidated },
  { id: 'f1', run: sourceUnreachable(true) },
  { id: 'f2', run: sourceUnreachable(false) },
  { id: 'g', run: fatalTaskFailure },
  { id: 'h', run: dmsRestartsTask },
];

function result(
  scenario: string,
  title: string,
  rig: RecoveryRig,
  run: RecoveryRun,
  faultAt: number,
  diff: RowDiff,
  dataPreservingPathExists: boolean,
  facts: Record<string, unknown>,
  rerun?: RecoveryRun,
): ScenarioResult {
  return {
    scenario,
    title,
    decision: run.decisions[0] ?? null,
    decisions: [...run.decisions, ...(rerun?.decisions ?? [])],
    status: run.result.status,
    error: run.result.error ?? null,
    faultToActionMs: run.actionAt === null ? null : run.actionAt - faultAt,
    rowsLost: diff.lost,
    rowsExtra: diff.extra,
    mismatches: diff.mismatches,
    dataPreservingPathExists,
    states: run.states,
    notifications: rig.alerts.published.map((a) => ({ subject: a.subject, severity: a.severity })),
    decided: run.firstDecision,
    facts,
  };
}

/** Writes WAL and forces checkpoints until the slot's WAL is removed (wal_status lost). */
async function invalidateSlot(rig: RecoveryRig): Promise<number> {
  for (let round = 1; round <= 40; round += 1) {
    await rig.source.query(
      `INSERT INTO shop.customers (email, name) SELECT 'filler' || g || '-' || $1 || '@example.com', repeat('x', 200)
         FROM generate_series(1, 2000) g`,
      [round],
    );
    await rig.source.query('SELECT pg_switch_wal()');
    await rig.source.query('CHECKPOINT');
    const slot = (await readSlotOn(rig.source, SLOT))?.slot;
    if (slot?.walStatus === 'lost') return round;
  }
  throw new Error(`slot ${SLOT} still holds its WAL after 40 rounds of pg_switch_wal() and CHECKPOINT`);
}

/** The handler, with `source` started after its first attempt and before that attempt returns or fails. */
function startAfterFirstAttempt(handler: TaskHandler, source: PgNode): TaskHandler {
  let attempts = 0;
  return (async (event: unknown, context: unknown) => {
    attempts += 1;
    const first = attempts === 1;
    try {
      return await (handler as (e: unknown, c: unknown) => Promise<unknown>)(event, context);
    } finally {
      if (first) await source.start();
    }
  }) as TaskHandler;
}

async function backendAlive(rig: RecoveryRig, pid: number): Promise<boolean> {
  const rows = await rig.writer.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [pid]);
  return rows.length > 0;
}

function checkpointLsn(checkpoint: string | undefined): string | null {
  return checkpoint === undefined ? null : formatLsn(lsnFromCheckpoint(checkpoint));
}
