// npm run bench:preflight: the whole preflight (connect, gather facts, evaluate every check) against a
// database of 10,000 tables and 20 slots. Goal: median <= 1 s, and SQL round trips that do not grow
// with the number of tables.

import { rmSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { fmt, summarize } from './stats.js';

process.env.DMS_CDC_PG_TEMPLATES = '1';
process.env.DMS_CDC_PG_ROOT ??= `/dev/shm/dms-cdc-pg-bench-preflight-${process.pid}`;
const { startPrimary } = await import('../src/local/postgres/index.js');
const { connectPg } = await import('../src/adapters/pg/client.js');
const { preflightOverPg } = await import('../src/adapters/pg/preflight/index.js');

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const TABLES = Number(process.env.BENCH_TABLES ?? 10_000);
const SLOTS = 20;
// 120 of the tables are the partition hierarchies; the count is inlined into a DO block (which takes
// no parameters), so it must be a plain integer.
if (!Number.isInteger(TABLES) || TABLES < 200) throw new Error('BENCH_TABLES must be an integer >= 200');

const node = await startPrimary({
  name: 'bench-preflight',
  // More slots than the bench creates, and room for the locks of a 500-table transaction.
  settings: { max_replication_slots: SLOTS + 5, max_locks_per_transaction: 256 },
});
try {
  let t = performance.now();
  await createSchema(node.query.bind(node));
  console.log(`created ${TABLES} tables and ${SLOTS} slots in ${fmt(performance.now() - t)}`);

  const samples: number[] = [];
  let roundTrips = 0;
  let summary = '';
  const source = { config: { ...node.connectionConfig(), application_name: 'bench' }, describe: 'bench' };
  for (let i = 0; i < RUNS; i += 1) {
    t = performance.now();
    const report = await preflightOverPg(connectPg, source, undefined, {});
    samples.push(performance.now() - t);
    roundTrips = report.source.roundTrips;
    summary =
      `${report.source.tablesInScope} tables in scope, ${report.summary.blockers} blockers, ` +
      `${report.summary.warnings} warnings: ${report.findings.map((f) => f.id).join(', ')}`;
  }
  const s = summarize(samples);
  console.log(`preflight, ${RUNS} runs (connect + facts + ${summary.split(',')[0]} + every check)`);
  console.log(
    `  median ${fmt(s.median)}  min ${fmt(s.min)}  max ${fmt(s.max)}  SQL round trips ${roundTrips}`,
  );
  console.log(`  ${summary}`);
} finally {
  await node.destroy();
  rmSync(process.env.DMS_CDC_PG_ROOT, { recursive: true, force: true });
}

/**
 * 10,000 tables in a few statements: DO blocks that commit every 500 tables (one transaction could
 * not hold the locks of all of them). 2% have no primary key, every 10th has an array column, every
 * 7th an enum, and 1% are partitions of 20 partitioned parents; then 20 slots.
 */
async function createSchema(query: (sql: string, params?: unknown[]) => Promise<unknown>): Promise<void> {
  await query(`CREATE TYPE status AS ENUM ('new', 'paid', 'shipped')`);
  await query(
    `DO $$
     DECLARE n int := ${TABLES};
     BEGIN
       FOR p IN 1..20 LOOP
         EXECUTE format('CREATE TABLE part_%s (id int, at date, PRIMARY KEY (id, at)) PARTITION BY RANGE (at)', p);
         FOR y IN 2021..2025 LOOP
           EXECUTE format('CREATE TABLE part_%s_%s PARTITION OF part_%s FOR VALUES FROM (%L) TO (%L)',
                          p, y, p, y || '-01-01', (y + 1) || '-01-01');
         END LOOP;
       END LOOP;
       COMMIT;
       FOR i IN 1..(n - 120) LOOP
         EXECUTE format('CREATE TABLE t_%s (%s, name varchar(80), total numeric(12,2)%s%s)', i,
           CASE WHEN i % 50 = 0 THEN 'id int' ELSE 'id int PRIMARY KEY' END,
           CASE WHEN i % 10 = 0 THEN ', tags text[]' ELSE '' END,
           CASE WHEN i % 7 = 0 THEN ', state status' ELSE '' END);
         IF i % 500 = 0 THEN COMMIT; END IF;
       END LOOP;
     END $$`,
  );
  await query(
    `SELECT pg_create_logical_replication_slot('bench_slot_' || g, 'test_decoding') FROM generate_series(1, ${SLOTS}) g`,
  );
}
