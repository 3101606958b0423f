import { Logger } from '@aws-lambda-powertools/logger';
import type { CheckCatchUpResult } from '../../functions/check-catch-up.js';
import type { CreateCdcTaskResult } from '../../functions/create-cdc-task.js';
import { type DecideRecoveryResult, makeHandler as decideRecovery } from '../../functions/decide-recovery.js';
import { makeHandler as notifyRecovery } from '../../functions/notify-recovery.js';
import { makeHandler as pollTask } from '../../functions/poll-task.js';
import { makeHandler as startTask } from '../../functions/start-task.js';
import { makeHandler as stopTask } from '../../functions/stop-task.js';
import type { TerminateSlotHolderResult } from '../../functions/terminate-slot-holder.js';
import type { PgConnector, PgSession } from '../../src/adapters/pg/client.js';
import { SourceUnreachableError } from '../../src/adapters/pg/client.js';
import { hasRun } from '../../src/core/cdc/start-rule.js';
import { evaluateCatchUp } from '../../src/core/cutover/catch-up.js';
import type { CatchUpPollRequest } from '../../src/core/cutover/catch-up-poll.js';
import {
  DmsInvalidStateError,
  DmsResourceNotFoundError,
  DmsThrottledError,
  TaskFailedError,
} from '../../src/core/dms/errors.js';
import { formatLsn, type Lsn, lsnFromBigInt, lsnFromCheckpoint, parseLsn } from '../../src/core/lsn.js';
import { TerminationNotAllowedError } from '../../src/core/recovery/errors.js';
import { SlotNotFoundError, StartPositionTooOldError } from '../../src/core/slot-errors.js';
import { stopReasonCode, taskStopReason } from '../../src/core/stop-reason.js';
import type { TaskHandler } from '../../src/local/stepfunctions/index.js';
import type { AlertMessage } from '../../src/ports/alerts.js';
import type { Clock } from '../../src/ports/clock.js';
import type { Dms, Endpoint, StartType, Task, TaskStatus } from '../../src/ports/dms.js';
import { portTask } from '../unit/dms/fixtures.js';

/**
 * An in-memory world for driving the recover ASL with generated runs: one DMS task (status, StopReason in
 * DMS's long forms, RecoveryCheckpoint, whether it ever ran, its source endpoint's slot), the slot on the
 * writer (exists, holder, confirmed_flush_lsn, restart_lsn, wal_status, failover/synced), the writer's LSN,
 * pg_is_in_recovery and whether it answers at all, and how all of it moves on between observations: DMS
 * restarting the task by itself after a recoverable error, a stale walsender exiting (or not), the slot
 * advancing (or not) once a task reads it, throttling, a source unreachable for k attempts.
 *
 * The handlers that hold the machine's decisions run for real with fake ports: decide-recovery (a fake DMS,
 * a fake secret store and a fake pg connector whose sessions answer the slot and position statements from
 * this world), start-task (its start rule), poll-task, stop-task and notify-recovery (a recording Alerts).
 * The three that need a database for their own work (terminate-slot-holder, check-catch-up,
 * create-cdc-task) are scripted here in the shape of their real results. Time is virtual: each invocation
 * moves the clock by the Wait the machine made before it, so every bounded loop ends.
 */

export const OLD_TASK_ARN = 'arn:aws:dms:us-east-1:123456789012:task:MODELOLD';
const INSTANCE_ARN = 'arn:aws:dms:us-east-1:123456789012:rep:MODELRI';
const SOURCE_ENDPOINT_ARN = 'arn:aws:dms:us-east-1:123456789012:endpoint:MODELSRC';
const TARGET_ENDPOINT_ARN = 'arn:aws:dms:us-east-1:123456789012:endpoint:MODELTGT';
const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:model-src-AbCdEf';
export const SLOT = 'dms_slot';
const DATABASE = 'shop';
const START_MS = Date.parse('2026-03-01T12:00:00.000Z');

/** Stops and failures as DescribeReplicationTasks reports them (StopReason, LastFailureMessage). */
export const DMS_STOPS = {
  none: { stopReason: undefined, lastFailureMessage: undefined },
  recoverable: {
    stopReason: 'Last Error  ODBC general error. Stop Reason RECOVERABLE_ERROR Error Level RECOVERABLE',
    lastFailureMessage:
      'Last Error  ODBC general error. Stop Reason RECOVERABLE_ERROR Error Level RECOVERABLE',
  },
  fatal: {
    stopReason:
      'Last Error Replication slot "dms_slot" is active for PID 4242 Stop Reason FATAL_ERROR Error Level FATAL',
    lastFailureMessage:
      'Last Error Replication slot "dms_slot" is active for PID 4242 Stop Reason FATAL_ERROR Error Level FATAL',
  },
  /** StopReason names no code; LastFailureMessage carries it. */
  fatalInFailureMessage: {
    stopReason: undefined,
    lastFailureMessage:
      'Last Error Resume from timestamp is not supported Task error notification received from subtask 0 Stop Reason FATAL_ERROR Error Level FATAL',
  },
  normal: { stopReason: 'Stop Reason NORMAL', lastFailureMessage: undefined },
  atServerTime: { stopReason: 'Stop Reason STOPPED_AT_SERVER_TIME', lastFailureMessage: undefined },
  lowDisk: { stopReason: 'Stop Reason STOPPED_DUE_TO_LOW_DISK', lastFailureMessage: undefined },
} as const satisfies Record<
  string,
  { stopReason: string | undefined; lastFailureMessage: string | undefined }
>;
export type DmsStop = keyof typeof DMS_STOPS;

export type WalStatus = 'reserved' | 'extended' | 'unreserved' | 'lost';

export type LambdaFault = 'Lambda.TooManyRequestsException' | 'Lambda.ServiceException';

export interface RecoverScenario {
  readonly task: {
    /** false: DescribeReplicationTasks finds no such task (deleted, its checkpoint with it). */
    readonly exists: boolean;
    readonly status: TaskStatus;
    readonly stop: DmsStop;
    /** StartDate set (status stopped/failed mean it ran anyway). */
    readonly everRan: boolean;
    /** RecoveryCheckpoint LSN as an offset from the slot's restart_lsn (negative: before it); null: none. */
    readonly checkpointOffset: number | null;
    /** ReplicationTaskSettings ErrorBehavior.RecoverableErrorCount: -1 (DMS's default), 0, or absent. */
    readonly recoverableErrorCount: -1 | 0 | null;
    readonly endpoint: 'same' | 'other-slot' | 'gone';
    /** A task reported running reads the slot (its walsender holds it); else DMS is reconnecting it. */
    readonly readsSlot: boolean;
  };
  readonly dms: {
    /** The observation at which DMS restarts a RECOVERABLE_ERROR task by itself; null: it never does. */
    readonly selfRestartAt: number | null;
    /** The observation at which a task DMS is starting or stopping settles; null: never. */
    readonly settleAt: number | null;
    /** A task reported running that does not read the slot reconnects at this observation; null: never. */
    readonly reconnectAt: number | null;
    /** DMS restarts the task by itself exactly when the machine's resume reaches it (InvalidResourceStateFault). */
    readonly raceOnResume: boolean;
    /** A task the machine starts fails again at once (the fault that stopped it is still there). */
    readonly failsAfterStart: boolean;
    /** DMS API calls (1-based, in order) answered with ThrottlingException. */
    readonly throttledCalls: readonly number[];
  };
  readonly slot: {
    readonly exists: boolean;
    readonly walStatus: WalStatus;
    readonly failover: boolean;
    readonly synced: boolean;
    /** confirmed_flush_lsn - restart_lsn. */
    readonly confirmedAhead: number;
    /** A stale walsender holds it (not the task), exiting at that observation (null: never). */
    readonly staleHolder: { readonly pid: number; readonly exitsAt: number | null } | null;
    /** A terminated holder's client reconnects at once (a new PID). */
    readonly holderRespawns: boolean;
    /** A task that reads the slot advances confirmed_flush_lsn. */
    readonly advances: boolean;
  };
  readonly writer: {
    /** server LSN - confirmed_flush_lsn. */
    readonly serverAhead: number;
    /** Bytes of WAL written between two observations. */
    readonly growth: number;
    readonly inRecovery: boolean;
    /** Connection attempts refused before the source answers. */
    readonly unreachableFor: number;
  };
  readonly failover: boolean;
  readonly terminateStaleBackend: boolean;
  readonly replacement: boolean;
  readonly slotWaitTimeoutSeconds: number;
  readonly taskWaitTimeoutSeconds: number;
  /** A notification kind whose publication fails (SNS refuses it). */
  readonly notifyFails: string | null;
  /** Lambda service errors thrown by the nth invocation of a handler (the ASL retries them). */
  readonly lambdaFaults: readonly {
    readonly handler: string;
    readonly call: number;
    readonly error: LambdaFault;
  }[];
}

interface SlotState {
  exists: boolean;
  walStatus: WalStatus;
  failover: boolean;
  synced: boolean;
  confirmed: bigint;
  restart: bigint;
  holder: { pid: number; application: string; by: 'stale' | string } | null;
  recreated: number;
}

/** What the world looked like when a decision was made (for the invariants). */
export interface DecisionRecord {
  readonly tick: number;
  readonly atMs: number;
  readonly result: DecideRecoveryResult;
  readonly withoutSource: boolean;
  readonly task: Task | undefined;
  readonly slot: {
    readonly exists: boolean;
    readonly walStatus: WalStatus;
    readonly confirmed: bigint;
    readonly restart: bigint;
    readonly holderPid: number | null;
    readonly holderBy: string | null;
  } | null;
  readonly server: bigint;
  readonly inRecovery: boolean;
  readonly endpointSlot: string | null;
}

export interface StartRecord {
  readonly taskArn: string;
  readonly startType: StartType;
  readonly statusBefore: TaskStatus;
  readonly ran: boolean;
  readonly tick: number;
  /** DMS accepted it (false: InvalidResourceStateFault). */
  readonly accepted: boolean;
  /** DMS itself was restarting this task when the call arrived. */
  readonly dmsRestarting: boolean;
  /** Index in decisions of the last decision before the call. */
  readonly afterDecision: number;
}

export interface WorldRecord {
  readonly handlers: string[];
  readonly decisions: DecisionRecord[];
  readonly starts: StartRecord[];
  readonly stops: string[];
  readonly creates: { readonly payload: Record<string, unknown>; readonly result: CreateCdcTaskResult }[];
  readonly terminates: {
    readonly pid: number;
    readonly allowed: boolean;
    readonly holderPid: number | null;
    /** Who held the slot then: a stale walsender, or the ARN of the task whose walsender it was. */
    readonly holderBy: string | null;
    /** Index in decisions of the last decision before the call. */
    readonly afterDecision: number;
  }[];
  /** Every notification kind the machine asked for, published or not. */
  readonly notifyAttempts: string[];
  readonly notifications: { readonly kind: string; readonly message: AlertMessage }[];
  readonly failedPublications: string[];
  /** Anything that dropped, created or recreated the slot (DMS does on a restart): must stay empty. */
  readonly slotRecreations: string[];
  /** SQL the world does not answer (anything but the two read statements): must stay empty. */
  readonly unexpectedSql: string[];
  dmsSelfRestarts: number;
  /** The observation at which DMS first restarted the task by itself. */
  dmsSelfRestartTick: number | null;
}

/** More invocations than any bounded recovery needs: the machine loops (the run is stopped, and fails). */
const MAX_INVOCATIONS = 400;

const silent = new Logger({ serviceName: 'dms-cdc-model', logLevel: 'SILENT' });

const BASE = 0x4afn << 32n; // restart_lsn at the start: 4AF/0

export class RecoverWorld {
  readonly record: WorldRecord = {
    handlers: [],
    decisions: [],
    starts: [],
    stops: [],
    creates: [],
    terminates: [],
    notifyAttempts: [],
    notifications: [],
    failedPublications: [],
    slotRecreations: [],
    unexpectedSql: [],
    dmsSelfRestarts: 0,
    dmsSelfRestartTick: null,
  };
  readonly tasks = new Map<string, Task>();
  /** Who moves a task on: the machine (transitions on the next describe) or DMS (on the next observations). */
  private readonly driver = new Map<string, 'machine' | 'dms'>();
  readonly slot: SlotState;
  server: bigint;
  nowMs = START_MS;
  tick = 0;
  private settleAt: number | null;
  private dmsCalls = 0;
  private connects = 0;
  private raced = false;
  private nextPid = 7001;
  private readonly calls = new Map<string, number>();
  private notifyKind = '';
  private lastCall: { name: string; threw: boolean } | null = null;
  private current: { task: Task | undefined; endpointSlot: string | null; read: boolean } | null = null;
  /** The slot and position as the fake pg last served them to decide-recovery. */
  private served: DecisionRecord['slot'] = null;
  readonly clock: Clock = { now: () => this.nowMs, sleep: async () => undefined };
  /** Stops the execution (pass its signal to the runner) once it has looped past MAX_INVOCATIONS. */
  readonly abort = new AbortController();
  runaway = false;

  constructor(readonly scenario: RecoverScenario) {
    const s = scenario;
    const restart = BASE + 0xa000n;
    const confirmed = restart + BigInt(s.slot.confirmedAhead);
    this.server = confirmed + BigInt(s.writer.serverAhead);
    this.settleAt = s.dms.settleAt;
    const taskPid = 6001;
    const readsNow = s.task.exists && s.task.status === 'running' && s.task.readsSlot;
    this.slot = {
      exists: s.slot.exists,
      walStatus: s.slot.walStatus,
      failover: s.slot.failover,
      synced: s.slot.synced,
      confirmed,
      restart,
      holder: null,
      recreated: 0,
    };
    if (s.task.exists) {
      const stop = DMS_STOPS[s.task.stop];
      const checkpoint =
        s.task.checkpointOffset === null
          ? undefined
          : checkpointText(restart + BigInt(s.task.checkpointOffset));
      const settings =
        s.task.recoverableErrorCount === null
          ? undefined
          : JSON.stringify({ ErrorBehavior: { RecoverableErrorCount: s.task.recoverableErrorCount } });
      this.tasks.set(OLD_TASK_ARN, {
        arn: OLD_TASK_ARN,
        identifier: 'shop-cdc-old',
        status: s.task.status,
        migrationType: 'cdc',
        replicationInstanceArn: INSTANCE_ARN,
        sourceEndpointArn: SOURCE_ENDPOINT_ARN,
        targetEndpointArn: TARGET_ENDPOINT_ARN,
        tableMappings: '{"rules":[]}',
        cdcStartPosition: formatLsn(lsnFromBigInt(restart - 0x1000n)),
        cdcStopPosition: undefined,
        stopReason: stop.stopReason,
        lastFailureMessage: stop.lastFailureMessage,
        recoveryCheckpoint: checkpoint,
        ...(settings === undefined ? {} : { replicationTaskSettings: settings }),
        startDate: s.task.everRan ? new Date(START_MS - 3_600_000) : undefined,
        stopDate: undefined,
      });
      this.driver.set(OLD_TASK_ARN, 'dms');
    }
    if (readsNow && this.slotUsable())
      this.slot.holder = { pid: taskPid, application: 'dms', by: OLD_TASK_ARN };
    else if (s.slot.staleHolder && s.slot.exists) {
      this.slot.holder = { pid: s.slot.staleHolder.pid, application: 'PostgreSQL JDBC Driver', by: 'stale' };
    }
  }

  /** The execution input (timing small and fixed; waits are virtual). */
  input(): Record<string, unknown> {
    const s = this.scenario;
    return {
      taskArn: OLD_TASK_ARN,
      source: { secretArn: SECRET_ARN, database: DATABASE },
      slotName: SLOT,
      failover: s.failover,
      policy: { terminateStaleBackend: s.terminateStaleBackend },
      ...(s.replacement && { replacement: { identifierPrefix: 'shop', sourceName: 'shop-db' } }),
      timing: {
        pollSeconds: 10,
        runningTimeoutSeconds: 120,
        stopTimeoutSeconds: 120,
        slotWaitSeconds: 30,
        slotWaitTimeoutSeconds: s.slotWaitTimeoutSeconds,
        taskWaitSeconds: 30,
        taskWaitTimeoutSeconds: s.taskWaitTimeoutSeconds,
        catchUp: {
          maxLagBytes: 4096,
          maxLatencySeconds: 60,
          consecutivePolls: 2,
          catchUpTimeoutSeconds: 120,
        },
      },
      trigger: { kind: s.failover ? 'rds-failover-event' : 'dms-task-event', id: 'model' },
    };
  }

  handlers(): Record<string, TaskHandler> {
    const dms = this.dms();
    const real = {
      DecideRecoveryFunctionArn: decideRecovery({
        dms,
        secrets: {
          getSecretString: async () =>
            JSON.stringify({
              username: 'dms_user',
              password: 'model-password',
              host: 'writer.model.internal',
              port: 5432,
              dbname: DATABASE,
            }),
        },
        connect: this.connector(),
        clock: this.clock,
        logger: silent,
        env: { SOURCE_TLS: 'require' },
      }),
      StartTaskFunctionArn: startTask({ logger: silent, dms }),
      PollTaskFunctionArn: pollTask({ logger: silent, dms, clock: this.clock }),
      StopTaskFunctionArn: stopTask({ logger: silent, dms }),
      NotifyRecoveryFunctionArn: notifyRecovery({
        logger: silent,
        clock: this.clock,
        alerts: {
          publish: async (message) => {
            if (this.notifyKind === this.scenario.notifyFails) {
              this.record.failedPublications.push(this.notifyKind);
              const error = new Error('User is not authorized to perform: kms:GenerateDataKey (model)');
              error.name = 'AuthorizationErrorException';
              throw error;
            }
            this.record.notifications.push({ kind: this.notifyKind, message });
            return { messageId: `m-${this.record.notifications.length}` };
          },
        },
      }),
    } as unknown as Record<string, TaskHandler>;
    const scripted: Record<string, TaskHandler> = {
      TerminateSlotHolderFunctionArn: (event: never) => this.terminate(event),
      CheckCatchUpFunctionArn: (event: never) => this.checkCatchUp(event),
      CreateCdcTaskFunctionArn: (event: never) => this.createTask(event),
    };
    const all = { ...real, ...scripted };
    return Object.fromEntries(Object.entries(all).map(([name, h]) => [name, this.recorded(name, h)]));
  }

  /** Invocation wrapper: moves virtual time, evolves the world per observation, injects faults, records. */
  private recorded(name: string, handler: TaskHandler): TaskHandler {
    return (async (event: never, context: never) => {
      const call = (this.calls.get(name) ?? 0) + 1;
      this.calls.set(name, call);
      this.record.handlers.push(name);
      if (this.record.handlers.length > MAX_INVOCATIONS) {
        this.runaway = true;
        this.abort.abort();
        throw new Error(`model: more than ${MAX_INVOCATIONS} invocations, the machine does not end`);
      }
      this.advanceClock(name, event);
      const fault = this.scenario.lambdaFaults.find((f) => f.handler === name && f.call === call);
      if (fault) {
        this.lastCall = { name, threw: true };
        throw lambdaError(fault.error);
      }
      if (name === 'DecideRecoveryFunctionArn') return this.decide(handler, event, context);
      if (name === 'NotifyRecoveryFunctionArn') {
        this.notifyKind = (event as { kind: string }).kind;
        this.record.notifyAttempts.push(this.notifyKind);
      }
      try {
        const result = await handler(event, context);
        this.lastCall = { name, threw: false };
        return result;
      } catch (error) {
        this.lastCall = { name, threw: true };
        throw error;
      }
    }) as TaskHandler;
  }

  /** Each invocation comes after the Wait (or Retry pause) the machine made: time moves by that much. */
  private advanceClock(name: string, event: unknown): void {
    const retrying = this.lastCall?.name === name && this.lastCall.threw;
    let seconds = 1;
    if (retrying) seconds = 5;
    else if (name === 'DecideRecoveryFunctionArn') {
      const kind = (event as { previous?: { decision?: { kind?: string } } | null }).previous?.decision?.kind;
      if (kind === 'WAIT_FOR_SLOT') seconds = 30;
      else if (kind === 'WAIT_FOR_TASK') seconds = 30;
    } else if (name === 'PollTaskFunctionArn' || name === 'CheckCatchUpFunctionArn') seconds = 10;
    this.nowMs += seconds * 1000;
  }

  /** One observation: the world moves on, then decide-recovery (real) reads it. */
  private async decide(handler: TaskHandler, event: never, context: never): Promise<unknown> {
    this.tick += 1;
    this.evolve();
    const withoutSource = (event as { sourceUnreachable?: boolean }).sourceUnreachable === true;
    this.current = { task: undefined, endpointSlot: null, read: false };
    this.served = null;
    try {
      const result = (await handler(event, context)) as DecideRecoveryResult;
      this.lastCall = { name: 'DecideRecoveryFunctionArn', threw: false };
      this.record.decisions.push({
        tick: this.tick,
        atMs: this.nowMs,
        result,
        withoutSource,
        task: this.current.task,
        slot: this.served,
        server: this.server,
        inRecovery: this.scenario.writer.inRecovery,
        endpointSlot: this.current.endpointSlot,
      });
      return result;
    } catch (error) {
      this.lastCall = { name: 'DecideRecoveryFunctionArn', threw: true };
      throw error;
    } finally {
      this.current = null;
    }
  }

  /** What DMS and the source do by themselves between two observations. */
  private evolve(): void {
    const s = this.scenario;
    const t = this.tick;
    this.server += BigInt(s.writer.growth);
    const holder = this.slot.holder;
    if (holder?.by === 'stale' && s.slot.staleHolder?.exitsAt != null && t >= s.slot.staleHolder.exitsAt) {
      this.slot.holder = null;
    }
    const old = this.tasks.get(OLD_TASK_ARN);
    if (old && this.driver.get(OLD_TASK_ARN) === 'dms') {
      const settled = this.settleAt !== null && t >= this.settleAt;
      if (old.status === 'starting' && settled) this.run(OLD_TASK_ARN);
      else if (old.status === 'stopping' && settled) {
        this.update(OLD_TASK_ARN, { status: 'stopped', ...DMS_STOPS.normal, stopDate: new Date(this.nowMs) });
        this.release(OLD_TASK_ARN);
      } else if (old.status === 'running' && this.slot.holder?.by !== OLD_TASK_ARN) {
        if (s.dms.reconnectAt !== null && t >= s.dms.reconnectAt) this.attach(OLD_TASK_ARN);
      } else if (
        (old.status === 'failed' || old.status === 'stopped') &&
        this.dmsRestartsIt(old) &&
        s.dms.selfRestartAt !== null &&
        t >= s.dms.selfRestartAt &&
        this.slotUsable() &&
        this.slot.holder === null
      ) {
        this.dmsRestart();
        this.settleAt = t + 1;
      }
    }
    for (const [arn, task] of this.tasks) {
      if (task.status === 'running' && this.slot.holder?.by === arn && s.slot.advances) this.advance();
    }
  }

  private dmsRestartsIt(task: Task): boolean {
    const code = taskStopReason(task).code;
    return code === 'RECOVERABLE_ERROR' && this.scenario.task.recoverableErrorCount !== 0;
  }

  private dmsRestart(): void {
    this.record.dmsSelfRestarts += 1;
    this.record.dmsSelfRestartTick ??= this.tick;
    this.update(OLD_TASK_ARN, { status: 'starting', stopReason: undefined, startDate: new Date(this.nowMs) });
    this.driver.set(OLD_TASK_ARN, 'dms');
  }

  slotUsable(): boolean {
    return this.slot.exists && this.slot.walStatus !== 'lost';
  }

  private attach(arn: string): void {
    if (!this.slotUsable()) return;
    if (this.slot.holder !== null && this.slot.holder.by !== arn) return;
    this.slot.holder = { pid: this.nextPid++, application: 'dms', by: arn };
  }

  private release(arn: string): void {
    if (this.slot.holder?.by === arn) this.slot.holder = null;
  }

  private advance(): void {
    if (this.slot.confirmed < this.server) {
      this.slot.restart = this.slot.confirmed;
      this.slot.confirmed = this.server;
    }
  }

  private update(arn: string, patch: Partial<Task>): void {
    const task = this.tasks.get(arn);
    if (task) this.tasks.set(arn, { ...task, ...patch });
  }

  /** A task DMS (or the machine) started: running, reading the slot, or failing as DMS would. */
  private run(arn: string): void {
    const task = this.tasks.get(arn);
    if (!task) return;
    const byMachine = this.driver.get(arn) === 'machine';
    const problem =
      this.whyStartFails(task) ??
      (byMachine && this.scenario.dms.failsAfterStart
        ? 'ODBC general error (model: the fault is still there)'
        : null);
    if (problem !== null) {
      this.update(arn, {
        status: 'failed',
        stopReason: `Last Error ${problem} Stop Reason FATAL_ERROR Error Level FATAL`,
        lastFailureMessage: `Last Error ${problem} Stop Reason FATAL_ERROR Error Level FATAL`,
        stopDate: new Date(this.nowMs),
      });
      return;
    }
    this.update(arn, { status: 'running', stopReason: undefined, lastFailureMessage: undefined });
    this.attach(arn);
  }

  private whyStartFails(task: Task): string | null {
    if (!this.slot.exists) return `Replication slot "${SLOT}" does not exist`;
    if (this.slot.walStatus === 'lost') return `can no longer get changes from replication slot "${SLOT}"`;
    if (this.slot.holder !== null && this.slot.holder.by !== task.arn) {
      return `Replication slot "${SLOT}" is active for PID ${this.slot.holder.pid}`;
    }
    const checkpoint = task.recoveryCheckpoint ? lsnFromCheckpoint(task.recoveryCheckpoint) : null;
    if (task.arn === OLD_TASK_ARN && checkpoint !== null && checkpoint < this.slot.restart) {
      return 'requested WAL segment has already been removed';
    }
    return null;
  }

  /** The fake DMS: every call counted (throttling), every start checked against whether the task ran. */
  private dms(): Dms {
    const throttle = (operation: string) => {
      this.dmsCalls += 1;
      if (this.scenario.dms.throttledCalls.includes(this.dmsCalls)) {
        throw new DmsThrottledError(operation, 'Rate exceeded (model)');
      }
    };
    const get = (operation: string, arn: string): Task => {
      const task = this.tasks.get(arn);
      if (!task) throw new DmsResourceNotFoundError(operation, 'task', `No task found for ${arn}`);
      return task;
    };
    const partial: Pick<Dms, 'describeTask' | 'describeEndpoint' | 'startTask' | 'stopTask'> = {
      describeTask: async (arn) => {
        throttle('DescribeReplicationTasks');
        let task = get('DescribeReplicationTasks', arn);
        if (this.driver.get(arn) === 'machine') {
          if (task.status === 'starting') this.run(arn);
          else if (task.status === 'creating') this.update(arn, { status: 'ready' });
          else if (task.status === 'stopping') {
            this.update(arn, { status: 'stopped', ...DMS_STOPS.normal, stopDate: new Date(this.nowMs) });
            this.release(arn);
          }
          task = get('DescribeReplicationTasks', arn);
        }
        if (this.current && arn === OLD_TASK_ARN) this.current.task = task;
        return task;
      },
      describeEndpoint: async (arn) => {
        throttle('DescribeEndpoints');
        const endpoint = this.endpoint(arn);
        if (this.current) this.current.endpointSlot = endpoint.slotName ?? null;
        return endpoint;
      },
      startTask: async (arn, startType) => {
        throttle('StartReplicationTask');
        const task = get('StartReplicationTask', arn);
        const ran = hasRun(task);
        const dmsRestarting =
          this.driver.get(arn) === 'dms' && (task.status === 'starting' || task.status === 'running');
        const base = {
          taskArn: arn,
          startType,
          statusBefore: task.status,
          ran,
          tick: this.tick,
          dmsRestarting,
          afterDecision: this.record.decisions.length - 1,
        };
        if (
          arn === OLD_TASK_ARN &&
          this.scenario.dms.raceOnResume &&
          !this.raced &&
          this.dmsRestartsIt(task) &&
          this.slotUsable() &&
          this.slot.holder === null
        ) {
          // DMS's own restart got there first: the task is starting when the machine's call arrives.
          this.raced = true;
          this.dmsRestart();
          this.settleAt = this.tick + 1;
          this.record.starts.push({
            ...base,
            statusBefore: 'starting',
            accepted: false,
            dmsRestarting: true,
          });
          throw new DmsInvalidStateError(
            'StartReplicationTask',
            arn,
            'Task is already starting (model race)',
          );
        }
        if (!['ready', 'stopped', 'failed'].includes(task.status)) {
          this.record.starts.push({ ...base, accepted: false });
          throw new DmsInvalidStateError('StartReplicationTask', arn, `Task is ${task.status}`);
        }
        this.record.starts.push({ ...base, accepted: true });
        if (startType === 'reload-target' || (startType === 'start-replication' && ran)) {
          // What DMS does on a restart of a CDC task: the slot is dropped and created anew, its changes gone.
          this.record.slotRecreations.push(`${startType} on ${arn} (it had run)`);
          this.slot.recreated += 1;
          this.slot.restart = this.server;
          this.slot.confirmed = this.server;
          this.slot.walStatus = 'reserved';
          this.slot.exists = true;
        }
        this.update(arn, { status: 'starting', startDate: new Date(this.nowMs), stopReason: undefined });
        this.driver.set(arn, 'machine');
        return get('StartReplicationTask', arn);
      },
      stopTask: async (arn) => {
        throttle('StopReplicationTask');
        get('StopReplicationTask', arn);
        this.record.stops.push(arn);
        this.update(arn, { status: 'stopping' });
        this.driver.set(arn, 'machine');
        return get('StopReplicationTask', arn);
      },
    };
    return partial as Dms;
  }

  private endpoint(arn: string): Endpoint {
    const which = this.scenario.task.endpoint;
    if (arn !== SOURCE_ENDPOINT_ARN || which === 'gone') {
      throw new DmsResourceNotFoundError('DescribeEndpoints', 'endpoint', `No endpoint found for ${arn}`);
    }
    return {
      arn,
      identifier: 'shop-src',
      endpointType: 'source',
      engineName: 'postgres',
      databaseName: DATABASE,
      slotName: which === 'same' ? SLOT : 'another_slot',
      pluginName: 'test-decoding',
      status: 'active',
    };
  }

  /** pg sessions that answer decide-recovery's two statements from the world; anything else is recorded. */
  private connector(): PgConnector {
    return async () => {
      this.connects += 1;
      if (this.connects <= this.scenario.writer.unreachableFor) {
        throw new SourceUnreachableError(
          'cannot reach dms_user@writer.model.internal:5432/shop (ECONNREFUSED): connect ECONNREFUSED (model)',
          'Check the host and port in the source secret',
        );
      }
      const session = {
        query: async (sql: string, params: unknown[] = []) => {
          if (/pg_drop_replication_slot|pg_create_logical_replication_slot/i.test(sql)) {
            this.record.slotRecreations.push(sql);
          }
          if (sql.includes('FROM pg_replication_slots s')) return { rows: this.slotRows(params[0]) };
          if (sql.includes('pg_current_wal_lsn()') && !sql.includes('FROM')) {
            return {
              rows: [{ server_lsn: lsnText(this.server), in_recovery: this.scenario.writer.inRecovery }],
            };
          }
          this.record.unexpectedSql.push(sql);
          throw new Error(`model: unexpected SQL ${sql.slice(0, 80)}`);
        },
        end: async () => undefined,
      };
      return session as unknown as PgSession;
    };
  }

  private slotRows(name: unknown): Record<string, unknown>[] {
    if (this.current) this.current.read = true;
    const slot = this.slot;
    if (!slot.exists || (name !== null && name !== SLOT)) {
      return [];
    }
    const lost = slot.walStatus === 'lost';
    if (this.current) {
      this.served = {
        exists: true,
        walStatus: slot.walStatus,
        confirmed: slot.confirmed,
        restart: slot.restart,
        holderPid: slot.holder?.pid ?? null,
        holderBy: slot.holder?.by ?? null,
      };
    }
    return [
      {
        slot_name: SLOT,
        slot_type: 'logical',
        plugin: 'test_decoding',
        database: DATABASE,
        temporary: false,
        active: slot.holder !== null,
        active_pid: slot.holder?.pid ?? null,
        application_name: slot.holder?.application ?? null,
        // PostgreSQL clears restart_lsn when it invalidates a slot.
        restart_lsn: lost ? null : lsnText(slot.restart),
        confirmed_flush_lsn: lsnText(slot.confirmed),
        wal_status: slot.walStatus,
        safe_wal_size: slot.walStatus === 'unreserved' ? '0' : null,
        two_phase: false,
        failover: slot.failover,
        synced: slot.synced,
        inactive_since: slot.holder === null ? new Date(this.nowMs - 60_000).toISOString() : null,
        server_lsn: lsnText(this.server),
        in_recovery: this.scenario.writer.inRecovery,
      },
    ];
  }

  /** terminate-slot-holder's contract: refused without the policy; only that PID, only while it holds the slot. */
  private terminate(event: never): TerminateSlotHolderResult {
    const input = event as { slotName: string; pid: number; allowed: boolean };
    this.record.terminates.push({
      pid: input.pid,
      allowed: input.allowed,
      holderPid: this.slot.holder?.pid ?? null,
      holderBy: this.slot.holder?.by ?? null,
      afterDecision: this.record.decisions.length - 1,
    });
    if (!input.allowed) throw new TerminationNotAllowedError(input.slotName, input.pid);
    const holder = this.slot.holder;
    const terminated = holder !== null && holder.pid === input.pid;
    if (terminated) {
      this.slot.holder = this.scenario.slot.holderRespawns
        ? { pid: this.nextPid++, application: holder.application, by: 'stale' }
        : null;
      if (holder.by !== 'stale') this.update(holder.by, { status: 'failed', ...DMS_STOPS.recoverable });
    }
    return {
      terminated,
      pid: input.pid,
      application: terminated ? holder.application : null,
      slotActive: this.slot.holder !== null,
      activePid: this.slot.holder?.pid ?? null,
    };
  }

  /** check-catch-up's contract: a failed task throws; else lag and latency against the thresholds. */
  private async checkCatchUp(event: never): Promise<CheckCatchUpResult> {
    const input = event as Pick<CatchUpPollRequest, 'taskArn' | 'thresholds' | 'previous'>;
    const task = await this.dms().describeTask(input.taskArn);
    if (task.status === 'failed') {
      throw new TaskFailedError(task.arn, task.status, task.stopReason, task.lastFailureMessage);
    }
    if (!this.slot.exists) throw new SlotNotFoundError(SLOT, 'dms_user@writer.model.internal:5432/shop');
    this.server += BigInt(this.scenario.writer.growth);
    if (task.status === 'running' && this.slot.holder?.by === task.arn && this.scenario.slot.advances) {
      this.advance();
    }
    const lagBytes = Number(this.server - this.slot.confirmed);
    const latencySeconds = 3;
    const verdict = evaluateCatchUp(
      { slotName: SLOT, lagBytes, latencySeconds, taskStatus: task.status },
      input.thresholds,
      input.previous,
      this.nowMs,
    );
    return {
      ...verdict,
      lagBytes,
      latencySeconds,
      confirmedFlushLsn: lsnText(this.slot.confirmed),
      serverLsn: lsnText(this.server),
      taskStatus: task.status,
      stopReason: task.stopReason ?? null,
      stopCode: stopReasonCode(task.stopReason) ?? null,
    };
  }

  /** create-cdc-task's contract: never before confirmed_flush_lsn; a re-run finds the task it made. */
  private createTask(event: never): CreateCdcTaskResult {
    const payload = event as Record<string, unknown> & { cdcStartPosition: string; identifierPrefix: string };
    const identifier = `${payload.identifierPrefix}-cdc-${payload.cdcStartPosition.replace('/', '-')}`;
    const existing = [...this.tasks.values()].find((t) => t.identifier === identifier);
    if (existing) {
      const result: CreateCdcTaskResult = {
        taskArn: existing.arn,
        taskIdentifier: identifier,
        created: false,
        status: existing.status,
        cdcStartPosition: existing.cdcStartPosition ?? '',
        confirmedFlushLsn: null,
        restartLsn: null,
      };
      this.record.creates.push({ payload, result });
      return result;
    }
    if (!this.slot.exists) throw new SlotNotFoundError(SLOT, 'dms_user@writer.model.internal:5432/shop');
    const start = parseLsn(payload.cdcStartPosition);
    if (start < this.slot.confirmed) {
      throw new StartPositionTooOldError(SLOT, payload.cdcStartPosition, lsnText(this.slot.confirmed));
    }
    const arn = `arn:aws:dms:us-east-1:123456789012:task:MODELNEW${this.tasks.size}`;
    this.tasks.set(
      arn,
      portTask({
        arn,
        identifier,
        status: 'creating',
        replicationInstanceArn: String(payload.replicationInstanceArn),
        sourceEndpointArn: String(payload.sourceEndpointArn),
        targetEndpointArn: String(payload.targetEndpointArn),
        tableMappings: '{"rules":[]}',
        cdcStartPosition: payload.cdcStartPosition,
      }),
    );
    this.driver.set(arn, 'machine');
    const result: CreateCdcTaskResult = {
      taskArn: arn,
      taskIdentifier: identifier,
      created: true,
      status: 'creating',
      cdcStartPosition: payload.cdcStartPosition,
      confirmedFlushLsn: lsnText(this.slot.confirmed),
      restartLsn: this.slot.walStatus === 'lost' ? null : lsnText(this.slot.restart),
    };
    this.record.creates.push({ payload, result });
    return result;
  }
}

function lsnText(value: bigint): string {
  return formatLsn(lsnFromBigInt(value));
}

/** DMS's RecoveryCheckpoint form, each half of the LSN padded to 8 hex digits. */
export function checkpointText(value: bigint): string {
  const high = (value >> 32n).toString(16).toUpperCase().padStart(8, '0');
  const low = (value & 0xffffffffn).toString(16).toUpperCase().padStart(8, '0');
  return `checkpoint:V1#1#${high}/${low}#0#0#*#0#0`;
}

export function lsn(text: string): Lsn {
  return parseLsn(text);
}

function lambdaError(name: LambdaFault): Error {
  const error = new Error(`${name} (injected)`);
  error.name = name;
  return error;
}
