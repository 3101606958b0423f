import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Logger } from '@aws-lambda-powertools/logger';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HealthCheckDeps, makeHandler } from '../../functions/health-check.js';
import { MemoryAlertStateStore } from '../../src/adapters/local/alert-state-store.js';
import { LocalSnsSink, type SnsNotification } from '../../src/adapters/local/sns-sink.js';
import { connectPg, type PgSession } from '../../src/adapters/pg/client.js';
import { systemClock } from '../../src/adapters/system-clock.js';
import type { HealthMetrics } from '../../src/core/health/run.js';
import { runStateMachine, type TaskHandler } from '../../src/local/stepfunctions/index.js';
import type { CloudMetricsReader } from '../../src/ports/health.js';
import { freePort, type PgNode, primaryForFile } from '../support/pg.js';

const DEFINITION = fileURLToPath(new URL('../../statemachines/health-check.asl.json', import.meta.url));
const SSM_GET_PARAMETER = 'arn:aws:states:::aws-sdk:ssm:getParameter';
const S3_GET_OBJECT = 'arn:aws:states:::aws-sdk:s3:getObject';
const arn = (name: string) => `arn:aws:secretsmanager:us-east-1:123456789012:secret:dms-cdc/${name}-AbCdEf`;
const TASK_ARN = 'arn:aws:dms:us-east-1:123456789012:task:UPIIRRYFTHAI7AAEHCM6X5CAFXH2ODSHQ7M3WUA';

let node: PgNode;
let closedPort: number;
let dir: string;

beforeAll(async () => {
  node = await primaryForFile({ name: 'health-e2e' });
  closedPort = await freePort();
  dir = await mkdtemp(path.join(tmpdir(), 'dms-cdc-health-e2e-'));
  await node.query(`SELECT pg_create_logical_replication_slot('dms_slot', 'test_decoding')`);
  // Transactional, so the commit flushes the 3 MiB: health reads pg_current_wal_lsn(), the write
  // position, which the WAL writer otherwise reaches in its own time (2.2 MiB was read once under load).
  await node.query(
    `SELECT pg_logical_emit_message(true, 'fill', repeat('x', 1024 * 1024)) FROM generate_series(1, 3)`,
  );
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface Fixture {
  readonly tasks: Record<string, TaskHandler>;
  readonly sinkFile: string;
  readonly recorded: string[];
  readonly cloudCalls: string[];
  readonly inFlight: { now: number; most: number };
  readonly sessions: { now: number; most: number };
}

/** The real handler, with Secrets Manager, SNS, DynamoDB and CloudWatch replaced by local stand-ins. */
function fixture(name: string, env: Record<string, string> = {}): Fixture {
  const sinkFile = path.join(dir, `${name}.jsonl`);
  const recorded: string[] = [];
  const cloudCalls: string[] = [];
  const inFlight = { now: 0, most: 0 };
  const sessions = { now: 0, most: 0 };
  const ports: Record<string, number> = { [arn('orders')]: node.port, [arn('billing')]: closedPort };
  const cloud: CloudMetricsReader = {
    async read({ dmsTasks }) {
      cloudCalls.push(...dmsTasks.map((t) => t.taskId));
      return {
        rds: null,
        dms: dmsTasks.map((task) => ({ task, cdcLatencySource: 2000, cdcLatencyTarget: 4 })),
      };
    },
  };
  const metrics: HealthMetrics = {
    record: ({ source, measurement }) =>
      recorded.push(`${source}:${measurement ? 'measured' : 'unreachable'}`),
  };
  const deps: Partial<HealthCheckDeps> = {
    secrets: {
      async getSecretString(secretId) {
        const port = ports[secretId];
        if (port === undefined)
          throw Object.assign(new Error(`no secret ${secretId}`), { name: 'ResourceNotFoundException' });
        return JSON.stringify({
          username: 'postgres',
          password: 'x',
          host: '127.0.0.1',
          port,
          dbname: 'postgres',
        });
      },
    },
    env: { SOURCE_TLS: 'disable', ...env },
    connect: async (config) => {
      const session = await connectPg(config);
      sessions.now += 1;
      sessions.most = Math.max(sessions.most, sessions.now);
      return {
        query: session.query.bind(session),
        end: async () => {
          sessions.now -= 1;
          await session.end();
        },
      } as PgSession;
    },
    logger: new Logger({ serviceName: 'health-e2e', logLevel: 'SILENT' }),
    cloud,
    metrics,
    clock: systemClock,
    state: new MemoryAlertStateStore(),
    alerts: new LocalSnsSink({ path: sinkFile }),
  };
  const handler = makeHandler(deps);
  const counted: TaskHandler = async (event, context) => {
    inFlight.now += 1;
    inFlight.most = Math.max(inFlight.most, inFlight.now);
    try {
      return await handler(event, context);
    } finally {
      inFlight.now -= 1;
    }
  };
  const noSsm: TaskHandler = () => {
    throw new Error('this run was not expected to read its configuration');
  };
  return {
    tasks: { HealthCheckFunctionArn: counted, [SSM_GET_PARAMETER]: noSsm, [S3_GET_OBJECT]: noSsm },
    sinkFile,
    recorded,
    cloudCalls,
    inFlight,
    sessions,
  };
}

const CONFIG = {
  defaults: { thresholds: { retainedWal: { warning: '1MB', critical: '2MB' } }, renotifyMinutes: 30 },
  sources: [
    { name: 'orders-db', secretArn: arn('orders'), slots: ['dms_slot'] },
    { name: 'billing-db', secretArn: arn('billing') },
    { name: 'bad name!', secretArn: arn('orders') },
    {
      name: 'audit-db',
      secretArn: arn('orders'),
      slots: ['dms_slot'],
      dmsTasks: [{ taskArn: TASK_ARN, replicationInstanceIdentifier: 'dms-prod-1' }],
      thresholds: { retainedWal: { warning: null, critical: null } },
    },
  ],
};

async function notifications(file: string): Promise<SnsNotification[]> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as SnsNotification);
}

describe('statemachines/health-check.asl.json with functions/health-check.ts', () => {
  it('checks every source; an unreachable one alerts and an invalid one fails alone, the others are still checked', async () => {
    const f = fixture('map');
    const result = await runStateMachine({ definitionPath: DEFINITION, tasks: f.tasks, input: CONFIG });

    expect(result.status).toBe('SUCCEEDED');
    // Counts and failures only: what each source measured went to SNS and the metrics, checked below.
    expect(result.output).toEqual({
      sources: 4,
      batches: 1,
      ok: 0,
      warning: 0,
      critical: 2,
      failed: 2,
      failures: [
        {
          source: 'billing-db',
          error: 'SourceUnreachableError',
          cause: expect.stringMatching(/^cannot reach postgres@127\.0\.0\.1:\d+\/postgres/),
        },
        { source: 'bad name!', error: 'InvalidInputError', cause: expect.stringContaining('source.name') },
      ],
      failuresOmitted: 0,
    });

    const sent = await notifications(f.sinkFile);
    expect(sent.map((n) => n.Subject).sort()).toEqual([
      '[CRITICAL] audit-db task UPIIRRYFTHAI7AAEHCM6X5CAFXH2ODSHQ7M3WUA: CDCLatencySource 33 min >= 30 min',
      expect.stringMatching(/^\[CRITICAL\] billing-db: cannot be checked: SourceUnreachableError/),
      expect.stringMatching(/^\[CRITICAL\] orders-db slot dms_slot: retained WAL 3 MiB >= 2 MiB$/),
    ]);
    const task = sent.find((n) => n.MessageAttributes.task);
    expect(task?.MessageAttributes).toEqual({
      severity: { Type: 'String', Value: 'CRITICAL' },
      source: { Type: 'String', Value: 'audit-db' },
      metric: { Type: 'String', Value: 'cdcLatencySource' },
      task: { Type: 'String', Value: 'UPIIRRYFTHAI7AAEHCM6X5CAFXH2ODSHQ7M3WUA' },
    });
    expect(f.recorded.sort()).toEqual(['audit-db:measured', 'billing-db:unreachable', 'orders-db:measured']);
    expect(f.cloudCalls).toEqual(['UPIIRRYFTHAI7AAEHCM6X5CAFXH2ODSHQ7M3WUA']);

    // The next scheduled run: nothing changed, nothing sent.
    const again = await runStateMachine({ definitionPath: DEFINITION, tasks: f.tasks, input: CONFIG });
    expect(again.status).toBe('SUCCEEDED');
    expect(await notifications(f.sinkFile)).toHaveLength(3);
  });

  it('reads the configuration from an SSM parameter when the input names one', async () => {
    const f = fixture('ssm');
    const asked: unknown[] = [];
    const result = await runStateMachine({
      definitionPath: DEFINITION,
      tasks: {
        ...f.tasks,
        [SSM_GET_PARAMETER]: async (parameters: unknown) => {
          asked.push(parameters);
          return {
            Parameter: {
              Name: '/dms-cdc/health',
              Type: 'String',
              Value: JSON.stringify({
                sources: [{ name: 'orders-db', secretArn: arn('orders'), slots: ['dms_slot'] }],
              }),
            },
          };
        },
      },
      input: { configParameterName: '/dms-cdc/health' },
    });
    expect([result.status, result.error, result.cause]).toEqual(['SUCCEEDED', undefined, undefined]);
    expect(asked).toEqual([{ Name: '/dms-cdc/health', WithDecryption: true }]);
    // No document defaults: the built-in thresholds, under which 3 MiB retained is fine.
    expect(result.output).toMatchObject({ sources: 1, ok: 1, critical: 0, failed: 0 });
  });

  it('checks a batch at most HEALTH_CHECK_BATCH_CONCURRENCY sources at once', async () => {
    const f = fixture('concurrency', { HEALTH_CHECK_BATCH_CONCURRENCY: '3' });
    const sources = Array.from({ length: 14 }, (_, i) => ({
      name: `source-${i}`,
      secretArn: arn('orders'),
      slots: ['dms_slot'],
    }));
    const result = await runStateMachine({ definitionPath: DEFINITION, tasks: f.tasks, input: { sources } });
    expect(result.status).toBe('SUCCEEDED');
    expect(result.output).toMatchObject({ sources: 14, batches: 1, ok: 14, failed: 0 });
    expect(f.inFlight.most).toBe(1);
    expect(f.sessions.most).toBeGreaterThan(1);
    expect(f.sessions.most).toBeLessThanOrEqual(3);
  });

  it('two overlapping runs are harmless: each alert is sent once, and both runs count every source', async () => {
    const f = fixture('overlap');
    const config = {
      defaults: { thresholds: { retainedWal: { warning: '1MB', critical: '2MB' } } },
      sources: Array.from({ length: 6 }, (_, i) => ({
        name: `overlap-${i}`,
        secretArn: arn('orders'),
        slots: ['dms_slot'],
      })),
    };
    const [first, second] = await Promise.all([
      runStateMachine({ definitionPath: DEFINITION, tasks: f.tasks, input: config }),
      runStateMachine({ definitionPath: DEFINITION, tasks: f.tasks, input: config }),
    ]);
    for (const run of [first, second]) {
      expect(run.status).toBe('SUCCEEDED');
      expect(run.output).toMatchObject({ sources: 6, critical: 6, failed: 0 });
    }
    const sent = await notifications(f.sinkFile);
    expect(sent.map((n) => n.Subject).sort()).toEqual(
      config.sources.map((s) => `[CRITICAL] ${s.name} slot dms_slot: retained WAL 3 MiB >= 2 MiB`).sort(),
    );
  });
});
