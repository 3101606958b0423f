import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { makeHandler as createCdcTask } from '../../functions/create-cdc-task.js';
import { makeHandler as createSourceEndpoint } from '../../functions/create-source-endpoint.js';
import { makeHandler as describeTask } from '../../functions/describe-task.js';
import { makeHandler as ensureSlot } from '../../functions/ensure-slot.js';
import { makeHandler as startTask } from '../../functions/start-task.js';
import { makeHandler as stopTask } from '../../functions/stop-task.js';
import { makeHandler as testEndpointConnection } from '../../functions/test-endpoint-connection.js';
import { LocalDms } from '../../src/adapters/local/dms/engine.js';
import { TaskRestartRefusedError } from '../../src/core/cdc/start-rule.js';
import { DEMO_TRANSACTION_SQL } from '../../src/local/demo-schema.js';
import type { TaskStatus } from '../../src/ports/dms.js';
import { lambdaTestContext } from '../support/lambda-context.js';
import { demoServers } from '../support/local-dms.js';
import type { PgNode } from '../support/pg.js';
import { ALL_TABLES_MAPPING, diffTables, waitForStatus } from '../support/replication.js';
import { loopbackSecret } from '../support/secrets.js';

/**
 * The cutover chain through the real handlers, each fed the previous one's output the way a state
 * machine would: real PostgreSQL 17 source and target, the local DMS engine injected as the Dms
 * dependency, Secrets Manager answered with a loopback secret (SOURCE_TLS=disable is only accepted for
 * loopback hosts).
 */

const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:dms-cdc/local-source-AbCdEf';
const INSTANCE_ARN = 'arn:aws:dms:local:000000000000:rep:LOCAL';
const ENV = { SOURCE_SECRET_ARN: SECRET_ARN, SOURCE_TLS: 'disable' };
const secretsManager = mockClient(SecretsManagerClient);

let source: PgNode;
let target: PgNode;
let dms: LocalDms;

beforeAll(async () => {
  [source, target] = await demoServers(['lambdas-src', 'lambdas-tgt']);
  secretsManager.on(GetSecretValueCommand, { SecretId: SECRET_ARN }).resolves({
    SecretString: loopbackSecret(source.port),
  });
  vi.stubEnv('AWS_REGION', 'us-east-1');
  dms = new LocalDms();
});

afterAll(async () => {
  await dms?.shutdown();
  secretsManager.restore();
  vi.unstubAllEnvs();
});

const context = (): Context => lambdaTestContext('cdc-lambdas-it');

// The real handlers; only the DMS dependency (and the environment) is swapped.
const steps = {
  ensureSlot: (event: unknown) => ensureSlot({ env: ENV })(event, context()),
  createSourceEndpoint: (event: unknown) =>
    createSourceEndpoint({ dms, env: {}, sourceAccess: { kind: 'url', url: source.url() } })(
      event,
      context(),
    ),
  testEndpointConnection: (event: unknown) => testEndpointConnection({ dms, pollMs: 50 })(event, context()),
  createCdcTask: (event: unknown) => createCdcTask({ dms, env: ENV })(event, context()),
  startTask: (event: unknown) => startTask({ dms })(event, context()),
  describeTask: (event: unknown) => describeTask({ dms })(event, context()),
  stopTask: (event: unknown) => stopTask({ dms })(event, context()),
};

const write = async (from: number, to: number) => {
  for (let i = from; i <= to; i += 1) await source.query(DEMO_TRANSACTION_SQL, [i]);
};

async function slotPositions(): Promise<{ confirmed: string; restart: string }> {
  const [row] = await source.query<{ confirmed: string; restart: string }>(
    `SELECT confirmed_flush_lsn::text AS confirmed, restart_lsn::text AS restart
       FROM pg_replication_slots WHERE slot_name = 'dms_slot'`,
  );
  if (!row) throw new Error('dms_slot is missing');
  return row;
}

/** Polls describe-task (the handler) the way the state machine's wait loop does. */
async function describeUntil(taskArn: string, until: TaskStatus[], timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const described = await steps.describeTask({ taskArn });
    if (until.includes(described.status) || Date.now() > deadline) return described;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Waits until the target holds customer `id` (the last one written), then compares every row. */
async function untilTargetHas(id: number, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const rows = await target.query('SELECT 1 FROM shop.customers WHERE id = $1', [id]);
    if (rows.length > 0) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return diffTables(source, target);
}

const customerIds = (rows: string[]) => rows.map((r) => (JSON.parse(r) as { id: number }).id);

describe('the CDC Lambdas chained against PostgreSQL 17 and the local DMS engine', () => {
  const slot = { slotName: 'dms_slot', plugin: 'test-decoding', database: 'postgres' } as const;
  const common = {
    identifierPrefix: 'it',
    sourceName: 'local-orders',
    slotName: slot.slotName,
    plugin: slot.plugin,
    databaseName: slot.database,
  };
  let taskArn: string;

  it('ensure-slot creates the slot when allowed, and a second run finds it', async () => {
    const created = await steps.ensureSlot({ ...slot, allowCreate: true });
    expect(created).toMatchObject({ slotName: 'dms_slot', created: true });
    expect(created.confirmedFlushLsn).toBe((await slotPositions()).confirmed);

    const again = await steps.ensureSlot({ ...slot, allowCreate: true });
    expect(again).toMatchObject({ created: false, confirmedFlushLsn: created.confirmedFlushLsn });
    const open = await source.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'dms-cdc-ensure-slot'`,
    );
    expect(open).toEqual([{ n: 0 }]);
  });

  it('create-cdc-task starts at the slot confirmed_flush_lsn as it is when the task is created', async () => {
    // Transactions 1-4 are consumed from the slot (an earlier consumer confirmed them); 5-6 stay in it.
    await write(1, 4);
    await source.query(`SELECT count(*) FROM pg_logical_slot_get_changes('dms_slot', NULL, NULL)`);
    await write(5, 6);
    const { confirmed } = await slotPositions();

    const endpoint = await steps.createSourceEndpoint({ ...common, sslMode: 'require' });
    expect(endpoint).toMatchObject({ created: true, slotName: 'dms_slot' });
    const target_ = dms.registerTargetEndpoint('it-target', target.url());
    const connection = await steps.testEndpointConnection({
      replicationInstanceArn: INSTANCE_ARN,
      endpointArn: endpoint.endpointArn,
    });
    expect(connection).toMatchObject({ status: 'successful', done: true });

    const request = {
      ...common,
      replicationInstanceArn: INSTANCE_ARN,
      sourceEndpointArn: endpoint.endpointArn,
      targetEndpointArn: target_.arn,
      tableMappings: ALL_TABLES_MAPPING,
    };
    const created = await steps.createCdcTask(request);
    expect(created).toMatchObject({
      created: true,
      cdcStartPosition: confirmed,
      confirmedFlushLsn: confirmed,
    });
    taskArn = created.taskArn;

    // A retried step: the endpoint and the task are found, not made again, with the source moving on.
    // (Nothing may consume the slot now: a task's start position older than the slot fails the task.)
    await write(7, 7);
    expect(await steps.createSourceEndpoint({ ...common, sslMode: 'require' })).toMatchObject({
      created: false,
      endpointArn: endpoint.endpointArn,
    });
    const again = await steps.createCdcTask(request);
    expect(again).toMatchObject({
      created: false,
      taskArn,
      cdcStartPosition: confirmed,
      confirmedFlushLsn: null,
    });
  });

  it('start-task starts it and the target receives what was committed after that position', async () => {
    await waitForStatus(dms, taskArn, ['ready']);
    const started = await steps.startTask({ taskArn });
    expect(started).toMatchObject({ started: true, startType: 'start-replication' });
    const running = await describeUntil(taskArn, ['running']);
    expect(running, JSON.stringify(running)).toMatchObject({ status: 'running' });
    expect(await steps.startTask({ taskArn })).toMatchObject({ started: false, status: 'running' });

    await write(8, 10);
    const [customers, orders] = await untilTargetHas(10);
    // 1-4 were confirmed before the task's start position; 5-7 were in the slot and arrive, then 8-10.
    expect(customerIds(customers?.missingOnTarget ?? [])).toEqual([1, 2, 3, 4]);
    expect(customers?.extraOnTarget).toEqual([]);
    expect(orders?.missingOnTarget).toHaveLength(4 * 3);
    expect(orders?.extraOnTarget).toEqual([]);
  });

  it('stop-task stops it; a restart is refused and resume-processing continues from the checkpoint', async () => {
    expect(await steps.stopTask({ taskArn })).toMatchObject({ stopped: true });
    const stopped = await describeUntil(taskArn, ['stopped']);
    expect(stopped).toMatchObject({ status: 'stopped' });
    expect(stopped.checkpointLsn).toMatch(/^[0-9A-F]+\/[0-9A-F]+$/);
    expect(await steps.stopTask({ taskArn })).toMatchObject({ stopped: false, status: 'stopped' });

    await write(11, 12);
    await expect(steps.startTask({ taskArn })).rejects.toThrow(TaskRestartRefusedError);

    expect(await steps.startTask({ taskArn, startType: 'resume-processing' })).toMatchObject({
      started: true,
    });
    await describeUntil(taskArn, ['running']);
    await write(13, 14);
    const [customers, orders] = await untilTargetHas(14);
    // Nothing written while the task was stopped is lost.
    expect(customerIds(customers?.missingOnTarget ?? [])).toEqual([1, 2, 3, 4]);
    expect(customers?.extraOnTarget).toEqual([]);
    expect(orders?.missingOnTarget).toHaveLength(4 * 3);
    await steps.stopTask({ taskArn });
    await describeUntil(taskArn, ['stopped']);
  });
});
