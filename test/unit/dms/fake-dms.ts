import { DmsResourceExistsError, DmsResourceNotFoundError } from '../../../src/core/dms/errors.js';
import type { Clock } from '../../../src/ports/clock.js';
import type {
  CdcTaskSpec,
  ConnectionTest,
  Dms,
  Endpoint,
  SourceEndpointSpec,
  StartType,
  Task,
} from '../../../src/ports/dms.js';
import { endpointFromSpec, portTask } from './fixtures.js';

/** A clock whose sleeps advance time instantly, recording each one. */
export class FakeClock implements Clock {
  readonly sleeps: number[] = [];
  constructor(private time = 1_000_000) {}
  now(): number {
    return this.time;
  }
  async sleep(ms: number): Promise<void> {
    this.sleeps.push(ms);
    this.time += ms;
  }
}

/**
 * An in-memory Dms for the pure orchestration code. Task and connection states follow scripts: each
 * describe call consumes the next step and the last step repeats, like a task that settles.
 */
export class FakeDms implements Dms {
  readonly endpoints = new Map<string, Endpoint>();
  readonly tasks = new Map<string, Task>();
  readonly calls: string[] = [];
  private readonly taskScripts = new Map<string, Partial<Task>[]>();
  private connectionScript: (ConnectionTest | undefined)[] = [];
  /** Runs inside a create before it takes effect: lets a test play the run that wins a race. */
  onCreate: (() => void) | undefined;

  scriptTask(arn: string, steps: Partial<Task>[]): void {
    this.taskScripts.set(arn, [...steps]);
  }

  scriptConnection(steps: (ConnectionTest | undefined)[]): void {
    this.connectionScript = [...steps];
  }

  async findEndpoint(identifier: string): Promise<Endpoint | undefined> {
    this.calls.push(`findEndpoint ${identifier}`);
    return this.endpoints.get(identifier);
  }

  async describeEndpoint(arn: string): Promise<Endpoint> {
    this.calls.push(`describeEndpoint ${arn}`);
    const endpoint = [...this.endpoints.values()].find((e) => e.arn === arn);
    if (!endpoint) throw new DmsResourceNotFoundError('DescribeEndpoints', `endpoint ${arn}`, 'not found');
    return endpoint;
  }

  async createSourceEndpoint(spec: SourceEndpointSpec): Promise<Endpoint> {
    this.calls.push(`createSourceEndpoint ${spec.identifier}`);
    this.onCreate?.();
    if (this.endpoints.has(spec.identifier)) {
      throw new DmsResourceExistsError('CreateEndpoint', `endpoint ${spec.identifier}`, 'already exists');
    }
    const endpoint = endpointFromSpec(`arn:fake:endpoint:${spec.identifier}`, spec);
    this.endpoints.set(spec.identifier, endpoint);
    return endpoint;
  }

  async deleteEndpoint(arn: string): Promise<void> {
    this.calls.push(`deleteEndpoint ${arn}`);
    for (const [id, endpoint] of this.endpoints) if (endpoint.arn === arn) this.endpoints.delete(id);
  }

  async testConnection(): Promise<ConnectionTest> {
    this.calls.push('testConnection');
    return { status: 'testing', lastFailureMessage: undefined };
  }

  async describeConnectionTest(): Promise<ConnectionTest | undefined> {
    this.calls.push('describeConnectionTest');
    return this.connectionScript.length > 1 ? this.connectionScript.shift() : this.connectionScript[0];
  }

  async findTask(identifier: string): Promise<Task | undefined> {
    this.calls.push(`findTask ${identifier}`);
    return [...this.tasks.values()].find((t) => t.identifier === identifier);
  }

  async describeTask(arn: string): Promise<Task> {
    this.calls.push(`describeTask ${arn}`);
    const task = this.tasks.get(arn);
    if (task === undefined)
      throw new DmsResourceNotFoundError('DescribeReplicationTasks', arn, 'no such task');
    const script = this.taskScripts.get(arn) ?? [];
    const step = script.length > 1 ? script.shift() : script[0];
    const next = { ...task, ...step };
    this.tasks.set(arn, next);
    return next;
  }

  async createCdcTask(spec: CdcTaskSpec): Promise<Task> {
    this.calls.push(`createCdcTask ${spec.identifier}`);
    this.onCreate?.();
    if ([...this.tasks.values()].some((t) => t.identifier === spec.identifier)) {
      throw new DmsResourceExistsError('CreateReplicationTask', `task ${spec.identifier}`, 'already exists');
    }
    const task = portTask({
      arn: `arn:fake:task:${spec.identifier}`,
      identifier: spec.identifier,
      status: 'creating',
      replicationInstanceArn: spec.replicationInstanceArn,
      sourceEndpointArn: spec.sourceEndpointArn,
      targetEndpointArn: spec.targetEndpointArn,
      tableMappings: spec.tableMappings,
      cdcStartPosition: spec.cdcStartPosition,
      cdcStopPosition: spec.cdcStopPosition,
    });
    this.tasks.set(task.arn, task);
    return task;
  }

  async startTask(arn: string, startType: StartType): Promise<Task> {
    this.calls.push(`startTask ${arn} ${startType}`);
    return this.update(arn, { status: 'starting' });
  }

  async stopTask(arn: string): Promise<Task> {
    this.calls.push(`stopTask ${arn}`);
    return this.update(arn, { status: 'stopping' });
  }

  async deleteTask(arn: string): Promise<void> {
    this.calls.push(`deleteTask ${arn}`);
    this.tasks.delete(arn);
  }

  private update(arn: string, change: Partial<Task>): Task {
    const task = this.tasks.get(arn);
    if (task === undefined) throw new DmsResourceNotFoundError('update', arn, 'no such task');
    const next = { ...task, ...change };
    this.tasks.set(arn, next);
    return next;
  }
}
