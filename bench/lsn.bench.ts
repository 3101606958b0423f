// npm run bench:lsn: throughput of the LSN core (it runs on every slot reading and decoded change).
import { performance } from 'node:perf_hooks';
import {
  compareLsn,
  formatLsn,
  lsnDiff,
  lsnFromBigInt,
  lsnFromCheckpoint,
  parseLsn,
} from '../src/core/lsn.js';

const N = Number(process.env.BENCH_N ?? 1_000_000);
const texts = Array.from({ length: 1024 }, (_, i) => formatLsn(lsnFromBigInt(BigInt(i) * 0x1234567891n)));
const lsns = texts.map((t) => parseLsn(t));
const checkpoints = texts.map((t) => {
  const [h = '0', l = '0'] = t.split('/');
  return `checkpoint:V1#1#${h.padStart(8, '0')}/${l.padStart(8, '0')}#0#0#*#0#0`;
});

function bench(label: string, op: (i: number) => unknown): void {
  for (let i = 0; i < 10_000; i += 1) op(i); // warm up
  const start = performance.now();
  let sink: unknown;
  for (let i = 0; i < N; i += 1) sink = op(i);
  const ms = performance.now() - start;
  console.log(
    `  ${label.padEnd(18)} ${((N / ms) * 1000).toExponential(2).padStart(9)} ops/s  ${((ms * 1e6) / N).toFixed(0).padStart(5)} ns/op${sink === Symbol() ? '!' : ''}`,
  );
}

console.log(`LSN core, ${N.toLocaleString()} operations each`);
bench('parseLsn', (i) => parseLsn(texts[i & 1023]));
bench('formatLsn', (i) => formatLsn(lsns[i & 1023] ?? lsns[0] ?? lsnFromBigInt(0n)));
bench('compareLsn', (i) =>
  compareLsn(lsns[i & 1023] ?? lsnFromBigInt(0n), lsns[(i + 1) & 1023] ?? lsnFromBigInt(0n)),
);
bench('lsnDiff', (i) =>
  lsnDiff(lsns[i & 1023] ?? lsnFromBigInt(0n), lsns[(i + 7) & 1023] ?? lsnFromBigInt(0n)),
);
bench('lsnFromCheckpoint', (i) => lsnFromCheckpoint(checkpoints[i & 1023]));
