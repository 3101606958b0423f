import 'aws-sdk-client-mock-vitest/extend';
import { Logger } from '@aws-lambda-powertools/logger';
import type { ReplicationTask } from '@aws-sdk/client-database-migration-service';
import { DatabaseMigrationServiceClient } from '@aws-sdk/client-database-migration-service';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import type pg from 'pg';
import { afterEach, beforeEach, expect, vi } from 'vitest';
import { buildAwsDms } from '../../../src/adapters/aws/dms.js';
import { buildSecretsManagerStore } from '../../../src/adapters/aws/secrets.js';
import type { PgConnector, PgSession } from '../../../src/adapters/pg/client.js';
import { InvalidInputError } from '../../../src/core/errors.js';
import { selectionMappings } from '../../../src/local/table-mappings.js';
import type { Dms } from '../../../src/ports/dms.js';

/** Shared by the handler tests: a Lambda context, captured structured logs, fakes for pg and DMS shapes. */

export const REGION = 'us-east-1';
export const ACCOUNT = '123456789012';
export const INSTANCE_ARN = `arn:aws:dms:${REGION}:${ACCOUNT}:rep:INSTANCE1`;
export const SOURCE_ENDPOINT_ARN = `arn:aws:dms:${REGION}:${ACCOUNT}:endpoint:SOURCE1`;
export const TARGET_ENDPOINT_ARN = `arn:aws:dms:${REGION}:${ACCOUNT}:endpoint:TARGET1`;
export const TASK_ARN = `arn:aws:dms:${REGION}:${ACCOUNT}:task:TASK1`;
export const CERT_ARN = `arn:aws:dms:${REGION}:${ACCOUNT}:cert:RDSCA2024`;
export const SOURCE_SECRET_ARN = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:dms-cdc/source-AbCdEf`;
export const ACCESS_ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/dms-cdc-secrets-access`;
export const PASSWORD = 'pw-Zq9!never-logged';
export const SECRET = {
  username: 'dms_user',
  password: PASSWORD,
  host: 'source.abc123.us-east-1.rds.amazonaws.com',
  port: 5432,
  dbname: 'orders',
};

export function lambdaContext(remainingMs = 30_000): Context {
  return {
    functionName: 'dms-cdc-orchestrator-test',
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:dms-cdc-orchestrator-test`,
    memoryLimitInMB: '256',
    awsRequestId: 'c0ffee00-0000-4000-8000-000000000002',
    logGroupName: '/aws/lambda/dms-cdc-orchestrator-test',
    logStreamName: 'stream',
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => remainingMs,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

export function testLogger(): Logger {
  return new Logger({ serviceName: 'dms-cdc-test', logLevel: 'DEBUG' });
}

/** A real AWS adapter over a client that aws-sdk-client-mock intercepts; one attempt, so faults surface at once. */
export function awsDms(): Dms {
  return buildAwsDms(new DatabaseMigrationServiceClient({ region: REGION, maxAttempts: 1 }));
}

/**
 * A handler that reads the source's secret, as its tests run it: Secrets Manager mocked to answer
 * SECRET (reset before each test, so a test may answer otherwise), the logs captured, and the real
 * Secrets Manager store the handler reads it through.
 */
export function sourceSecretTest() {
  const secretsManager = mockClient(SecretsManagerClient);
  const logged = captureLogs();
  beforeEach(() => {
    secretsManager.reset();
    secretsManager.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify(SECRET) });
  });
  const secretStore = () => buildSecretsManagerStore(new SecretsManagerClient({ region: REGION }));
  return { secretsManager, logged, secretStore };
}

/**
 * A handler that only calls DMS, as its tests run it: the SDK client mocked (reset before each test),
 * the logs captured, and `invoke` calling the handler over the real adapter with a Lambda context.
 */
export function dmsHandlerTest<T>(
  make: (deps: { dms: Dms; logger: Logger }) => (event: unknown, context: Context) => Promise<T>,
) {
  const dmsMock = mockClient(DatabaseMigrationServiceClient);
  const logged = captureLogs();
  beforeEach(() => {
    dmsMock.reset();
  });
  const invoke = (event: unknown) => make({ dms: awsDms(), logger: testLogger() })(event, lambdaContext());
  return { dmsMock, logged, invoke };
}

/** Every line Powertools writes during a test, for "never logs the password" checks. */
export function captureLogs(): string[] {
  const logged: string[] = [];
  beforeEach(() => {
    logged.length = 0;
    for (const stream of [process.stdout, process.stderr]) {
      vi.spyOn(stream, 'write').mockImplementation((chunk: unknown) => {
        logged.push(String(chunk));
        return true;
      });
    }
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });
  return logged;
}

export async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the handler to fail');
}

/** The handler refused its input with an InvalidInputError naming `field`, before calling AWS at all. */
export async function expectRefusedInput(
  invocation: Promise<unknown>,
  field: string,
  aws: unknown,
): Promise<void> {
  const error = await failure(invocation);
  expect(error).toBeInstanceOf(InvalidInputError);
  expect(error).toMatchObject({ name: 'InvalidInputError', field });
  expect(aws).not.toReceiveAnyCommand();
}

export interface FakePg {
  readonly connect: PgConnector;
  readonly configs: pg.ClientConfig[];
  readonly queries: { sql: string; params: unknown[] }[];
  /** Sessions opened minus sessions ended. */
  open(): number;
}

/** A pg connector whose sessions answer each statement with `respond(sql, params)`. */
export function fakePg(respond: (sql: string, params: unknown[]) => unknown[] | Error): FakePg {
  let opened = 0;
  let ended = 0;
  const fake: FakePg = {
    configs: [],
    queries: [],
    open: () => opened - ended,
    connect: async (config) => {
      fake.configs.push(config);
      opened += 1;
      const session = {
        query: async (sql: string, params: unknown[] = []) => {
          fake.queries.push({ sql, params });
          const rows = respond(sql, params);
          if (rows instanceof Error) throw rows;
          return { rows };
        },
        end: async () => {
          ended += 1;
        },
      };
      return session as unknown as PgSession;
    },
  };
  return fake;
}

/** One row of the slot adapter's statement (pg_replication_slots + the server position). */
export function slotRow(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    slot_name: 'dms_slot',
    slot_type: 'logical',
    plugin: 'test_decoding',
    database: 'orders',
    temporary: false,
    active: false,
    active_pid: null,
    application_name: null,
    restart_lsn: '4AF/B0000028',
    confirmed_flush_lsn: '4AF/B00000D0',
    wal_status: 'reserved',
    safe_wal_size: null,
    two_phase: false,
    failover: false,
    synced: false,
    inactive_since: '2026-01-02T03:04:05.678Z',
    server_lsn: '4AF/B0001000',
    in_recovery: false,
    ...overrides,
  };
}

export const isSlotQuery = (sql: string) => sql.includes('FROM pg_replication_slots s');

export const TABLE_MAPPINGS = selectionMappings({ name: 'shop', schema: 'shop' });

/** What a cutover's DMS endpoint and task are named and set up from: the plan's prefix, source, slot, plugin and database. */
export const CUTOVER_NAMES = {
  identifierPrefix: 'cutover',
  sourceName: 'orders',
  slotName: 'dms_slot',
  plugin: 'test-decoding',
  databaseName: 'orders',
};

/** A ReplicationTask as DescribeReplicationTasks returns it. */
export function sdkTask(overrides: Partial<ReplicationTask> = {}): ReplicationTask {
  return {
    ReplicationTaskArn: TASK_ARN,
    ReplicationTaskIdentifier: 'cutover-cdc-orders-dms-slot-1a2b3c4d',
    Status: 'ready',
    MigrationType: 'cdc',
    ReplicationInstanceArn: INSTANCE_ARN,
    SourceEndpointArn: SOURCE_ENDPOINT_ARN,
    TargetEndpointArn: TARGET_ENDPOINT_ARN,
    TableMappings: JSON.stringify(TABLE_MAPPINGS),
    CdcStartPosition: '4AF/B00000D0',
    ...overrides,
  };
}
