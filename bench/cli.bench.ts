// npm run bench:cli: the `dms-cdc` CLI as a user runs it (node bin/dms-cdc.js: the bundle in dist/cli/,
// process start included), side by side with what it is measured against, in one run. Every figure is
// the median of BENCH_RUNS (default 5) process runs.
//   1. `dms-cdc --help` against `node -e 0`. Goal: within 3x.
//   2. `dms-cdc health` on 100 slots against `check_postgres --action=replication_slots` (Debian
//      package check-postgres, installed with apt-get if missing), same PostgreSQL 17 server, same
//      thresholds. Goal: no slower.
//   3. `dms-cdc preflight` on 10,000 tables and 20 slots on PostgreSQL 15 (the system binaries in
//      /usr/lib/postgresql/15/bin) and 17 (embedded). Goal: <= 1.0 s end to end, SQL round trips
//      constant.
//   4. preflight at 1,000 / 10,000 / 100,000 tables on 17: time and peak memory (max RSS of the CLI
//      process, from /usr/bin/time). Goal: no worse than linear, 100,000 tables under 5 s and 256 MB.
// Figures, not assertions: the goals are printed as met or NOT met.

import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { checkPostgresSlotArgs } from './check-postgres.js';
import { removeBenchPgRoot, useBenchPgRoot } from './pg-root.js';
import { fmt, summarize } from './stats.js';
import { createWideCatalog } from './wide-catalog.js';

useBenchPgRoot('cli');
const { startPrimary } = await import('../src/local/postgres/index.js');
type Node = Awaited<ReturnType<typeof startPrimary>>;

const RUNS = Math.max(5, Number(process.env.BENCH_RUNS ?? 5));
const SIZES = (process.env.BENCH_TABLES ?? '1000,10000,100000').split(',').map(Number);
const SLOTS = 20;
const PG15_BIN = '/usr/lib/postgresql/15/bin';
// The catalogs preflight reads vacuumed and analyzed, as autovacuum does soon after a burst of DDL:
// a real database's catalog has its statistics, and measuring while autovacuum is still at it would
// time autovacuum too.
const ANALYZE_CATALOG = `VACUUM (ANALYZE) pg_catalog.pg_class, pg_catalog.pg_attribute, pg_catalog.pg_index,
  pg_catalog.pg_type, pg_catalog.pg_depend, pg_catalog.pg_constraint, pg_catalog.pg_inherits`;
const repoRoot = path.resolve(import.meta.dirname, '..');
const cli = path.join(repoRoot, 'bin/dms-cdc.js');
const timeDir = mkdtempSync(path.join(tmpdir(), 'dms-cdc-bench-cli-'));
const rows: string[][] = [];

interface Sample {
  ms: number;
  maxRssKb: number;
  status: number | null;
  stdout: string;
}

/** One process run, timed from spawn to exit; peak memory from /usr/bin/time -f %M. */
function runOnce(file: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Sample> {
  const rssFile = path.join(timeDir, 'rss');
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn('/usr/bin/time', ['-f', '%M', '-o', rssFile, file, ...args], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.resume();
    child.once('error', reject);
    child.once('exit', (status) => {
      const ms = performance.now() - started;
      const maxRssKb = Number(readFileSync(rssFile, 'utf8').trim().split('\n').at(-1));
      resolve({ ms, maxRssKb, status, stdout });
    });
  });
}

async function measure(file: string, args: string[], env?: NodeJS.ProcessEnv) {
  await runOnce(file, args, env); // warm the page cache; not counted
  const samples: Sample[] = [];
  for (let i = 0; i < RUNS; i += 1) samples.push(await runOnce(file, args, env));
  const time = summarize(samples.map((s) => s.ms));
  const rss = summarize(samples.map((s) => s.maxRssKb / 1024));
  return { time, rss, last: samples.at(-1) as Sample };
}

function row(what: string, ours: number, theirs: string, ratio: string, goal: string) {
  rows.push([what, fmt(ours), theirs, ratio, goal]);
}

function checkPostgres(): boolean {
  if (spawnSync('check_postgres', ['--version']).status === 0) return true;
  console.log('check_postgres is missing: apt-get install -y check-postgres');
  const apt = spawnSync('apt-get', ['install', '-y', '-q', 'check-postgres'], { stdio: 'inherit' });
  if (apt.status !== 0) spawnSync('apt-get', ['update', '-q'], { stdio: 'inherit' });
  if (apt.status !== 0) spawnSync('apt-get', ['install', '-y', '-q', 'check-postgres'], { stdio: 'inherit' });
  return spawnSync('check_postgres', ['--version']).status === 0;
}

// The bundle of this tree, as `npm ci` (prepare) builds it.
execFileSync(process.execPath, [path.join(repoRoot, 'bin/build-cli.js')], { stdio: 'inherit' });
const env = { ...process.env, PGCONNECT_TIMEOUT: '5' };

// 1. --help against node -e 0.
{
  const node = await measure(process.execPath, ['-e', '0']);
  const help = await measure(process.execPath, [cli, '--help']);
  const ratio = help.time.median / node.time.median;
  row(
    'dms-cdc --help',
    help.time.median,
    `node -e 0: ${fmt(node.time.median)}`,
    `${ratio.toFixed(2)}x`,
    `within 3x: ${ratio <= 3 ? 'met' : 'NOT met'}`,
  );
}

const servers: Node[] = [];
try {
  // 2. health on 100 slots against check_postgres, PostgreSQL 17.
  const pg17 = await startPrimary({
    name: 'bench-cli-17',
    settings: { max_replication_slots: 200, max_locks_per_transaction: 256, max_slot_wal_keep_size: '64MB' },
  });
  servers.push(pg17);
  await pg17.query(`SELECT pg_create_logical_replication_slot('bench_behind', 'test_decoding')`);
  await pg17.query(
    `SELECT pg_logical_emit_message(false, 'fill', repeat('x', 1024 * 1024)) FROM generate_series(1, 24)`,
  );
  await pg17.query(
    `SELECT pg_create_logical_replication_slot('bench_slot_' || lpad(g::text, 3, '0'), 'test_decoding')
       FROM generate_series(1, 99) g`,
  );
  const ours = await measure(
    process.execPath,
    [cli, 'health', '--source', pg17.url(), '--warn-retained', '16MB', '--crit-retained', '48MB'],
    env,
  );
  const slotLines = ours.last.stdout.split('\n').filter((l) => l.includes('bench_')).length;
  const cpArgs = checkPostgresSlotArgs(pg17.port, '16MB', '48MB');
  if (checkPostgres()) {
    const theirs = await measure('check_postgres', cpArgs, env);
    const ratio = ours.time.median / theirs.time.median;
    row(
      `dms-cdc health, 100 slots (exit ${ours.last.status}, ${slotLines} slot lines)`,
      ours.time.median,
      `check_postgres: ${fmt(theirs.time.median)} (exit ${theirs.last.status})`,
      `${ratio.toFixed(2)}x`,
      `no slower: ${ratio <= 1 ? 'met' : 'NOT met'}`,
    );
    console.log(`check_postgres said: ${theirs.last.stdout.trim().slice(0, 160)}`);
  } else {
    row('dms-cdc health, 100 slots', ours.time.median, 'check_postgres: not installed', '-', 'not compared');
  }

  // 3. and 4. preflight: one database per size on 17, 10,000 tables on 15.
  const pg15 = await startPrimary({
    name: 'bench-cli-15',
    binDir: PG15_BIN,
    settings: { max_replication_slots: SLOTS + 5, max_locks_per_transaction: 256 },
  });
  servers.push(pg15);
  const preflight = async (node: Node, db: string) => {
    const result = await measure(process.execPath, [cli, 'preflight', '--source', node.url(db)], env);
    const trips = /(\d+) SQL round trips/.exec(result.last.stdout)?.[1] ?? '?';
    return { ...result, trips };
  };
  for (const [node, major] of [
    [pg15, 15],
    [pg17, 17],
  ] as const) {
    const t = performance.now();
    await createDatabase(node, 'tables_10000', 10_000);
    console.log(
      `PostgreSQL ${major}: 10,000 tables and ${SLOTS} slots made in ${fmt(performance.now() - t)}`,
    );
    const r = await preflight(node, 'tables_10000');
    row(
      `dms-cdc preflight, 10,000 tables, ${SLOTS} slots, PostgreSQL ${major} (exit ${r.last.status})`,
      r.time.median,
      `${r.trips} SQL round trips`,
      `${r.rss.median.toFixed(0)} MB peak`,
      `<= 1.0 s: ${r.time.median <= 1000 ? 'met' : 'NOT met'}`,
    );
  }
  const growth: { tables: number; ms: number; mb: number; trips: string }[] = [];
  for (const tables of SIZES) {
    const db = `tables_${tables}`;
    if (tables !== 10_000) {
      const t = performance.now();
      await createDatabase(pg17, db, tables);
      console.log(`PostgreSQL 17: ${tables} tables and ${SLOTS} slots made in ${fmt(performance.now() - t)}`);
    }
    const r = await preflight(pg17, db);
    growth.push({ tables, ms: r.time.median, mb: r.rss.median, trips: r.trips });
  }
  const first = growth[0];
  for (const g of growth) {
    const perTable = first && g.tables !== first.tables ? (g.ms - first.ms) / (g.tables - first.tables) : 0;
    const big = g.tables >= 100_000;
    row(
      `preflight, ${g.tables.toLocaleString('en')} tables, PostgreSQL 17`,
      g.ms,
      `${g.trips} SQL round trips`,
      `${g.mb.toFixed(0)} MB peak`,
      big
        ? `< 5 s: ${g.ms < 5000 ? 'met' : 'NOT met'}; < 256 MB: ${g.mb < 256 ? 'met' : 'NOT met'}`
        : perTable > 0
          ? `${(perTable * 1000).toFixed(1)} us per extra table`
          : '',
    );
  }
} finally {
  for (const node of servers) await node.destroy();
  removeBenchPgRoot();
  rmSync(timeDir, { recursive: true, force: true });
}

const header = [`what (median of ${RUNS} process runs)`, 'dms-cdc', 'against', 'ratio / size', 'goal'];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
const line = (cells: string[]) =>
  cells
    .map((c, i) => c.padEnd(widths[i] ?? 0))
    .join(' | ')
    .trimEnd();
console.log(`\n${line(header)}\n${widths.map((w) => '-'.repeat(w)).join('-|-')}`);
for (const r of rows) console.log(line(r));

/** A database of `tables` tables and 20 logical slots (the wide catalog of bench/wide-catalog.ts), its
 * catalog analyzed. */
async function createDatabase(node: Node, db: string, tables: number): Promise<void> {
  await node.query(`CREATE DATABASE ${db}`);
  await createWideCatalog((sql) => node.query(sql, [], db), {
    tables,
    slots: SLOTS,
    slotPrefix: `${db}_slot`,
  });
  await node.query(ANALYZE_CATALOG, [], db);
}
