// npm run bench:sequences: setting a target's sequences after a cutover, two local servers with the
// same N tables (a bigserial key each, rows on the source only). Side by side: `dms-cdc sequences sync`'s
// path (read both catalogs and every sequence, plan, one setval statement) and what a DBA would run on
// the target instead, setval(pg_get_serial_sequence(...), max(id)) for each table, one statement per
// table (it reads the target's own rows, so it misses standalone sequences and any key the source
// handed out but rolled back or deleted).

import { performance } from 'node:perf_hooks';
import { removeBenchPgRoot, useBenchPgRoot } from './pg-root.js';
import { fmt, summarize } from './stats.js';

useBenchPgRoot('sequences');
const { startPrimary } = await import('../src/local/postgres/index.js');
const { applySequenceSteps, readSequencePairs } = await import('../src/adapters/pg/sequences.js');
const { planSequenceSync } = await import('../src/core/sequences/index.js');

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const TABLES = Number(process.env.BENCH_TABLES ?? 2_000);
if (!Number.isInteger(TABLES) || TABLES < 1) throw new Error('BENCH_TABLES must be a positive integer');

const settings = { max_locks_per_transaction: 256 };
const [sourceNode, targetNode] = await Promise.all([
  startPrimary({ name: 'bench-seq-src', settings }),
  startPrimary({ name: 'bench-seq-tgt', settings }),
]);
try {
  const t0 = performance.now();
  await Promise.all([
    createTables(sourceNode.query.bind(sourceNode)),
    createTables(targetNode.query.bind(targetNode)),
  ]);
  // The target holds the same rows (what DMS applied); its sequences stayed at their start.
  await Promise.all(
    [sourceNode, targetNode].map((n) =>
      n.query(`DO $$ BEGIN FOR i IN 1..${TABLES} LOOP
                 EXECUTE format('INSERT INTO t_%s (id) SELECT g FROM generate_series(1, 20) g', i);
               END LOOP; END $$`),
    ),
  );
  await sourceNode.query(`DO $$ BEGIN FOR i IN 1..${TABLES} LOOP
                            PERFORM setval(format('t_%s_id_seq', i)::regclass, 20);
                          END LOOP; END $$`);
  console.log(
    `created ${TABLES} tables with a sequence on each of two servers in ${fmt(performance.now() - t0)}`,
  );

  const [source, target] = await Promise.all([sourceNode.connect(), targetNode.connect()]);
  const reset = () =>
    targetNode.query(`DO $$ BEGIN FOR i IN 1..${TABLES} LOOP
                        PERFORM setval(format('t_%s_id_seq', i)::regclass, 1, false);
                      END LOOP; END $$`);
  const ours: number[] = [];
  const theirs: number[] = [];
  let set = 0;
  for (let run = 0; run < RUNS; run += 1) {
    await reset();
    let t = performance.now();
    const steps = planSequenceSync(await readSequencePairs(source, target, undefined), 0);
    set = await applySequenceSteps(target, steps);
    ours.push(performance.now() - t);
    await reset();
    t = performance.now();
    for (let i = 1; i <= TABLES; i += 1)
      await target.query(`SELECT setval(pg_get_serial_sequence('t_${i}', 'id'), max(id)) FROM t_${i}`);
    theirs.push(performance.now() - t);
  }
  await Promise.all([source.end(), target.end()]);
  const a = summarize(ours);
  const b = summarize(theirs);
  console.log(`${TABLES} sequences, ${RUNS} runs each (medians; min-max)`);
  console.log(
    `  dms-cdc sequences sync path          ${fmt(a.median)}  (${fmt(a.min)}-${fmt(a.max)}), ${set} set`,
  );
  console.log(`  setval(max(id)) per table on target   ${fmt(b.median)}  (${fmt(b.min)}-${fmt(b.max)})`);
} finally {
  await Promise.all([sourceNode.destroy(), targetNode.destroy()]);
  removeBenchPgRoot();
}

/** N tables, each with a bigserial key, in DO blocks that commit every 500 tables (locks). */
async function createTables(query: (sql: string) => Promise<unknown>): Promise<void> {
  await query(`DO $$ BEGIN FOR i IN 1..${TABLES} LOOP
                 EXECUTE format('CREATE TABLE t_%s (id bigserial PRIMARY KEY, note text)', i);
                 IF i % 500 = 0 THEN COMMIT; END IF;
               END LOOP; END $$`);
}
