// npm run bench:engine: the local DMS engine under a steady write workload. Prints applied changes
// per second (throughput) and end-to-end lag (source commit to target commit) percentiles.
import { performance } from 'node:perf_hooks';
import { selectionMappings } from '../src/local/table-mappings.js';
import { removeBenchPgRoot, useBenchPgRoot } from './pg-root.js';
import { fmt, summarize } from './stats.js';

useBenchPgRoot('engine');
const { startPrimary } = await import('../src/local/postgres/index.js');
const { LocalDms } = await import('../src/adapters/local/dms/engine.js');

const TRANSACTIONS = Number(process.env.BENCH_TRANSACTIONS ?? 2000);
const ROWS_PER_TRANSACTION = Number(process.env.BENCH_ROWS ?? 5);
const STEADY_RATE = Number(process.env.BENCH_RATE ?? 200); // transactions per second for the lag run

const SCHEMA = `CREATE SCHEMA bench;
CREATE TABLE bench.events (id bigint PRIMARY KEY, batch int NOT NULL, payload text NOT NULL,
  committed_at timestamptz NOT NULL)`;
// The target has one more column: when the engine's insert landed.
const TARGET_EXTRA = `ALTER TABLE bench.events ADD COLUMN applied_at timestamptz NOT NULL DEFAULT clock_timestamp()`;
const MAPPING = JSON.stringify(selectionMappings({ schema: 'bench' }));

const [source, target] = await Promise.all([
  startPrimary({ name: 'bench-src' }),
  startPrimary({ name: 'bench-tgt' }),
]);
try {
  await source.query(SCHEMA);
  await target.query(SCHEMA);
  await target.query(TARGET_EXTRA);
  await source.query(`SELECT pg_create_logical_replication_slot('bench_slot', 'test_decoding')`);
  const dms = new LocalDms();
  const src = await dms.createSourceEndpoint({
    identifier: 'bench-src',
    access: { kind: 'url', url: source.url() },
    databaseName: 'postgres',
    slotName: 'bench_slot',
    pluginName: 'test-decoding',
    sslMode: 'none',
    heartbeat: { enabled: false, frequencyMinutes: 5 },
    captureDdls: false,
    tags: {},
  });
  const tgt = dms.registerTargetEndpoint('bench-tgt', target.url());
  const [{ lsn = '0/0' } = {}] = await source.query<{ lsn: string }>(
    'SELECT confirmed_flush_lsn::text AS lsn FROM pg_replication_slots',
  );
  const task = await dms.createCdcTask({
    identifier: 'bench-task',
    replicationInstanceArn: 'local',
    sourceEndpointArn: src.arn,
    targetEndpointArn: tgt.arn,
    tableMappings: MAPPING,
    taskSettings: undefined,
    cdcStartPosition: lsn,
    cdcStopPosition: undefined,
    tags: {},
  });
  await waitFor(async () => (await dms.describeTask(task.arn)).status === 'ready');

  // 1. Throughput: a backlog of TRANSACTIONS committed while the task is stopped, then drained.
  const client = await source.connect();
  for (let t = 0; t < TRANSACTIONS; t += 1) await insertBatch(client, t);
  const backlogChanges = TRANSACTIONS * ROWS_PER_TRANSACTION;
  const drainStart = performance.now();
  await dms.startTask(task.arn, 'start-replication');
  await waitFor(async () => (await count()) >= backlogChanges, 600_000);
  const drainMs = performance.now() - drainStart;

  // 2. Lag: a steady workload at STEADY_RATE transactions/s while the task runs.
  const lagBatches = Math.min(TRANSACTIONS, STEADY_RATE * 5);
  const interval = 1000 / STEADY_RATE;
  const steadyStart = performance.now();
  for (let t = 0; t < lagBatches; t += 1) {
    await insertBatch(client, TRANSACTIONS + t);
    const due = steadyStart + (t + 1) * interval;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
  await waitFor(async () => (await count()) >= backlogChanges + lagBatches * ROWS_PER_TRANSACTION, 600_000);
  const lags = await target.query<{ ms: number }>(
    `SELECT extract(epoch FROM applied_at - committed_at) * 1000 AS ms FROM bench.events WHERE batch >= $1`,
    [TRANSACTIONS],
  );
  await client.end();
  await dms.shutdown();

  const lagMs = lags.map((r) => Number(r.ms)).sort((a, b) => a - b);
  const pct = (p: number) => lagMs[Math.min(lagMs.length - 1, Math.floor((p / 100) * lagMs.length))] ?? 0;
  const s = summarize(lagMs);
  console.log(
    `local DMS engine (test_decoding over the replication protocol, one target transaction per source transaction)`,
  );
  console.log(
    `  throughput: ${backlogChanges} changes in ${TRANSACTIONS} transactions drained in ${fmt(drainMs)}` +
      ` = ${Math.round((backlogChanges / drainMs) * 1000)} changes/s, ${Math.round((TRANSACTIONS / drainMs) * 1000)} transactions/s`,
  );
  console.log(
    `  end-to-end lag at ${STEADY_RATE} tx/s (${lagBatches} tx): median ${fmt(s.median)}, p95 ${fmt(pct(95))},` +
      ` p99 ${fmt(pct(99))}, max ${fmt(s.max)}`,
  );
} finally {
  await Promise.all([source.destroy(), target.destroy()]);
  removeBenchPgRoot();
}

async function insertBatch(client: import('pg').Client, batch: number): Promise<void> {
  await client.query(
    `INSERT INTO bench.events (id, batch, payload, committed_at)
     SELECT $1::bigint * 1000 + g, $1, repeat('x', 64), clock_timestamp() FROM generate_series(1, $2) g`,
    [batch, ROWS_PER_TRANSACTION],
  );
}

async function count(): Promise<number> {
  const [row] = await target.query<{ n: string }>('SELECT count(*) AS n FROM bench.events');
  return Number(row?.n ?? 0);
}

async function waitFor(check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('benchmark condition not reached in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
