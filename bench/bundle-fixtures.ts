/**
 * The fixtures of npm run bench:bundle: the local source (slots, a table, a walsender holding a slot)
 * and, per function, the event, secret and environment its handler runs once with.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import type { PgNode } from '../src/local/postgres/index.js';
import { selectionMappings } from '../src/local/table-mappings.js';
import type { AwsFixture } from './bundle-moto.js';

const ROOT = path.resolve(import.meta.dirname, '..');

export interface Invocation {
  readonly event: unknown;
  /** The secret text the injected SecretStore returns. */
  readonly secret: string;
  /** The function's environment as its handler reads it (deps.env, and process.env in the child). */
  readonly env: Record<string, string>;
}

export interface Fixture {
  readonly source: PgNode;
  readonly aws: AwsFixture;
  /** The PID of a walsender holding bench_hold (terminateSlotHolder ends it). */
  readonly holderPid: number;
}

/** The functions whose handler calls AWS APIs (answered by moto here). */
export const AWS_FUNCTIONS = new Set([
  'createSourceEndpoint',
  'testEndpointConnection',
  'createCdcTask',
  'startTask',
  'describeTask',
  'stopTask',
  'findTask',
  'pollTask',
  'checkCatchUp',
  'notify',
  'healthCheck',
  'decideRecovery',
  'notifyRecovery',
  'routeRecoveryEvent',
  'notifyAlarm',
]);

const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:bench-local-AbCdEf';
const SOURCE_ENV = { SOURCE_SECRET_ARN: SECRET_ARN, SOURCE_TLS: 'disable' };
const SOURCE = { secretArn: SECRET_ARN, database: 'postgres' };
const TABLE_MAPPINGS = selectionMappings({ schema: 'public', table: 'bench_rows' });
const THRESHOLDS = {
  maxLagBytes: 1024,
  maxLatencySeconds: 30,
  consecutivePolls: 2,
  catchUpTimeoutSeconds: 600,
};

function secretFor(source: PgNode): string {
  return JSON.stringify({
    username: 'postgres',
    password: 'bench',
    host: '127.0.0.1',
    port: source.port,
    dbname: 'postgres',
  });
}

function recipe(event: unknown, env: Record<string, string> = {}): (f: Fixture) => Invocation {
  return (f) => ({ event, secret: secretFor(f.source), env });
}

export const INVOCATIONS: Record<string, (f: Fixture) => Invocation> = {
  planCutover: recipe({
    input: {
      name: 'bench',
      source: { secretArn: SECRET_ARN, database: 'postgres', sslMode: 'require' },
      slot: { name: 'bench_slot' },
      replicationInstanceArn: 'arn:aws:dms:us-east-1:123456789012:rep:bench-rep',
      target: { endpointArn: 'arn:aws:dms:us-east-1:123456789012:endpoint:TARGET' },
      tableMappings: TABLE_MAPPINGS,
    },
  }),
  preflight: recipe(
    { slotName: 'bench_slot', plugin: 'test-decoding', tableMappings: TABLE_MAPPINGS },
    { ...SOURCE_ENV, TARGET_SECRET_ARN: SECRET_ARN, TARGET_TLS: 'disable' },
  ),
  inspectSlot: recipe({ slotName: 'bench_slot' }, SOURCE_ENV),
  ensureSlot: recipe({ slotName: 'bench_ensured', allowCreate: true }, SOURCE_ENV),
  createSourceEndpoint: recipe(
    {
      identifierPrefix: 'bench',
      sourceName: 'bench',
      slotName: 'bench_slot',
      plugin: 'test-decoding',
      databaseName: 'postgres',
      sslMode: 'require',
    },
    {
      SOURCE_SECRET_ARN: SECRET_ARN,
      DMS_SECRETS_ACCESS_ROLE_ARN: 'arn:aws:iam::123456789012:role/bench-dms-secrets',
    },
  ),
  testEndpointConnection: (f) =>
    recipe({
      replicationInstanceArn: f.aws.replicationInstanceArn,
      endpointArn: f.aws.sourceEndpointArn,
      waitSeconds: 0,
    })(f),
  createCdcTask: (f) =>
    recipe(
      {
        identifierPrefix: 'bench',
        sourceName: 'bench',
        slotName: 'bench_slot',
        plugin: 'test-decoding',
        databaseName: 'postgres',
        replicationInstanceArn: f.aws.replicationInstanceArn,
        sourceEndpointArn: f.aws.sourceEndpointArn,
        targetEndpointArn: f.aws.targetEndpointArn,
        tableMappings: TABLE_MAPPINGS,
        sourceSecretArn: SECRET_ARN,
      },
      SOURCE_ENV,
    )(f),
  startTask: (f) => recipe({ taskArn: f.aws.readyTaskArn })(f),
  describeTask: (f) => recipe({ taskArn: f.aws.runningTaskArn })(f),
  stopTask: (f) => recipe({ taskArn: f.aws.stoppableTaskArn })(f),
  findTask: recipe({ identifierPrefix: 'bench', sourceName: 'bench', slotName: 'bench_slot' }),
  pollTask: (f) => recipe({ taskArn: f.aws.runningTaskArn, until: ['running'], timeoutSeconds: 600 })(f),
  checkCatchUp: (f) =>
    recipe(
      { taskArn: f.aws.runningTaskArn, source: SOURCE, slotName: 'bench_slot', thresholds: THRESHOLDS },
      SOURCE_ENV,
    )(f),
  // Counting as the source is now: a strict run needs a stopped task with a RecoveryCheckpoint.
  verifyRowCounts: (f) =>
    recipe(
      {
        source: SOURCE,
        target: SOURCE,
        tableMappings: TABLE_MAPPINGS,
        strict: false,
        taskArn: f.aws.runningTaskArn,
        slotName: 'bench_slot',
      },
      { ...SOURCE_ENV, TARGET_SECRET_ARN: SECRET_ARN, TARGET_TLS: 'disable' },
    )(f),
  notify: (f) =>
    recipe(
      { kind: 'success', state: { taskArn: f.aws.runningTaskArn, sourceName: 'bench' } },
      { ALERT_TOPIC_ARN: f.aws.topicArn },
    )(f),
  healthCheck: (f) =>
    recipe(
      {
        source: {
          name: 'bench',
          secretArn: SECRET_ARN,
          database: 'postgres',
          dmsTasks: [
            {
              taskArn: f.aws.runningTaskArn,
              replicationInstanceIdentifier: f.aws.replicationInstanceIdentifier,
            },
          ],
        },
      },
      {
        ALERT_TOPIC_ARN: f.aws.topicArn,
        ALERT_STATE_TABLE: f.aws.alertStateTable,
        ALERT_STATE_TTL_DAYS: '30',
        SOURCE_TLS: 'disable',
        POWERTOOLS_METRICS_NAMESPACE: 'DmsCdc/Health',
      },
    )(f),
  decideRecovery: (f) =>
    recipe(
      { input: { taskArn: f.aws.runningTaskArn, source: SOURCE, slotName: 'bench_slot' } },
      SOURCE_ENV,
    )(f),
  terminateSlotHolder: (f) =>
    recipe(
      { source: SOURCE, slotName: 'bench_hold', pid: f.holderPid, allowed: true, waitMs: 5_000 },
      SOURCE_ENV,
    )(f),
  notifyRecovery: (f) =>
    recipe(
      {
        kind: 'recovered',
        state: { input: { taskArn: f.aws.runningTaskArn, slotName: 'bench_slot', source: SOURCE } },
      },
      { ALERT_TOPIC_ARN: f.aws.topicArn },
    )(f),
  routeRecoveryEvent: (f) =>
    recipe(
      {
        id: '7bf73129-1428-4cd3-a780-95db273d1602',
        source: 'aws.dms',
        'detail-type': 'DMS Replication Task State Change',
        time: '2026-03-01T12:00:00Z',
        resources: [f.aws.runningTaskArn],
        detail: {
          type: 'REPLICATION_TASK',
          eventType: 'REPLICATION_TASK_FAILED',
          detailMessage: 'Last Error bench',
        },
      },
      {
        RECOVER_STATE_MACHINE_ARN: f.aws.stateMachineArn,
        RECOVERY_ROUTES: JSON.stringify({
          routes: [
            {
              taskArn: f.aws.runningTaskArn,
              sourceIds: ['bench'],
              source: SOURCE,
              slotName: 'bench_slot',
            },
          ],
        }),
      },
    )(f),
  // CloudWatch's documented Lambda alarm-action payload (test/fixtures/events).
  notifyAlarm: (f) =>
    recipe(
      JSON.parse(
        readFileSync(
          path.join(ROOT, 'test/fixtures/events/cloudwatch-alarm-lambda-action.user-guide.json'),
          'utf8',
        ),
      ),
      { ALERT_TOPIC_ARN: f.aws.topicArn, ALERT_SOURCE: 'dms-cdc-orchestrator-bench' },
    )(f),
};

export async function prepareSource(source: PgNode): Promise<void> {
  await source.query(`SELECT pg_create_logical_replication_slot('bench_slot', 'test_decoding')`);
  await source.query(`SELECT pg_create_logical_replication_slot('bench_hold', 'test_decoding')`);
  await source.query('CREATE TABLE bench_rows (id int PRIMARY KEY, note text)');
  await source.query(`INSERT INTO bench_rows SELECT g, md5(g::text) FROM generate_series(1, 10000) g`);
}

/**
 * A walsender streaming bench_hold over a replication connection, so terminateSlotHolder has a real
 * holder to end. The client never reads the stream; its error when terminated is expected.
 */
export async function holdSlot(source: PgNode): Promise<{ pid: number; client: pg.Client }> {
  const client = new pg.Client({
    host: '127.0.0.1',
    port: source.port,
    user: 'postgres',
    database: 'postgres',
    replication: 'database',
  } as pg.ClientConfig);
  client.on('error', () => {});
  await client.connect();
  client.query('START_REPLICATION SLOT bench_hold LOGICAL 0/0').catch(() => {});
  const deadline = Date.now() + 10_000;
  for (;;) {
    const rows = await source.query<{ active_pid: number }>(
      `SELECT active_pid FROM pg_replication_slots WHERE slot_name = 'bench_hold' AND active`,
    );
    const pid = rows[0]?.active_pid;
    if (pid) return { pid: Number(pid), client };
    if (Date.now() > deadline) throw new Error('bench_hold never became active');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
