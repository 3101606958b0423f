import { DatabaseMigrationServiceServiceException } from '@aws-sdk/client-database-migration-service';
import { selectionMappings } from '../../../src/local/table-mappings.js';
import type { CdcTaskSpec, Endpoint, SourceEndpointSpec, Task } from '../../../src/ports/dms.js';

export const INSTANCE_ARN = 'arn:aws:dms:us-east-1:123456789012:rep:INSTANCE1';
export const SOURCE_ARN = 'arn:aws:dms:us-east-1:123456789012:endpoint:SOURCE1';
export const TARGET_ARN = 'arn:aws:dms:us-east-1:123456789012:endpoint:TARGET1';
export const TASK_ARN = 'arn:aws:dms:us-east-1:123456789012:task:TASK1';
export const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:orders-source-AbCdEf';
export const ACCESS_ROLE_ARN = 'arn:aws:iam::123456789012:role/dms-secrets-access';
export const TABLE_MAPPINGS = JSON.stringify(selectionMappings({ schema: 'public' }));

/** What DMS answers when the account's request rate is exceeded: the error every throttling test sends. */
export function throttlingException(): DatabaseMigrationServiceServiceException {
  return new DatabaseMigrationServiceServiceException({
    name: 'ThrottlingException',
    $fault: 'client',
    $metadata: { httpStatusCode: 400 },
    message: 'Rate exceeded',
  });
}

export function sourceEndpointSpec(overrides: Partial<SourceEndpointSpec> = {}): SourceEndpointSpec {
  return {
    identifier: 'prod-src-orders-dms-orders-slot-1a2b3c4d',
    access: { kind: 'secrets-manager', secretId: SECRET_ARN, accessRoleArn: ACCESS_ROLE_ARN },
    databaseName: 'orders',
    slotName: 'dms_orders_slot',
    pluginName: 'test-decoding',
    sslMode: 'verify-full',
    heartbeat: { enabled: true, frequencyMinutes: 5 },
    captureDdls: false,
    tags: { app: 'dms-cdc-orchestrator', source: 'orders' },
    ...overrides,
  };
}

export function cdcTaskSpec(overrides: Partial<CdcTaskSpec> = {}): CdcTaskSpec {
  return {
    identifier: 'prod-cdc-orders-dms-orders-slot-4af-b00000d0-5e6f7a8b',
    replicationInstanceArn: INSTANCE_ARN,
    sourceEndpointArn: SOURCE_ARN,
    targetEndpointArn: TARGET_ARN,
    tableMappings: TABLE_MAPPINGS,
    taskSettings: undefined,
    cdcStartPosition: '4AF/B00000D0',
    cdcStopPosition: undefined,
    tags: { app: 'dms-cdc-orchestrator' },
    ...overrides,
  };
}

/** A port Task as the adapter maps it, for the in-memory fake and the ensure tests. */
export function portTask(overrides: Partial<Task> = {}): Task {
  return {
    arn: TASK_ARN,
    identifier: cdcTaskSpec().identifier,
    status: 'ready',
    migrationType: 'cdc',
    replicationInstanceArn: INSTANCE_ARN,
    sourceEndpointArn: SOURCE_ARN,
    targetEndpointArn: TARGET_ARN,
    tableMappings: TABLE_MAPPINGS,
    cdcStartPosition: '4AF/B00000D0',
    cdcStopPosition: undefined,
    stopReason: undefined,
    lastFailureMessage: undefined,
    recoveryCheckpoint: undefined,
    startDate: undefined,
    stopDate: undefined,
    ...overrides,
  };
}

/** The source endpoint DMS reports for a created spec, under this ARN. */
export function endpointFromSpec(arn: string, spec: SourceEndpointSpec): Endpoint {
  return {
    arn,
    identifier: spec.identifier,
    endpointType: 'source',
    engineName: 'postgres',
    databaseName: spec.databaseName,
    slotName: spec.slotName,
    pluginName: spec.pluginName,
    status: 'active',
  };
}
