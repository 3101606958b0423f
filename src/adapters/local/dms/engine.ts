import pg from 'pg';
import {
  DmsInvalidStateError,
  DmsResourceExistsError,
  DmsResourceNotFoundError,
} from '../../../core/dms/errors.js';
import { InvalidInputError } from '../../../core/errors.js';
import { formatLsn, parseLsn } from '../../../core/lsn.js';
import { recoverableErrorBehavior } from '../../../core/recovery/dms-restarts.js';
import { stopReasonCode, stopReasonText } from '../../../core/stop-reason.js';
import type {
  CdcTaskSpec,
  ConnectionTest,
  Dms,
  Endpoint,
  SourceEndpointSpec,
  StartTaskOptions,
  StartType,
  Task,
} from '../../../ports/dms.js';
import type { LocalSecretStore } from '../secret-store.js';
import type { ApplyCounts } from './apply.js';
import { recoveryCheckpointText } from './checkpoint-store.js';
import { classifyFailure } from './failures.js';
import { endpointView, type LocalEndpoint, type LocalTask, localArn, taskView } from './records.js';
import { parseStopPosition } from './stop-position.js';
import { tableFilter } from './table-filter.js';
import { TaskRunner } from './task-runner.js';

const STARTABLE = new Set(['ready', 'stopped', 'failed']);

/**
 * A local stand-in for AWS DMS, for `npm start` and the tests, never for production. It keeps
 * DMS's semantics where data safety is decided (docs/architecture.md, "Local mode and the local DMS engine"): start positions older than
 * the slot's confirmed_flush_lsn are refused, resume continues from the checkpoint, a restart
 * recreates the slot, a missing or busy slot fails the task with DMS's stop reasons.
 */
export class LocalDms implements Dms {
  /**
   * `secrets` resolves Secrets-Manager endpoint access locally (see LocalSecretStore). `clock` is the
   * replication instance's clock, the one server_time stop positions are read against (the system
   * clock by default; a test holds it to decide what the task has applied when that time comes).
   */
  constructor(
    private readonly options: { readonly secrets?: LocalSecretStore; readonly clock?: () => number } = {},
  ) {}

  private readonly endpoints = new Map<string, LocalEndpoint>();
  private readonly tasks = new Map<string, LocalTask>();
  private readonly connectionTests = new Map<string, ConnectionTest>();
  private readonly counts = new Map<string, ApplyCounts>();
  /** DMS's own restarts after recoverable errors, per task ARN: attempts so far and the pending one. */
  private readonly selfRestarts = new Map<string, { attempts: number; timer?: NodeJS.Timeout }>();
  private readonly selfRestartTotals = new Map<string, number>();

  /** Local mode has no target endpoint API in the port: the rehearsal registers its target here. */
  registerTargetEndpoint(identifier: string, url: string): Endpoint {
    const existing = this.findByIdentifier(identifier);
    if (existing) return endpointView(existing);
    const endpoint: LocalEndpoint = {
      arn: localArn('endpoint', identifier),
      identifier,
      endpointType: 'target',
      engineName: 'postgres',
      url,
      secretId: undefined,
      databaseName: databaseOf(url),
      slotName: undefined,
      pluginName: undefined,
    };
    this.endpoints.set(endpoint.arn, endpoint);
    return endpointView(endpoint);
  }

  async findEndpoint(identifier: string): Promise<Endpoint | undefined> {
    const endpoint = this.findByIdentifier(identifier);
    return endpoint && endpointView(endpoint);
  }

  async describeEndpoint(arn: string): Promise<Endpoint> {
    return endpointView(this.endpoint('DescribeEndpoints', arn));
  }

  async createSourceEndpoint(spec: SourceEndpointSpec): Promise<Endpoint> {
    // Like DMS, a secret is read when the endpoint is used, not copied: after a failover the secret
    // names the new writer and the next start connects there.
    const access = spec.access;
    if (access.kind === 'secrets-manager') await this.secretUrl(access.secretId);
    if (this.findByIdentifier(spec.identifier)) {
      throw new DmsResourceExistsError(
        'CreateEndpoint',
        `endpoint ${spec.identifier}`,
        'Endpoint already exists',
      );
    }
    const endpoint: LocalEndpoint = {
      arn: localArn('endpoint', spec.identifier),
      identifier: spec.identifier,
      endpointType: 'source',
      engineName: spec.engineName ?? 'postgres',
      url: access.kind === 'url' ? access.url : undefined,
      secretId: access.kind === 'secrets-manager' ? access.secretId : undefined,
      databaseName: spec.databaseName,
      slotName: spec.slotName,
      pluginName: spec.pluginName,
    };
    this.endpoints.set(endpoint.arn, endpoint);
    return endpointView(endpoint);
  }

  async deleteEndpoint(arn: string): Promise<void> {
    this.endpoint('DeleteEndpoint', arn);
    const inUse = [...this.tasks.values()].some(
      (t) => t.spec.sourceEndpointArn === arn || t.spec.targetEndpointArn === arn,
    );
    if (inUse)
      throw new DmsInvalidStateError('DeleteEndpoint', arn, 'Endpoint is used by a replication task');
    this.endpoints.delete(arn);
  }

  async testConnection(replicationInstanceArn: string, endpointArn: string): Promise<ConnectionTest> {
    const endpoint = this.endpoint('TestConnection', endpointArn);
    const key = `${replicationInstanceArn} ${endpointArn}`;
    const testing: ConnectionTest = { status: 'testing', lastFailureMessage: undefined };
    this.connectionTests.set(key, testing);
    void this.endpointUrl(endpoint)
      .then(probe, (error: Error) => `Test connection failed: ${error.message}`)
      .then((failure) =>
        this.connectionTests.set(key, {
          status: failure ? 'failed' : 'successful',
          lastFailureMessage: failure,
        }),
      );
    return testing;
  }

  async describeConnectionTest(
    replicationInstanceArn: string,
    endpointArn: string,
  ): Promise<ConnectionTest | undefined> {
    return this.connectionTests.get(`${replicationInstanceArn} ${endpointArn}`);
  }

  async findTask(identifier: string): Promise<Task | undefined> {
    const task = [...this.tasks.values()].find(
      (t) => t.spec.identifier.toLowerCase() === identifier.toLowerCase(),
    );
    return task && this.view(task);
  }

  async describeTask(arn: string): Promise<Task> {
    return this.view(this.task('DescribeReplicationTasks', arn));
  }

  async createCdcTask(spec: CdcTaskSpec): Promise<Task> {
    if (await this.findTask(spec.identifier)) {
      throw new DmsResourceExistsError(
        'CreateReplicationTask',
        `task ${spec.identifier}`,
        'Task already exists',
      );
    }
    const source = this.endpoint('CreateReplicationTask', spec.sourceEndpointArn);
    this.endpoint('CreateReplicationTask', spec.targetEndpointArn);
    if (source.endpointType !== 'source' || !source.slotName) {
      throw new InvalidInputError('sourceEndpointArn', 'is not a source endpoint with a slot name');
    }
    tableFilter(spec.tableMappings);
    parseStopPosition(spec.cdcStopPosition);
    const task: LocalTask = {
      arn: localArn('task', spec.identifier),
      spec,
      status: 'creating',
      stopReason: undefined,
      lastFailureMessage: undefined,
      ranBefore: false,
      checkpoint: undefined,
      startDate: undefined,
      stopDate: undefined,
      runner: undefined,
      cdcStartPosition: formatLsn(parseLsn(spec.cdcStartPosition, 'cdcStartPosition')),
    };
    this.tasks.set(task.arn, task);
    const created = this.view(task);
    setImmediate(() => {
      if (task.status === 'creating') task.status = 'ready';
    });
    return created;
  }

  async startTask(arn: string, startType: StartType, options: StartTaskOptions = {}): Promise<Task> {
    const task = this.task('StartReplicationTask', arn);
    if (!STARTABLE.has(task.status)) {
      throw new DmsInvalidStateError('StartReplicationTask', arn, `Task is ${task.status}`);
    }
    if (startType === 'reload-target') {
      throw new DmsInvalidStateError(
        'StartReplicationTask',
        arn,
        'reload-target needs a full-load task; this is CDC only',
      );
    }
    this.cancelSelfRestart(arn);
    return this.launch(task, startType, options);
  }

  /** Starts the runner: a start someone asked for, or DMS's own restart after a recoverable error. */
  private launch(task: LocalTask, startType: StartType, options: StartTaskOptions): Task {
    const requested = options.cdcStartPosition ?? (task.ranBefore ? undefined : task.cdcStartPosition);
    if (options.cdcStartPosition)
      task.cdcStartPosition = formatLsn(parseLsn(options.cdcStartPosition, 'cdcStartPosition'));
    const runner = this.newRunner(task, options.cdcStopPosition ?? task.spec.cdcStopPosition);
    Object.assign(task, { status: 'starting', stopReason: undefined, lastFailureMessage: undefined, runner });
    task.startDate = new Date();
    const ranBefore = task.ranBefore;
    task.ranBefore = true;
    const snapshot = this.view(task);
    void this.run(task, runner, startType, requested, ranBefore);
    return snapshot;
  }

  async stopTask(arn: string): Promise<Task> {
    const task = this.task('StopReplicationTask', arn);
    if (task.status !== 'running' && task.status !== 'starting') {
      throw new DmsInvalidStateError('StopReplicationTask', arn, `Task is ${task.status}`);
    }
    this.cancelSelfRestart(arn);
    task.status = 'stopping';
    const snapshot = this.view(task);
    void task.runner?.stop();
    return snapshot;
  }

  async deleteTask(arn: string): Promise<void> {
    const task = this.task('DeleteReplicationTask', arn);
    if (['running', 'starting', 'stopping'].includes(task.status)) {
      throw new DmsInvalidStateError('DeleteReplicationTask', arn, `Task is ${task.status}`);
    }
    this.cancelSelfRestart(arn);
    this.tasks.delete(arn);
  }

  /** Local only: the replication instance dies under a running task (connections cut mid-transaction). */
  crashTask(arn: string): void {
    this.task('crashTask', arn).runner?.crash();
  }

  /**
   * CDC latency as DMS's CDCLatencySource/CDCLatencyTarget would show it: how long the oldest change
   * the engine has received but not yet applied has been waiting (0 when caught up); null when the
   * task is not running, as CloudWatch has no datapoint then.
   */
  async cdcLatencySeconds(task: {
    readonly arn: string;
  }): Promise<{ source: number | null; target: number | null }> {
    const runner = this.tasks.get(task.arn)?.runner;
    if (!runner) return { source: null, target: null };
    const latency = runner.latencySeconds();
    return { source: latency, target: latency };
  }

  /** Local only: what the task applied so far (for progress views and benchmarks). */
  appliedCounts(arn: string): ApplyCounts | undefined {
    return this.counts.get(arn);
  }

  /** Local only: how many times the engine restarted the task by itself after recoverable errors. */
  selfRestartCount(arn: string): number {
    return this.selfRestartTotals.get(arn) ?? 0;
  }

  /** Stops every running task and waits for them: nothing of the engine survives. */
  async shutdown(): Promise<void> {
    for (const arn of this.selfRestarts.keys()) this.cancelSelfRestart(arn);
    await Promise.all([...this.tasks.values()].map((t) => t.runner?.stop()));
  }

  private async endpointUrl(endpoint: LocalEndpoint): Promise<string> {
    if (endpoint.url !== undefined) return endpoint.url;
    return this.secretUrl(endpoint.secretId ?? '');
  }

  private async secretUrl(secretId: string): Promise<string> {
    if (!this.options.secrets) {
      throw new InvalidInputError(
        'access',
        'this local DMS engine has no local secret store to resolve a Secrets Manager secret',
        'Give the source as a URL, or construct LocalDms with { secrets: new LocalSecretStore() }',
      );
    }
    return this.options.secrets.urlOf(secretId);
  }

  private newRunner(task: LocalTask, stopPosition: string | undefined): TaskRunner {
    const source = this.endpoint('StartReplicationTask', task.spec.sourceEndpointArn);
    const target = this.endpoint('StartReplicationTask', task.spec.targetEndpointArn);
    return new TaskRunner({
      taskIdentifier: task.spec.identifier,
      source: async () => ({ connectionString: await this.endpointUrl(source) }),
      target: { connectionString: target.url as string },
      slotName: source.slotName as string,
      filter: tableFilter(task.spec.tableMappings),
      stopPosition: parseStopPosition(stopPosition, this.options.clock),
      onCheckpoint: (checkpoint, counts) => {
        task.checkpoint = checkpoint;
        this.counts.set(task.arn, { ...counts });
      },
    });
  }

  private async run(
    task: LocalTask,
    runner: TaskRunner,
    startType: StartType,
    requested: string | undefined,
    ranBefore: boolean,
  ): Promise<void> {
    try {
      await runner.start(startType, requested === undefined ? undefined : parseLsn(requested), ranBefore);
      task.checkpoint = runner.lastCheckpoint;
      if (task.status === 'starting') task.status = 'running';
      // A restart that reached running ends that error's attempts: the next recoverable error counts anew.
      this.selfRestarts.delete(task.arn);
      const outcome = await runner.finished();
      this.finish(task, 'stopped', outcome.kind === 'stopped-at' ? outcome.reason : stopReasonText('NORMAL'));
    } catch (error) {
      await runner.stop().catch(() => undefined);
      if (task.status === 'stopping') {
        this.finish(task, 'stopped', stopReasonText('NORMAL'));
        return;
      }
      const failure = classifyFailure(error);
      this.finish(task, 'failed', failure.stopReason, failure.lastFailureMessage);
      if (stopReasonCode(failure.stopReason) === 'RECOVERABLE_ERROR') this.scheduleSelfRestart(task);
    } finally {
      task.checkpoint = runner.lastCheckpoint ?? task.checkpoint;
      if (task.runner === runner) task.runner = undefined;
    }
  }

  /**
   * What DMS does after a recoverable error (ReplicationTaskSettings ErrorBehavior): unless
   * RecoverableErrorCount is 0 (or its attempts are spent), it restarts the task by itself after
   * RecoverableErrorInterval seconds, as a resume from the task's checkpoint; never a start-replication, so
   * the slot is never recreated. DMS's defaults: -1 (here: no end; DMS bounds its attempts by error type),
   * 5 s. Throttled intervals are not modelled.
   */
  private scheduleSelfRestart(task: LocalTask): void {
    const behavior = recoverableErrorBehavior(task.spec.taskSettings);
    const state = this.selfRestarts.get(task.arn) ?? { attempts: 0 };
    if (behavior.count >= 0 && state.attempts >= behavior.count) return;
    clearTimeout(state.timer);
    state.timer = setTimeout(() => this.selfRestart(task), behavior.intervalSeconds * 1000);
    state.timer.unref();
    this.selfRestarts.set(task.arn, state);
  }

  private selfRestart(task: LocalTask): void {
    const state = this.selfRestarts.get(task.arn);
    // A person (or the orchestrator) started, stopped or deleted it meanwhile: DMS has nothing to restart.
    if (!state || this.tasks.get(task.arn) !== task || task.status !== 'failed') return;
    state.attempts += 1;
    state.timer = undefined;
    this.selfRestartTotals.set(task.arn, (this.selfRestartTotals.get(task.arn) ?? 0) + 1);
    this.launch(task, 'resume-processing', {});
  }

  private cancelSelfRestart(arn: string): void {
    clearTimeout(this.selfRestarts.get(arn)?.timer);
    this.selfRestarts.delete(arn);
  }

  private finish(task: LocalTask, status: 'stopped' | 'failed', stopReason: string, message?: string): void {
    Object.assign(task, { status, stopReason, lastFailureMessage: message, stopDate: new Date() });
  }

  private view(task: LocalTask): Task {
    return taskView(task, task.checkpoint && recoveryCheckpointText(task.checkpoint));
  }

  private findByIdentifier(identifier: string): LocalEndpoint | undefined {
    return [...this.endpoints.values()].find((e) => e.identifier.toLowerCase() === identifier.toLowerCase());
  }

  private endpoint(operation: string, arn: string): LocalEndpoint {
    const endpoint = this.endpoints.get(arn);
    if (!endpoint) throw new DmsResourceNotFoundError(operation, `endpoint ${arn}`, 'Endpoint not found');
    return endpoint;
  }

  private task(operation: string, arn: string): LocalTask {
    const task = this.tasks.get(arn);
    if (!task) throw new DmsResourceNotFoundError(operation, `task ${arn}`, 'Replication task not found');
    return task;
  }
}

/** Connects once, like DMS's TestConnection from the replication instance; returns the failure text. */
async function probe(url: string): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return undefined;
  } catch (error) {
    return `Test connection failed: ${(error as Error).message}`;
  } finally {
    await client.end().catch(() => undefined);
  }
}

function databaseOf(url: string): string {
  return decodeURIComponent(new URL(url).pathname.replace(/^\//, '')) || 'postgres';
}
