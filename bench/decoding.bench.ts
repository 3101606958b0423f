// npx tsx bench/decoding.bench.ts: throughput of the test_decoding parser on a realistic mix
// (OLTP-like transactions of a few changes each, quoted text with escapes, JSON, arrays, NULLs,
// some key-changing updates, deletes, unchanged TOAST values, messages and the odd wide row).
import { performance } from 'node:perf_hooks';
import { groupTransactions, parseChange, type SlotChangeRow } from '../src/core/decoding/index.js';
import { fmt, summarize } from './stats.js';

const TRANSACTIONS = Number(process.env.BENCH_TRANSACTIONS ?? 40_000);
// A consumer reads the slot in batches (upto_nchanges) and lets each go once applied.
const BATCH_TRANSACTIONS = Number(process.env.BENCH_BATCH ?? 1_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);

let seed = 42;
const random = () => {
  seed = (seed * 1_103_515_245 + 12_345) & 0x7fffffff;
  return seed / 0x80000000;
};
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
const quote = (text: string) => `'${text.replaceAll("'", "''")}'`;
const words = [
  'widget',
  "o'brien",
  'naïve café',
  'line\nbreak',
  'tab\there',
  '[bracket]: colon',
  'back\\slash',
  '😀',
];
const sentence = (n: number) => Array.from({ length: n }, () => pick(words)).join(' ');

function orderColumns(id: number): string {
  return (
    ` id[bigint]:${id} customer_id[integer]:${Math.floor(random() * 1e6)}` +
    ` amount[numeric]:${(random() * 1e4).toFixed(2)} status[text]:${quote(pick(['new', 'paid', 'shipped']))}` +
    ` note[text]:${random() < 0.3 ? 'null' : quote(sentence(6))}` +
    ` created_at[timestamp with time zone]:'2024-05-01 10:${String(id % 60).padStart(2, '0')}:00.123456+00'` +
    ` paid[boolean]:${random() < 0.5} tags[text[]]:'{"a b",c,NULL}'` +
    ` payload[jsonb]:${quote(JSON.stringify({ sku: `S-${id}`, qty: id % 7, memo: sentence(2) }))}` +
    ` ref[uuid]:'a0eebc99-9c0b-4ef8-bb6d-6bb9bd38${String(id % 10000).padStart(4, '0')}'`
  );
}

function changeLine(id: number): string {
  const r = random();
  if (r < 0.45) return `table public.orders: INSERT:${orderColumns(id)}`;
  if (r < 0.75) return `table public.orders: UPDATE:${orderColumns(id)}`;
  if (r < 0.8)
    return `table public.orders: UPDATE: old-key: id[bigint]:${id} new-tuple:${orderColumns(id + 1)}`;
  if (r < 0.9) return `table public.orders: DELETE: id[bigint]:${id}`;
  if (r < 0.95) {
    return `table "Sales"."Line Items": UPDATE: id[integer]:${id} "Qty"[integer]:3 body[text]:unchanged-toast-datum`;
  }
  if (r < 0.98) return `table public.documents: INSERT: id[integer]:${id} body[text]:${quote(sentence(600))}`;
  return `message: transactional: 1 prefix: dms-cdc, sz: 9 content:heartbeat`;
}

const batches: SlotChangeRow[][] = [];
let rows: SlotChangeRow[] = [];
let lsn = 0x1_0000_0000;
const nextLsn = () => {
  lsn += 0x48 + Math.floor(random() * 0x200);
  return `${Math.floor(lsn / 2 ** 32)
    .toString(16)
    .toUpperCase()}/${(lsn % 2 ** 32).toString(16).toUpperCase()}`;
};
for (let t = 0; t < TRANSACTIONS; t += 1) {
  const xid = String(1000 + t);
  rows.push({ lsn: nextLsn(), xid, data: `BEGIN ${xid}` });
  const n = 1 + Math.floor(random() * 8);
  for (let c = 0; c < n; c += 1) rows.push({ lsn: nextLsn(), xid, data: changeLine(t * 10 + c) });
  rows.push({ lsn: nextLsn(), xid, data: `COMMIT ${xid} (at 2024-05-01 10:00:00.123456+00)` });
  if ((t + 1) % BATCH_TRANSACTIONS === 0 || t === TRANSACTIONS - 1) {
    batches.push(rows);
    rows = [];
  }
}
const lines = batches.flat().map((r) => r.data);
const bytes = lines.reduce((sum, line) => sum + Buffer.byteLength(line), 0);

function time(op: () => unknown): number[] {
  op(); // warm up
  const samples: number[] = [];
  for (let i = 0; i < RUNS; i += 1) {
    const start = performance.now();
    op();
    samples.push(performance.now() - start);
  }
  return samples;
}

let sink = 0;
const parse = summarize(
  time(() => {
    for (const line of lines) sink += parseChange(line).kind.length;
  }),
);
const group = summarize(
  time(() => {
    for (const batch of batches) sink += groupTransactions(batch).transactions.length;
  }),
);

const perSecond = (ms: number) => Math.round((lines.length / ms) * 1000).toLocaleString('en-US');
const mbPerSecond = (ms: number) => (bytes / 1e6 / (ms / 1000)).toFixed(0);
console.log(
  `test_decoding parser: ${lines.length.toLocaleString('en-US')} lines (${(bytes / 1e6).toFixed(1)} MB, ` +
    `${TRANSACTIONS.toLocaleString('en-US')} transactions in batches of ${BATCH_TRANSACTIONS}), median of ${RUNS} runs`,
);
console.log(
  `  parseChange         ${perSecond(parse.median).padStart(11)} lines/s  ${mbPerSecond(parse.median).padStart(4)} MB/s  (${fmt(parse.median)}, min ${fmt(parse.min)})`,
);
console.log(
  `  groupTransactions   ${perSecond(group.median).padStart(11)} lines/s  ${mbPerSecond(group.median).padStart(4)} MB/s  (${fmt(group.median)}, min ${fmt(group.min)})${sink < 0 ? '!' : ''}`,
);
