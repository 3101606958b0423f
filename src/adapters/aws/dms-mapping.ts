import type {
  Connection,
  CreateEndpointMessage,
  CreateReplicationTaskMessage,
  ReplicationTask,
  Endpoint as SdkEndpoint,
  Tag,
} from '@aws-sdk/client-database-migration-service';
import { DmsUnexpectedResponseError } from '../../core/dms/errors.js';
import { InvalidInputError } from '../../core/errors.js';
import { TASK_STATUSES } from '../../core/task-status.js';
import type {
  CdcTaskSpec,
  ConnectionStatus,
  ConnectionTest,
  Endpoint,
  PluginName,
  SourceEndpointSpec,
  Task,
  TaskStatus,
} from '../../ports/dms.js';

/** Port spec -> CreateEndpoint input. DMS reads host, port, user and password from the secret. */
export function createEndpointInput(spec: SourceEndpointSpec): CreateEndpointMessage {
  if (spec.access.kind !== 'secrets-manager') {
    throw new InvalidInputError(
      'access',
      'a postgres:// URL reaches the source only in local mode; AWS DMS needs a Secrets Manager secret',
      'Give the source as a Secrets Manager secret id and the IAM role DMS assumes to read it',
    );
  }
  return {
    EndpointIdentifier: spec.identifier,
    EndpointType: 'source',
    EngineName: spec.engineName ?? 'postgres',
    SslMode: spec.sslMode,
    ...(spec.certificateArn === undefined ? {} : { CertificateArn: spec.certificateArn }),
    PostgreSQLSettings: {
      DatabaseName: spec.databaseName,
      SecretsManagerSecretId: spec.access.secretId,
      SecretsManagerAccessRoleArn: spec.access.accessRoleArn,
      SlotName: spec.slotName,
      // Always explicit: DMS's default is pglogical whenever the extension is installed.
      PluginName: spec.pluginName,
      CaptureDdls: spec.captureDdls,
      ...(spec.ddlArtifactsSchema === undefined ? {} : { DdlArtifactsSchema: spec.ddlArtifactsSchema }),
      ...heartbeatSettings(spec.heartbeat),
    },
    Tags: toTags(spec.tags),
  };
}

function heartbeatSettings(heartbeat: SourceEndpointSpec['heartbeat']) {
  if (!heartbeat.enabled) return { HeartbeatEnable: false };
  return {
    HeartbeatEnable: true,
    HeartbeatFrequency: heartbeat.frequencyMinutes,
    ...(heartbeat.schema === undefined ? {} : { HeartbeatSchema: heartbeat.schema }),
  };
}

/** Port spec -> CreateReplicationTask input: CDC only, from a native start point (an LSN). */
export function createTaskInput(spec: CdcTaskSpec): CreateReplicationTaskMessage {
  return {
    ReplicationTaskIdentifier: spec.identifier,
    SourceEndpointArn: spec.sourceEndpointArn,
    TargetEndpointArn: spec.targetEndpointArn,
    ReplicationInstanceArn: spec.replicationInstanceArn,
    MigrationType: 'cdc',
    TableMappings: spec.tableMappings,
    CdcStartPosition: spec.cdcStartPosition,
    ...(spec.taskSettings === undefined ? {} : { ReplicationTaskSettings: spec.taskSettings }),
    ...(spec.cdcStopPosition === undefined ? {} : { CdcStopPosition: spec.cdcStopPosition }),
    Tags: toTags(spec.tags),
  };
}

function toTags(tags: Readonly<Record<string, string>>): Tag[] {
  return Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
}

export function toEndpoint(endpoint: SdkEndpoint, operation: string): Endpoint {
  const settings = endpoint.PostgreSQLSettings;
  return {
    arn: required(endpoint.EndpointArn, operation, 'an endpoint without EndpointArn'),
    identifier: endpoint.EndpointIdentifier ?? '',
    endpointType: endpoint.EndpointType === 'target' ? 'target' : 'source',
    engineName: endpoint.EngineName ?? '',
    databaseName: settings?.DatabaseName ?? endpoint.DatabaseName,
    slotName: settings?.SlotName,
    pluginName: toPluginName(settings?.PluginName),
    status: endpoint.Status,
  };
}

/** The port knows the two plugins a slot can use; `no-preference` says nothing about the slot. */
function toPluginName(value: string | undefined): PluginName | undefined {
  return value === 'test-decoding' || value === 'pglogical' ? value : undefined;
}

export function toTask(task: ReplicationTask, operation: string): Task {
  return {
    arn: required(task.ReplicationTaskArn, operation, 'a task without ReplicationTaskArn'),
    identifier: task.ReplicationTaskIdentifier ?? '',
    status: toTaskStatus(task.Status, operation),
    migrationType: required(task.MigrationType, operation, 'a task without MigrationType'),
    replicationInstanceArn: task.ReplicationInstanceArn ?? '',
    sourceEndpointArn: task.SourceEndpointArn ?? '',
    targetEndpointArn: task.TargetEndpointArn ?? '',
    tableMappings: task.TableMappings ?? '',
    cdcStartPosition: task.CdcStartPosition,
    cdcStopPosition: task.CdcStopPosition,
    stopReason: task.StopReason,
    lastFailureMessage: task.LastFailureMessage,
    recoveryCheckpoint: task.RecoveryCheckpoint,
    ...(task.ReplicationTaskSettings === undefined
      ? {}
      : { replicationTaskSettings: task.ReplicationTaskSettings }),
    // Stats.StartDate is when it last ran; ReplicationTaskStartDate is only the scheduled start.
    startDate: task.ReplicationTaskStats?.StartDate ?? task.ReplicationTaskStartDate,
    stopDate: task.ReplicationTaskStats?.StopDate,
  };
}

function toTaskStatus(value: string | undefined, operation: string): TaskStatus {
  const status = TASK_STATUSES.find((s) => s === value);
  // Guessing an undocumented status could make a wait or a recovery decision wrong: refuse instead.
  if (status === undefined) throw new DmsUnexpectedResponseError(operation, `task status ${String(value)}`);
  return status;
}

const CONNECTION_STATUSES: readonly ConnectionStatus[] = ['testing', 'successful', 'failed', 'deleting'];

export function toConnectionTest(connection: Connection, operation: string): ConnectionTest {
  const status = CONNECTION_STATUSES.find((s) => s === connection.Status);
  if (status === undefined) {
    throw new DmsUnexpectedResponseError(operation, `connection status ${String(connection.Status)}`);
  }
  return { status, lastFailureMessage: connection.LastFailureMessage };
}

function required<T>(value: T | undefined, operation: string, what: string): T {
  if (value === undefined) throw new DmsUnexpectedResponseError(operation, what);
  return value;
}
