// npm run bench:harness: how long the real-PostgreSQL harness takes to give a test a server.

import { performance } from 'node:perf_hooks';
import { removeBenchPgRoot, useBenchPgRoot } from './pg-root.js';
import { fmt, summarize } from './stats.js';

// Measure what the test suite gets: nodes copied from a per-run initdb template, in a root of
// the benchmark's own that is removed at the end.
useBenchPgRoot('harness');
const { createStandby, startPrimary } = await import('../src/local/postgres/index.js');

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const primaryMs: number[] = [];
const standbyMs: number[] = [];
const destroyMs: number[] = [];

for (let i = 0; i < RUNS; i += 1) {
  let t = performance.now();
  const primary = await startPrimary({ name: 'bench-primary' });
  primaryMs.push(performance.now() - t);
  t = performance.now();
  const standby = await createStandby(primary, { name: 'bench-standby' });
  standbyMs.push(performance.now() - t);
  t = performance.now();
  await standby.destroy();
  await primary.destroy();
  destroyMs.push(performance.now() - t);
}

console.log(
  `PostgreSQL harness, ${RUNS} runs (initdb + start; standby = low-level backup + start + caught up)`,
);
for (const [label, samples] of [
  ['primary start', primaryMs],
  ['standby create', standbyMs],
  ['destroy both', destroyMs],
] as const) {
  const s = summarize(samples);
  console.log(
    `  ${label.padEnd(15)} median ${fmt(s.median).padStart(8)}  min ${fmt(s.min).padStart(8)}  max ${fmt(s.max).padStart(8)}`,
  );
}

removeBenchPgRoot();
