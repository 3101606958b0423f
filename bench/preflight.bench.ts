// npm run bench:preflight: the whole preflight (connect, gather facts, evaluate every check) against a
// database of 10,000 tables and 20 slots. Goal: median <= 1 s, and SQL round trips that do not grow
// with the number of tables.

import { performance } from 'node:perf_hooks';
import { removeBenchPgRoot, useBenchPgRoot } from './pg-root.js';
import { fmt, summarize } from './stats.js';
import { createWideCatalog } from './wide-catalog.js';

useBenchPgRoot('preflight');
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
  await createWideCatalog((sql) => node.query(sql), {
    tables: TABLES,
    slots: SLOTS,
    slotPrefix: 'bench_slot',
  });
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
  removeBenchPgRoot();
}
