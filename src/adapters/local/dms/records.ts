import { createHash } from 'node:crypto';
import type {
  CdcTaskSpec,
  Endpoint,
  PluginName,
  SourceEngineName,
  Task,
  TaskStatus,
} from '../../../ports/dms.js';
import type { StoredCheckpoint } from './checkpoint-store.js';
import type { TaskRunner } from './task-runner.js';

export const LOCAL_ACCOUNT = '000000000000';
export const LOCAL_REGION = 'local';

export interface LocalEndpoint {
  readonly arn: string;
  readonly identifier: string;
  readonly endpointType: 'source' | 'target';
  /** As created (CreateEndpoint EngineName), so a re-run compares the engine it asked for. */
  readonly engineName: SourceEngineName;
  /** A postgres:// URL, or (Secrets Manager access) resolved from the local secret store at each use. */
  readonly url: string | undefined;
  readonly secretId: string | undefined;
  readonly databaseName: string;
  readonly slotName: string | undefined;
  readonly pluginName: PluginName | undefined;
}

export interface LocalTask {
  readonly arn: string;
  readonly spec: CdcTaskSpec;
  status: TaskStatus;
  stopReason: string | undefined;
  lastFailureMessage: string | undefined;
  /** DMS recreates the slot when a task that has run is started with start-replication. */
  ranBefore: boolean;
  checkpoint: StoredCheckpoint | undefined;
  startDate: Date | undefined;
  stopDate: Date | undefined;
  runner: TaskRunner | undefined;
  cdcStartPosition: string;
}

/** DMS-shaped ARN: arn:aws:dms:<region>:<account>:<kind>:<26 upper-case alphanumerics>. */
export function localArn(kind: 'endpoint' | 'task', identifier: string): string {
  const id = createHash('sha256')
    .update(`${kind}:${identifier}:${process.pid}:${Date.now()}:${Math.random()}`)
    .digest('hex');
  return `arn:aws:dms:${LOCAL_REGION}:${LOCAL_ACCOUNT}:${kind}:${id.slice(0, 26).toUpperCase()}`;
}

export function endpointView(e: LocalEndpoint): Endpoint {
  return {
    arn: e.arn,
    identifier: e.identifier,
    endpointType: e.endpointType,
    engineName: e.engineName,
    databaseName: e.databaseName,
    slotName: e.slotName,
    pluginName: e.pluginName,
    status: 'active',
  };
}

export function taskView(t: LocalTask, recoveryCheckpoint: string | undefined): Task {
  return {
    arn: t.arn,
    identifier: t.spec.identifier,
    status: t.status,
    migrationType: 'cdc',
    replicationInstanceArn: t.spec.replicationInstanceArn,
    sourceEndpointArn: t.spec.sourceEndpointArn,
    targetEndpointArn: t.spec.targetEndpointArn,
    tableMappings: t.spec.tableMappings,
    cdcStartPosition: t.cdcStartPosition,
    cdcStopPosition: t.spec.cdcStopPosition,
    stopReason: t.stopReason,
    lastFailureMessage: t.lastFailureMessage,
    recoveryCheckpoint,
    ...(t.spec.taskSettings === undefined ? {} : { replicationTaskSettings: t.spec.taskSettings }),
    startDate: t.startDate,
    stopDate: t.stopDate,
  };
}
