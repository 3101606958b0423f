import { Logger } from '@aws-lambda-powertools/logger';
import { makeHandler as findTask } from '../../functions/find-task.js';
import { makeHandler as notify } from '../../functions/notify.js';
import { makeHandler as planCutover } from '../../functions/plan-cutover.js';
import { makeHandler as pollTask } from '../../functions/poll-task.js';
import { makeHandler as startTask } from '../../functions/start-task.js';
import { makeHandler as stopTask } from '../../functions/stop-task.js';
import { evaluateCatchUp } from '../../src/core/cutover/catch-up.js';
import type { CatchUpPollRequest } from '../../src/core/cutover/catch-up-poll.js';
import { RowCountMismatchError } from '../../src/core/cutover/errors.js';
import type { EndMode } from '../../src/core/cutover/input.js';
import { DmsThrottledError, TaskFailedError } from '../../src/core/dms/errors.js';
import { stopReasonCode } from '../../src/core/stop-reason.js';
import type { TaskHandler, TaskTokenCallbacks } from '../../src/local/stepfunctions/index.js';
import type { AlertMessage } from '../../src/ports/alerts.js';
import type { Dms, StartType, Task, TaskStatus } from '../../src/ports/dms.js';
import { portTask } from '../unit/dms/fixtures.js';

/**
 * A scripted DMS world for driving the cutover ASL with generated runs. The handlers that hold the
 * machine's decisions run for real (plan, find-task, start-task's start rule, poll-task, stop-task,
 * notify and its message builder) against an in-memory DMS task; the ones that need a database return
 * what the script says, in the shape of the real ones. Every call is recorded for the invariants.
 */

export const TASK_ARN = 'arn:aws:dms:us-east-1:123456789012:task:MODELTASK';
const INSTANCE_ARN = 'arn:aws:dms:us-east-1:123456789012:rep:MODELRI';
const SOURCE_ENDPOINT_ARN = 'arn:aws:dms:us-east-1:123456789012:endpoint:MODELSRC';

/** Stops and failures as DMS reports them (DescribeReplicationTasks StopReason and LastFailureMessage). */
export const DMS_STOPS = {
  atServerTime: { status: 'stopped', stopReason: 'Stop Reason STOPPED_AT_SERVER_TIME' },
  atCommitTime: { status: 'stopped', stopReason: 'Stop Reason STOPPED_AT_COMMIT_TIME' },
  normal: { status: 'stopped', stopReason: 'Stop Reason NORMAL' },
  lowDisk: { status: 'stopped', stopReason: 'Stop Reason STOPPED_DUE_TO_LOW_DISK' },
  recoverable: {
    status: 'stopped',
    stopReason: 'Last Error  ODBC general error. Stop Reason RECOVERABLE_ERROR Error Level RECOVERABLE',
  },
  fatal: {
    status: 'failed',
    stopReason: 'Last Error Replication slot "dms_slot" is active. Stop Reason FATAL_ERROR Error Level FATAL',
    lastFailureMessage: 'Replication slot "dms_slot" is active for PID 4242',
  },
} as const satisfies Record<string, { status: TaskStatus; stopReason: string; lastFailureMessage?: string }>;
export type DmsStop = keyof typeof DMS_STOPS;

/** One catch-up (or quiet) poll: what the slot and DMS report, and whether the task stops there. */
export interface Observation {
  readonly lagBytes: number;
  readonly latencySeconds: number;
  readonly stop: DmsStop | null;
}

export type Fault =
  | 'DmsThrottledError'
  | 'Lambda.TooManyRequestsException'
  | 'Lambda.ClientExecutionTimeoutException';

export interface Scenario {
  readonly mode: EndMode;
  readonly approval: 'not-required' | 'approve' | 'reject';
  readonly blockers: number;
  /** Consumed by every CheckCatchUp call (catch-up and quiet wait alike), in order. */
  readonly observations: readonly Observation[];
  /** What the task does once the machine stops it (stop-when-quiet). */
  readonly afterStopRequest: DmsStop;
  /** stop-at-position: how many stop polls see it running, then how it stops. */
  readonly positionPolls: number;
  readonly positionStop: DmsStop;
  readonly verify: 'equal' | 'mismatch';
  /** Transient errors thrown by the nth call of a handler (the ASL retries them). */
  readonly transient: readonly { readonly handler: string; readonly call: number; readonly error: Fault }[];
  /** A handler that fails for good from its nth call on (no Retry matches it). */
  readonly broken?: { readonly handler: string; readonly call: number } | null;
  /** Looks at which DMS is not there yet: the connection test still testing, the task creating, starting. */
  readonly delays?: { readonly connection: number; readonly ready: number; readonly running: number };
  /** Continuous replication: looks after catch-up at which DMS is restarting the task (starting). */
  readonly restartsAfterCatchUp?: number;
  /** Continuous replication without a target connection: nothing is verified. */
  readonly withTarget?: boolean;
  /** The input's sequences.sync: 'off' leaves the target sequences to the user (default 'sync'). */
  readonly sequences?: 'sync' | 'off';
}

/** A run where nothing unusual happens: named tests change one thing at a time. */
export function plainScenario(overrides: Partial<Scenario> = {}): Scenario {
  return {
    mode: 'stop-when-quiet',
    approval: 'not-required',
    blockers: 0,
    observations: [],
    afterStopRequest: 'normal',
    positionPolls: 0,
    positionStop: 'atServerTime',
    verify: 'equal',
    transient: [],
    ...overrides,
  };
}

export interface Record_ {
  readonly handlers: string[];
  readonly starts: { readonly startType: StartType; readonly statusBefore: TaskStatus }[];
  stopRequests: number;
  readonly verifies: {
    readonly strict: boolean;
    readonly taskStatus: TaskStatus;
    readonly passed: boolean;
  }[];
  readonly notifications: AlertMessage[];
  approval: 'approved' | 'rejected' | null;
  /** Each time the target sequences were set: the task's status then, and the gap asked for. */
  readonly sequenceSyncs: { readonly taskStatus: TaskStatus; readonly gap: number }[];
}

const silent = new Logger({ serviceName: 'dms-cdc-model', logLevel: 'SILENT' });

export class CutoverWorld {
  readonly record: Record_ = {
    handlers: [],
    starts: [],
    stopRequests: 0,
    verifies: [],
    notifications: [],
    approval: null,
    sequenceSyncs: [],
  };
  task: Task | undefined;
  private observed = 0;
  private positionPolls: number;
  private connectionPolls: number;
  private readyPolls: number;
  private runningPolls: number;
  private restartsAfterCatchUp: number;
  private caughtUp = false;
  private readonly calls = new Map<string, number>();

  constructor(readonly scenario: Scenario) {
    this.positionPolls = scenario.positionPolls;
    this.connectionPolls = scenario.delays?.connection ?? 0;
    this.readyPolls = scenario.delays?.ready ?? 0;
    this.runningPolls = scenario.delays?.running ?? 0;
    this.restartsAfterCatchUp = scenario.restartsAfterCatchUp ?? 0;
  }

  /** The execution input for this scenario (past stop positions: the runner waits for timestamps unscaled). */
  input(): Record<string, unknown> {
    const secret = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:model-AbCdEf';
    return {
      name: 'model',
      source: { secretArn: secret, database: 'shop', sslMode: 'require' },
      slot: { name: 'dms_slot' },
      replicationInstanceArn: INSTANCE_ARN,
      target: {
        endpointArn: 'arn:aws:dms:us-east-1:123456789012:endpoint:MODELTGT',
        ...(this.scenario.withTarget !== false && { secretArn: secret }),
      },
      tableMappings: { rules: [] },
      thresholds: { maxLagBytes: 1000, maxLatencySeconds: 10, consecutivePolls: 2, pollSeconds: 1 },
      approval: { required: this.scenario.approval !== 'not-required' },
      end: { mode: this.scenario.mode, quietPolls: 2 },
      sequences: { sync: this.scenario.sequences !== 'off', gap: 5 },
      ...(this.scenario.mode === 'stop-at-position' && {
        cdcStopPosition: 'server_time:2020-01-01T00:00:00',
      }),
    };
  }

  handlers(): Record<string, TaskHandler> {
    const dms = this.dms();
    const real = {
      PlanCutoverFunctionArn: planCutover({ logger: silent }),
      FindTaskFunctionArn: findTask({ logger: silent, dms }),
      StartTaskFunctionArn: startTask({ logger: silent, dms }),
      PollTaskFunctionArn: pollTask({ logger: silent, dms }),
      StopTaskFunctionArn: stopTask({ logger: silent, dms }),
      NotifyFunctionArn: notify({
        logger: silent,
        alerts: {
          publish: async (message) => {
            this.record.notifications.push(message);
            return { messageId: `m-${this.record.notifications.length}` };
          },
        },
      }),
    } as unknown as Record<string, TaskHandler>;
    const scripted: Record<string, TaskHandler> = {
      PreflightFunctionArn: () => ({
        summary: { blockers: this.scenario.blockers, warnings: 0, infos: 0 },
        findings: Array.from({ length: this.scenario.blockers }, (_, i) => ({
          id: `model.blocker-${i}`,
          severity: 'blocker',
          title: 'a blocker',
          observed: 'seen',
          remedy: 'fix it',
        })),
      }),
      EnsureSlotFunctionArn: () => ({ created: false, confirmedFlushLsn: '0/1000', restartLsn: '0/F00' }),
      CreateSourceEndpointFunctionArn: () => ({ endpointArn: SOURCE_ENDPOINT_ARN, created: true }),
      TestEndpointConnectionFunctionArn: () => ({
        replicationInstanceArn: INSTANCE_ARN,
        endpointArn: SOURCE_ENDPOINT_ARN,
        ...(this.connectionPolls-- > 0
          ? { status: 'testing', done: false }
          : { status: 'successful', done: true }),
        startedAt: new Date().toISOString(),
        timeoutSeconds: 60,
      }),
      CreateCdcTaskFunctionArn: () => this.createTask(),
      CheckCatchUpFunctionArn: (event: never) => this.checkCatchUp(event),
      SyncSequencesFunctionArn: (event: never) => this.syncSequences(event),
      VerifyRowCountsFunctionArn: (event: never) => this.verifyRowCounts(event),
    };
    const all = { ...real, ...scripted };
    return Object.fromEntries(Object.entries(all).map(([name, h]) => [name, this.recorded(name, h)]));
  }

  /** Answers the approval gate as the scenario says. */
  answerApproval(token: string, sfn: Pick<TaskTokenCallbacks, 'sendTaskSuccess' | 'sendTaskFailure'>): void {
    if (this.scenario.approval === 'reject') {
      this.record.approval = 'rejected';
      void sfn.sendTaskFailure(token, { error: 'CutoverRejected', cause: 'not tonight' });
    } else {
      this.record.approval = 'approved';
      void sfn.sendTaskSuccess(token, { approved: true, by: 'model' });
    }
  }

  private recorded(name: string, handler: TaskHandler): TaskHandler {
    return ((event: never, context: never) => {
      const call = (this.calls.get(name) ?? 0) + 1;
      this.calls.set(name, call);
      this.record.handlers.push(name);
      const fault = this.scenario.transient.find((t) => t.handler === name && t.call === call);
      if (fault) throw transientError(fault.error);
      const broken = this.scenario.broken;
      if (broken && broken.handler === name && call >= broken.call) throw brokenError(name);
      return handler(event, context);
    }) as TaskHandler;
  }

  private dms(): Dms {
    const partial: Pick<Dms, 'findTask' | 'describeTask' | 'startTask' | 'stopTask'> = {
      findTask: async () => this.task,
      describeTask: async () => this.describe(),
      startTask: async (_arn, startType) => {
        const task = this.current();
        this.record.starts.push({ startType, statusBefore: task.status });
        this.task = { ...task, status: 'starting', startDate: new Date(), stopReason: undefined };
        return this.current();
      },
      stopTask: async () => {
        this.record.stopRequests += 1;
        this.task = { ...this.current(), status: 'stopping' };
        return this.current();
      },
    };
    return partial as Dms;
  }

  private current(): Task {
    if (!this.task) throw new Error('model: the task does not exist yet');
    return this.task;
  }

  /** DMS moves a task on between two looks: starting runs, stopping stops, a position is reached. */
  private describe(): Task {
    const task = this.current();
    if (task.status === 'creating') {
      if (this.readyPolls-- <= 0) this.task = { ...task, status: 'ready' };
    } else if (task.status === 'starting') {
      if (this.runningPolls-- <= 0) this.task = { ...task, status: 'running' };
    } else if (task.status === 'running' && this.caughtUp && this.restartsAfterCatchUp > 0) {
      // DMS restarting the task by itself (a recoverable error): starting for a look or two, then running.
      this.restartsAfterCatchUp -= 1;
      this.task = { ...task, status: 'starting' };
    }
    if (task.status === 'stopping') this.applyStop(this.scenario.afterStopRequest);
    else if (
      task.status === 'running' &&
      this.scenario.mode === 'stop-at-position' &&
      this.approvalPassed()
    ) {
      if (this.positionPolls === 0) this.applyStop(this.scenario.positionStop);
      else this.positionPolls -= 1;
    }
    return this.current();
  }

  private approvalPassed(): boolean {
    return this.scenario.approval === 'not-required' || this.record.approval === 'approved';
  }

  private applyStop(stop: DmsStop): void {
    const { status, stopReason, ...rest } = DMS_STOPS[stop];
    this.task = {
      ...this.current(),
      status,
      stopReason,
      lastFailureMessage: 'lastFailureMessage' in rest ? rest.lastFailureMessage : undefined,
      stopDate: new Date(),
      recoveryCheckpoint: 'checkpoint:V1#1#00000000/00002000#0#0#*#0#0',
    };
  }

  private createTask() {
    this.task ??= portTask({
      arn: TASK_ARN,
      identifier: 'model-task',
      status: this.readyPolls > 0 ? 'creating' : 'ready',
      replicationInstanceArn: INSTANCE_ARN,
      sourceEndpointArn: SOURCE_ENDPOINT_ARN,
      targetEndpointArn: 'arn:aws:dms:us-east-1:123456789012:endpoint:MODELTGT',
      tableMappings: '{"rules":[]}',
      cdcStartPosition: '0/1000',
    });
    return { taskArn: TASK_ARN, created: true, cdcStartPosition: '0/1000', confirmedFlushLsn: '0/1000' };
  }

  /** check-catch-up's contract: a failed task throws; otherwise the verdict on the next observation. */
  private checkCatchUp(event: never) {
    const input = event as Pick<CatchUpPollRequest, 'thresholds' | 'previous'>;
    const observation = this.scenario.observations[this.observed] ?? {
      lagBytes: 0,
      latencySeconds: 0,
      stop: null,
    };
    this.observed += 1;
    if (observation.stop !== null && this.current().status === 'running') this.applyStop(observation.stop);
    const task = this.describe();
    if (task.status === 'failed') {
      throw new TaskFailedError(task.arn, task.status, task.stopReason, task.lastFailureMessage);
    }
    const verdict = evaluateCatchUp(
      {
        slotName: 'dms_slot',
        lagBytes: observation.lagBytes,
        latencySeconds: observation.latencySeconds,
        taskStatus: task.status,
      },
      input.thresholds,
      input.previous,
      Date.now(),
    );
    this.caughtUp ||= verdict.caughtUp;
    return {
      ...verdict,
      lagBytes: observation.lagBytes,
      latencySeconds: observation.latencySeconds,
      confirmedFlushLsn: '0/2000',
      serverLsn: '0/2100',
      taskStatus: task.status,
      stopReason: task.stopReason ?? null,
      stopCode: stopReasonCode(task.stopReason) ?? null,
    };
  }

  /** sync-sequences' contract: every sequence in scope set (or already there) on the target. */
  private syncSequences(event: never) {
    const { gap } = event as { gap: number };
    this.record.sequenceSyncs.push({ taskStatus: this.current().status, gap });
    return {
      summary: { sequences: 3, set: 2, inStep: 1, targetAhead: 0, notSynced: 0 },
      sequences: [
        {
          name: 'shop.orders_id_seq',
          target: 'shop.orders_id_seq',
          action: 'set',
          from: 0,
          to: 15,
          reason: 'moved forward to the source',
        },
        {
          name: 'shop.invoice_no',
          target: 'shop.invoice_no',
          action: 'set',
          from: 0,
          to: 8,
          reason: 'moved forward to the source',
        },
      ],
    };
  }

  private verifyRowCounts(event: never) {
    const { strict } = event as { strict: boolean };
    const taskStatus = this.current().status;
    const passed = this.scenario.verify === 'equal';
    this.record.verifies.push({ strict, taskStatus, passed });
    const tables = [{ name: 'shop.orders', sourceRows: 10, targetRows: passed ? 10 : 9 }];
    if (strict && !passed) throw new RowCountMismatchError(tables);
    return {
      tables,
      mismatchedTables: passed ? 0 : 1,
      skipped: null,
      boundaryLsn: strict ? '0/2000' : null,
      content: null,
    };
  }
}

/** A failure no Retry matches: the state's Catch sends the machine to its failure notification. */
function brokenError(handler: string): Error {
  const error = new Error(`${handler} failed for good (injected)`);
  error.name = 'ModelBrokenError';
  return error;
}

function transientError(name: Fault): Error {
  if (name === 'DmsThrottledError') return new DmsThrottledError('DescribeReplicationTasks', 'Rate exceeded');
  const error = new Error(`${name} (injected)`);
  error.name = name;
  return error;
}
