import {
  CreateEndpointCommand,
  CreateReplicationTaskCommand,
  DatabaseMigrationServiceClient,
  type DatabaseMigrationServiceClientConfig,
  DeleteEndpointCommand,
  DeleteReplicationTaskCommand,
  DescribeConnectionsCommand,
  DescribeEndpointsCommand,
  DescribeReplicationTasksCommand,
  type ReplicationTask,
  StartReplicationTaskCommand,
  StopReplicationTaskCommand,
  TestConnectionCommand,
} from '@aws-sdk/client-database-migration-service';
import { DmsResourceNotFoundError, DmsUnexpectedResponseError } from '../../core/dms/errors.js';
import { validateDmsIdentifier } from '../../core/dms/identifiers.js';
import { parseLsn } from '../../core/lsn.js';
import type { Dms, Endpoint, Task } from '../../ports/dms.js';
import { toDmsError } from './dms-errors.js';
import { createEndpointInput, createTaskInput, toConnectionTest, toEndpoint, toTask } from './dms-mapping.js';
import { once } from './once.js';

/**
 * Attempts per DMS call, the first included. Few on purpose: a throttled call still failing after
 * that surfaces as DmsThrottledError and the state machine's Retry backs off for free, instead of the
 * Lambda burning billed time sleeping.
 */
export const DMS_DEFAULT_MAX_ATTEMPTS = 5;

export interface DmsClientOptions {
  readonly region?: string;
  readonly maxAttempts?: number;
}

/**
 * Client settings: `adaptive` retry adds client-side rate limiting on top of standard backoff, which
 * is what a poller sharing the account's DMS API rate with other tools needs.
 */
export function dmsClientConfig(options: DmsClientOptions = {}): DatabaseMigrationServiceClientConfig {
  return {
    ...(options.region === undefined ? {} : { region: options.region }),
    maxAttempts: options.maxAttempts ?? DMS_DEFAULT_MAX_ATTEMPTS,
    retryMode: 'adaptive',
  };
}

/** Create once per module (Lambda cold start), never per call. */
export function createDmsClient(options: DmsClientOptions = {}): DatabaseMigrationServiceClient {
  return new DatabaseMigrationServiceClient(dmsClientConfig(options));
}

/** The Dms port over AWS DMS. Faults the orchestrator branches on come out as typed errors. */
export function buildAwsDms(client: DatabaseMigrationServiceClient): Dms {
  /** Sends one command, mapping its failure; `resource` names the target in error messages. */
  async function call<T>(operation: string, resource: string, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (error) {
      throw toDmsError(error, operation, resource);
    }
  }

  /** DMS answers a filter that matches nothing with ResourceNotFoundFault: for a lookup, that is "absent". */
  async function orAbsent<T>(lookup: Promise<T>): Promise<T | undefined> {
    try {
      return await lookup;
    } catch (error) {
      if (error instanceof DmsResourceNotFoundError) return undefined;
      throw error;
    }
  }

  async function describeTasks(filterName: string, value: string): Promise<ReplicationTask[]> {
    const output = await call('DescribeReplicationTasks', `task ${value}`, () =>
      client.send(new DescribeReplicationTasksCommand({ Filters: [{ Name: filterName, Values: [value] }] })),
    );
    return output.ReplicationTasks ?? [];
  }

  function taskFrom(operation: string, task: ReplicationTask | undefined): Task {
    if (task === undefined) throw new DmsUnexpectedResponseError(operation, 'no ReplicationTask');
    return toTask(task, operation);
  }

  return {
    async findEndpoint(identifier) {
      const output = await orAbsent(
        call('DescribeEndpoints', `endpoint ${identifier}`, () =>
          client.send(
            new DescribeEndpointsCommand({ Filters: [{ Name: 'endpoint-id', Values: [identifier] }] }),
          ),
        ),
      );
      const found = output?.Endpoints?.find((e) => sameIdentifier(e.EndpointIdentifier, identifier));
      return found === undefined ? undefined : toEndpoint(found, 'DescribeEndpoints');
    },

    async describeEndpoint(arn) {
      const output = await call('DescribeEndpoints', `endpoint ${arn}`, () =>
        client.send(new DescribeEndpointsCommand({ Filters: [{ Name: 'endpoint-arn', Values: [arn] }] })),
      );
      const found = output.Endpoints?.find((e) => e.EndpointArn === arn);
      if (found === undefined) {
        throw new DmsResourceNotFoundError(
          'DescribeEndpoints',
          `endpoint ${arn}`,
          'no endpoint has this ARN',
        );
      }
      return toEndpoint(found, 'DescribeEndpoints');
    },

    async createSourceEndpoint(spec): Promise<Endpoint> {
      validateDmsIdentifier(spec.identifier, 'identifier');
      const input = createEndpointInput(spec);
      const output = await call('CreateEndpoint', `endpoint ${spec.identifier}`, () =>
        client.send(new CreateEndpointCommand(input)),
      );
      if (output.Endpoint === undefined)
        throw new DmsUnexpectedResponseError('CreateEndpoint', 'no Endpoint');
      return toEndpoint(output.Endpoint, 'CreateEndpoint');
    },

    async deleteEndpoint(arn) {
      await call('DeleteEndpoint', `endpoint ${arn}`, () =>
        client.send(new DeleteEndpointCommand({ EndpointArn: arn })),
      );
    },

    async testConnection(replicationInstanceArn, endpointArn) {
      const output = await call('TestConnection', `endpoint ${endpointArn}`, () =>
        client.send(
          new TestConnectionCommand({
            ReplicationInstanceArn: replicationInstanceArn,
            EndpointArn: endpointArn,
          }),
        ),
      );
      if (output.Connection === undefined)
        throw new DmsUnexpectedResponseError('TestConnection', 'no Connection');
      return toConnectionTest(output.Connection, 'TestConnection');
    },

    async describeConnectionTest(replicationInstanceArn, endpointArn) {
      const output = await orAbsent(
        call('DescribeConnections', `connection to endpoint ${endpointArn}`, () =>
          client.send(
            new DescribeConnectionsCommand({
              Filters: [
                { Name: 'endpoint-arn', Values: [endpointArn] },
                { Name: 'replication-instance-arn', Values: [replicationInstanceArn] },
              ],
            }),
          ),
        ),
      );
      const connection = output?.Connections?.[0];
      return connection === undefined ? undefined : toConnectionTest(connection, 'DescribeConnections');
    },

    async findTask(identifier) {
      const tasks = await orAbsent(describeTasks('replication-task-id', identifier));
      const found = tasks?.find((t) => sameIdentifier(t.ReplicationTaskIdentifier, identifier));
      return found === undefined ? undefined : toTask(found, 'DescribeReplicationTasks');
    },

    async describeTask(arn) {
      const found = (await describeTasks('replication-task-arn', arn)).find(
        (t) => t.ReplicationTaskArn === arn,
      );
      if (found === undefined) {
        throw new DmsResourceNotFoundError('DescribeReplicationTasks', `task ${arn}`, 'no task has this ARN');
      }
      return toTask(found, 'DescribeReplicationTasks');
    },

    async createCdcTask(spec) {
      validateDmsIdentifier(spec.identifier, 'identifier');
      // PostgreSQL sources take an LSN only (no timestamp start); refuse anything else before DMS does.
      parseLsn(spec.cdcStartPosition, 'cdcStartPosition');
      const output = await call('CreateReplicationTask', `task ${spec.identifier}`, () =>
        client.send(new CreateReplicationTaskCommand(createTaskInput(spec))),
      );
      return taskFrom('CreateReplicationTask', output.ReplicationTask);
    },

    async startTask(arn, startType, options = {}) {
      const output = await call('StartReplicationTask', `task ${arn}`, () =>
        client.send(
          new StartReplicationTaskCommand({
            ReplicationTaskArn: arn,
            StartReplicationTaskType: startType,
            ...(options.cdcStartPosition === undefined ? {} : { CdcStartPosition: options.cdcStartPosition }),
            ...(options.cdcStopPosition === undefined ? {} : { CdcStopPosition: options.cdcStopPosition }),
          }),
        ),
      );
      return taskFrom('StartReplicationTask', output.ReplicationTask);
    },

    async stopTask(arn) {
      const output = await call('StopReplicationTask', `task ${arn}`, () =>
        client.send(new StopReplicationTaskCommand({ ReplicationTaskArn: arn })),
      );
      return taskFrom('StopReplicationTask', output.ReplicationTask);
    },

    async deleteTask(arn) {
      await call('DeleteReplicationTask', `task ${arn}`, () =>
        client.send(new DeleteReplicationTaskCommand({ ReplicationTaskArn: arn })),
      );
    },
  };
}

/**
 * Case-insensitive: DMS documents some identifiers (replication instances) as stored lower-cased, and a
 * miss here would turn into a second create. Identifiers built by src/core/dms are lower-case anyway.
 */
function sameIdentifier(actual: string | undefined, wanted: string): boolean {
  return actual !== undefined && actual.toLowerCase() === wanted.toLowerCase();
}

/** The functions' DMS client and port, built on first use and kept for the execution environment's life. */
export const defaultDmsClient = once(() => createDmsClient());
export const defaultDms = once(() => buildAwsDms(defaultDmsClient()));
