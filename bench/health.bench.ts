// npm run bench:health: the health check against one PostgreSQL 17 server.
//   1. One source with 100 slots (one lost to max_slot_wal_keep_size, one logical and one physical
//      24 MiB behind, 97 fresh), checked with slots: 'all' (the default is every logical slot):
//      SQL round trips and the median of 5 checks. Goal: <= 100 ms.
//   2. 50 sources (50 databases on the same server, one slot each) checked concurrently, alert state
//      and SNS sink included: median of 5 rounds.
//   3. Side by side on the same server: check_postgres --action=replication_slots (Debian package
//      check-postgres), its time and what it reports, next to what our check reports.

import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import type pg from 'pg';
import { checkPostgresSlotArgs } from './check-postgres.js';
import { removeBenchPgRoot, useBenchPgRoot } from './pg-root.js';
import { fmt, summarize } from './stats.js';

useBenchPgRoot('health');
const { startPrimary } = await import('../src/local/postgres/index.js');
const { connectPg } = await import('../src/adapters/pg/client.js');
const { pgSourceOpener } = await import('../src/adapters/pg/health.js');
const { measureSource } = await import('../src/core/health/check.js');
const { evaluateSource } = await import('../src/core/alerts/evaluate.js');
const { parseHealthConfig, resolveSource } = await import('../src/core/health/config.js');
const { runHealthCheck } = await import('../src/core/health/run.js');
const { MemoryAlertStateStore } = await import('../src/adapters/local/alert-state-store.js');
const { LocalSnsSink } = await import('../src/adapters/local/sns-sink.js');
const { systemClock } = await import('../src/adapters/system-clock.js');

const run = promisify(execFile);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const SLOTS = 100;
const SOURCES = 50;
const WARN = '16MB';
const CRIT = '48MB';

const node = await startPrimary({
  name: 'bench-health',
  settings: {
    max_replication_slots: SLOTS + SOURCES + 10,
    max_connections: SOURCES * 2 + 20,
    max_slot_wal_keep_size: '64MB',
  },
});
const sinkDir = await mkdtemp(path.join(tmpdir(), 'dms-cdc-bench-health-'));
try {
  let t = performance.now();
  await createSlots();
  console.log(
    `created ${SLOTS} slots (1 lost, 1 logical and 1 physical behind, ${SLOTS - 3} fresh) in ${fmt(performance.now() - t)}`,
  );

  // 1. One source, 100 slots.
  const config = parseHealthConfig({
    sources: [
      {
        name: 'bench',
        url: node.url(),
        // Physical slots too, as check_postgres does; the default is every logical slot.
        slots: 'all',
        thresholds: { retainedWal: { warning: WARN, critical: CRIT } },
      },
    ],
  });
  const source = resolveSource(config.sources[0] as never, config.defaults);
  let roundTrips = 0;
  const counting: typeof connectPg = async (cfg) => {
    const client = await connectPg(cfg);
    const query = client.query.bind(client) as (...args: unknown[]) => unknown;
    (client as { query: unknown }).query = (...args: unknown[]) => {
      roundTrips += 1;
      return query(...args);
    };
    return client;
  };
  const samples: number[] = [];
  let observations: ReturnType<typeof evaluateSource> = [];
  let slotsSeen = 0;
  for (let i = 0; i < RUNS; i += 1) {
    roundTrips = 0;
    t = performance.now();
    const measurement = await measureSource(source, {
      openSource: pgSourceOpener({ ...node.connectionConfig(), application_name: 'bench' }, counting),
      clock: systemClock,
    });
    observations = evaluateSource(source, measurement);
    samples.push(performance.now() - t);
    slotsSeen = measurement.slots.length;
  }
  const one = summarize(samples);
  console.log(
    `\nour check, one source with ${slotsSeen} slots, ${RUNS} runs (connect + slots query + pg_ls_waldir + evaluation)`,
  );
  console.log(
    `  median ${fmt(one.median)}  min ${fmt(one.min)}  max ${fmt(one.max)}  SQL round trips ${roundTrips} (plus the connection)`,
  );
  console.log(`  goal <= 100 ms median: ${one.median <= 100 ? 'met' : 'NOT met'}`);
  const breaches = observations.filter((o) => o.level !== 'OK');
  console.log(
    `  detects ${breaches.length} breach(es) with retainedWal ${WARN}/${CRIT} and the default thresholds:`,
  );
  for (const b of breaches) console.log(`    ${b.level.padEnd(8)} ${b.slot ?? '-'}: ${b.summary}`);
  const inactive = observations.filter((o) => o.metric === 'inactiveTime');
  console.log(
    `  also measured per slot: lag, inactive time (${inactive.length} slots, none past 5 min), xmin age, wal_status; WAL on disk`,
  );

  // 2. 50 sources at once, the whole check: measure, evaluate, alert state, SNS sink.
  t = performance.now();
  await createDatabases();
  console.log(`\ncreated ${SOURCES} databases with one slot each in ${fmt(performance.now() - t)}`);
  const many = parseHealthConfig({
    sources: Array.from({ length: SOURCES }, (_, i) => ({
      name: `src-${i + 1}`,
      url: node.url(`src_${i + 1}`),
      slots: [`slot_src_${i + 1}`],
    })),
  }).sources.map((s, i) => ({ source: resolveSource(s), database: `src_${i + 1}` }));
  const rounds: number[] = [];
  let alertsSent = 0;
  for (let i = 0; i < RUNS; i += 1) {
    const state = new MemoryAlertStateStore();
    const alerts = new LocalSnsSink({ path: path.join(sinkDir, `round-${i}.jsonl`) });
    t = performance.now();
    const results = await Promise.all(
      many.map(({ source: s, database }) =>
        runHealthCheck(s, {
          openSource: pgSourceOpener(
            { ...node.connectionConfig(database), application_name: 'bench' },
            connectPg,
          ),
          state,
          alerts,
          clock: systemClock,
        }),
      ),
    );
    rounds.push(performance.now() - t);
    alertsSent = results.reduce((sum, r) => sum + r.result.alerts.length, 0);
    const failed = results.filter((r) => r.result.status !== 'CHECKED');
    if (failed.length > 0) console.log(`  ${failed.length} sources not checked: ${failed[0]?.result.error}`);
  }
  const all = summarize(rounds);
  console.log(
    `our check, ${SOURCES} sources concurrently (each: connect, 2 queries, evaluate, alert state), ${RUNS} rounds`,
  );
  console.log(
    `  median ${fmt(all.median)}  min ${fmt(all.min)}  max ${fmt(all.max)}  wall time for all ${SOURCES}; ` +
      `each reads all ${SLOTS + SOURCES} slots of the server and keeps its own; ${alertsSent} alerts per round`,
  );

  // 3. check_postgres on the same server.
  await compareWithCheckPostgres(one.median, breaches);
} finally {
  await node.destroy();
  await rm(sinkDir, { recursive: true, force: true });
  removeBenchPgRoot();
}

async function createSlots(): Promise<void> {
  await node.query(`SELECT pg_create_logical_replication_slot('bench_lost', 'test_decoding')`);
  await fill(80);
  await node.query('SELECT pg_switch_wal()');
  await node.query('CHECKPOINT');
  await node.query(`SELECT pg_create_logical_replication_slot('bench_behind', 'test_decoding')`);
  await node.query(`SELECT pg_create_physical_replication_slot('bench_physical', true)`);
  await fill(24);
  await node.query(
    `SELECT pg_create_logical_replication_slot('bench_slot_' || lpad(g::text, 3, '0'), 'test_decoding')
       FROM generate_series(1, ${SLOTS - 3}) g`,
  );
}

async function fill(mib: number): Promise<void> {
  await node.query(
    `SELECT pg_logical_emit_message(false, 'fill', repeat('x', 1024 * 1024)) FROM generate_series(1, ${mib})`,
  );
}

async function createDatabases(): Promise<void> {
  const client: pg.Client = await node.connect();
  try {
    for (let i = 1; i <= SOURCES; i += 1) {
      // FILE_COPY: WAL_LOG (the default) would write each copied database into the WAL.
      await client.query(`CREATE DATABASE src_${i} STRATEGY FILE_COPY`);
    }
  } finally {
    await client.end();
  }
  await Promise.all(
    Array.from({ length: SOURCES }, (_, k) =>
      node.query(
        `SELECT pg_create_logical_replication_slot('slot_src_${k + 1}', 'test_decoding')`,
        [],
        `src_${k + 1}`,
      ),
    ),
  );
}

async function compareWithCheckPostgres(
  ourMedian: number,
  ourBreaches: ReturnType<typeof evaluateSource>,
): Promise<void> {
  const args = checkPostgresSlotArgs(node.port, WARN, CRIT);
  console.log(`\ncheck_postgres ${args.join(' ')}`);
  const times: number[] = [];
  let output = '';
  let exitCode = 0;
  for (let i = 0; i < RUNS; i += 1) {
    const started = performance.now();
    try {
      const { stdout } = await run('check_postgres', args, {
        env: { ...process.env, PGCONNECT_TIMEOUT: '5' },
      });
      output = stdout;
      exitCode = 0;
    } catch (error) {
      const failure = error as { code?: unknown; stdout?: string; stderr?: string; message: string };
      if (failure.code === 'ENOENT') {
        console.log(
          '  not run: check_postgres is not installed (apt-get install check-postgres); our figures stand alone',
        );
        return;
      }
      if (typeof failure.code !== 'number') {
        console.log(`  not run: ${failure.message.split('\n')[0]}`);
        return;
      }
      // Nagios plugins exit 1 for WARNING and 2 for CRITICAL: that is a result, not a failure.
      output = failure.stdout ?? '';
      exitCode = failure.code;
      if (!output) {
        console.log(`  not run: exit ${exitCode}: ${(failure.stderr ?? '').split('\n')[0]}`);
        return;
      }
    }
    times.push(performance.now() - started);
  }
  const theirs = summarize(times);
  console.log(
    `  median ${fmt(theirs.median)}  min ${fmt(theirs.min)}  max ${fmt(theirs.max)}  (a Perl process and psql per run) exit ${exitCode}`,
  );
  const status = /^POSTGRES_REPLICATION_SLOTS (\w+)/.exec(output)?.[1] ?? output.split(' ')[0];
  const entries = [...output.matchAll(/(\w+): ([\d.]+ \w+) \((\w+) ([0-9A-F/]+) (active|inactive)\)/g)];
  const byName = new Map(entries.map((m) => [m[1], `${m[2]} (${m[3]}, restart_lsn ${m[4]}, ${m[5]})`]));
  console.log(`  reports ${status}: the largest retained WAL over all slots; per slot only that size`);
  for (const name of ['bench_behind', 'bench_physical', 'bench_lost']) {
    console.log(`    ${name}: ${byName.get(name) ?? 'not listed'}`);
  }
  const lostOurs = ourBreaches.some((b) => b.slot === 'bench_lost' && b.metric === 'walStatus');
  console.log('side by side');
  console.log(
    `  time: ours ${fmt(ourMedian)} (in process, one connection, 2 queries) vs check_postgres ${fmt(theirs.median)}: ` +
      `${ourMedian <= theirs.median ? 'ours is at least as fast' : 'check_postgres is faster'}`,
  );
  for (const name of ['bench_behind', 'bench_physical']) {
    const ours = ourBreaches.find((b) => b.slot === name && b.metric === 'retainedWal');
    console.log(
      `  ${name} (24 MiB retained): check_postgres lists it at ${byName.get(name)?.split(' (')[0] ?? '?'} (server ${status}); ours ${ours ? `${ours.level}: ${ours.summary}` : 'does NOT report it'}`,
    );
  }
  console.log(
    `  bench_lost (wal_status lost, restart_lsn NULL): check_postgres reads it as ${byName.get('bench_lost')?.split(' (')[0] ?? '?'} retained ` +
      `(coalesce(delta, 0)); ours ${lostOurs ? 'reports it CRITICAL (wal_status lost, invalidated: wal_removed)' : 'does NOT report it'}`,
  );
  console.log(
    '  only ours: lag to confirmed_flush_lsn, inactive time, xmin age, wal_status unreserved/lost, WAL on disk, ' +
      'a state per slot, alerts with dedup; check_postgres: none of these, one status for the server',
  );
}
