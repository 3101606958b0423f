/**
 * The narrow slice of AWS DMS the orchestrator uses. Two implementations:
 * src/adapters/aws/dms (the real service) and src/adapters/local/dms (the local engine used by
 * `npm start` and the tests). Everything data safety depends on is expressed here, so a wrong
 * decision shows up the same way on both.
 */

import type { TaskStatus } from '../core/task-status.js';

export type { TaskStatus };

/** StartReplicationTaskType. A restart (`start-replication` on a task that ran) recreates the slot. */
export type StartType = 'start-replication' | 'resume-processing' | 'reload-target';

/** The SDK's PluginNameValue enum for PostgreSQLSettings.PluginName. */
import type { PluginName } from '../core/output-plugins.js';

export type { PluginName };

/** CreateEndpoint EngineName values for a PostgreSQL source. */
export type SourceEngineName = 'postgres' | 'aurora-postgresql';

/** How DMS reaches the source database. */
export type SourceAccess =
  /** AWS: DMS reads host, port, user and password from this secret through the access role. */
  | { readonly kind: 'secrets-manager'; readonly secretId: string; readonly accessRoleArn: string }
  /** Local mode only: a postgres:// URL the local engine connects to. */
  | { readonly kind: 'url'; readonly url: string };

export interface SourceEndpointSpec {
  /** Deterministic, DMS-valid identifier (see src/core/dms/identifiers.ts). */
  readonly identifier: string;
  readonly access: SourceAccess;
  /** EngineName: `aurora-postgresql` for an Aurora PostgreSQL source; `postgres` when absent. */
  readonly engineName?: SourceEngineName;
  readonly databaseName: string;
  readonly slotName: string;
  readonly pluginName: PluginName;
  /** DMS SSL mode for the endpoint; `verify-full` unless the input says otherwise. */
  readonly sslMode: 'require' | 'verify-ca' | 'verify-full' | 'none';
  /** CertificateArn: the CA certificate imported into DMS that verify-ca and verify-full check against. */
  readonly certificateArn?: string;
  /** HeartbeatEnable (on by default: keeps restart_lsn moving on idle databases). */
  readonly heartbeat: {
    readonly enabled: boolean;
    readonly frequencyMinutes: number;
    readonly schema?: string;
  };
  readonly captureDdls: boolean;
  /** PostgreSQLSettings.DdlArtifactsSchema: where DMS creates its DDL-capture artifacts (DMS default: public). */
  readonly ddlArtifactsSchema?: string;
  readonly tags: Readonly<Record<string, string>>;
}

export interface Endpoint {
  readonly arn: string;
  readonly identifier: string;
  readonly endpointType: 'source' | 'target';
  readonly engineName: string;
  readonly databaseName: string | undefined;
  readonly slotName: string | undefined;
  readonly pluginName: PluginName | undefined;
  readonly status: string | undefined;
}

export type ConnectionStatus = 'testing' | 'successful' | 'failed' | 'deleting';

export interface ConnectionTest {
  readonly status: ConnectionStatus;
  readonly lastFailureMessage: string | undefined;
}

export interface CdcTaskSpec {
  readonly identifier: string;
  readonly replicationInstanceArn: string;
  readonly sourceEndpointArn: string;
  readonly targetEndpointArn: string;
  /** The table-mapping document, as JSON text. */
  readonly tableMappings: string;
  /** ReplicationTaskSettings JSON text, or undefined for DMS defaults. */
  readonly taskSettings: string | undefined;
  /** Native CDC start point: an LSN like 4AF/B00000D0, never older than the slot's confirmed_flush_lsn. */
  readonly cdcStartPosition: string;
  /** `server_time:YYYY-MM-DDTHH:MM:SS` or `commit_time:YYYY-MM-DDTHH:MM:SS`. */
  readonly cdcStopPosition: string | undefined;
  readonly tags: Readonly<Record<string, string>>;
}

export interface Task {
  readonly arn: string;
  readonly identifier: string;
  readonly status: TaskStatus;
  readonly migrationType: 'cdc' | 'full-load' | 'full-load-and-cdc';
  readonly replicationInstanceArn: string;
  readonly sourceEndpointArn: string;
  readonly targetEndpointArn: string;
  readonly tableMappings: string;
  readonly cdcStartPosition: string | undefined;
  readonly cdcStopPosition: string | undefined;
  /**
   * As DMS writes it: `Stop Reason STOPPED_AT_SERVER_TIME`, or for a failure the long
   * `Last Error <message> Stop Reason FATAL_ERROR Error Level FATAL`. Read it with src/core/stop-reason.ts.
   */
  readonly stopReason: string | undefined;
  readonly lastFailureMessage: string | undefined;
  /** `checkpoint:V1#1#000004AF/B00000D0#0#0#*#0#0`; readable while stopped or failed. */
  readonly recoveryCheckpoint: string | undefined;
  /** ReplicationTaskSettings JSON as DMS reports it (ErrorBehavior says whether DMS restarts the task itself). */
  readonly replicationTaskSettings?: string;
  readonly startDate: Date | undefined;
  readonly stopDate: Date | undefined;
}

export interface StartTaskOptions {
  readonly cdcStartPosition?: string;
  readonly cdcStopPosition?: string;
}

export interface Dms {
  findEndpoint(identifier: string): Promise<Endpoint | undefined>;
  /** The endpoint with this ARN; DmsResourceNotFoundError when it no longer exists. */
  describeEndpoint(arn: string): Promise<Endpoint>;
  createSourceEndpoint(spec: SourceEndpointSpec): Promise<Endpoint>;
  deleteEndpoint(arn: string): Promise<void>;
  /** Starts a connection test from the replication instance; poll with describeConnectionTest. */
  testConnection(replicationInstanceArn: string, endpointArn: string): Promise<ConnectionTest>;
  describeConnectionTest(
    replicationInstanceArn: string,
    endpointArn: string,
  ): Promise<ConnectionTest | undefined>;
  findTask(identifier: string): Promise<Task | undefined>;
  describeTask(arn: string): Promise<Task>;
  createCdcTask(spec: CdcTaskSpec): Promise<Task>;
  startTask(arn: string, startType: StartType, options?: StartTaskOptions): Promise<Task>;
  stopTask(arn: string): Promise<Task>;
  deleteTask(arn: string): Promise<void>;
}

/** The DMS engine version a replication instance runs (its EngineVersion, e.g. "3.5.3"). */
export type DmsEngineVersionReader = (replicationInstanceArn: string) => Promise<string>;
