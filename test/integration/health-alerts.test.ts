import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryAlertStateStore } from '../../src/adapters/local/alert-state-store.js';
import { LocalSnsSink, type SnsNotification } from '../../src/adapters/local/sns-sink.js';
import { pgSourceOpener } from '../../src/adapters/pg/health.js';
import { systemClock } from '../../src/adapters/system-clock.js';
import { evaluateSource } from '../../src/core/alerts/evaluate.js';
import { processObservations } from '../../src/core/alerts/notify.js';
import { parseAlertMessage } from '../../src/core/alerts/sns-message.js';
import { parseHealthConfig, resolveSource } from '../../src/core/health/config.js';
import { toHealthReport } from '../../src/core/health/report.js';
import { type HealthCheckDeps, runHealthCheck } from '../../src/core/health/run.js';
import type { AlertState } from '../../src/ports/alert-state.js';
import { quietThresholds } from '../support/health-thresholds.js';
import { freePort, type PgNode, primaryForFile, sleep } from '../support/pg.js';
import { holdSlot } from '../support/slot-holder.js';

// Every threshold off except the ones a test switches on, so each test sees only its own metric.
const QUIET = quietThresholds();

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'dms-cdc-health-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface Harness {
  readonly check: () => ReturnType<typeof runHealthCheck>;
  readonly notifications: () => Promise<SnsNotification[]>;
}

/** A source watched by the real health check: real PostgreSQL, memory alert state, a local SNS sink. */
function watch(
  node: PgNode | { url: () => string; connectionConfig: () => object },
  source: Record<string, unknown>,
  options: { state?: AlertState; sinkFile?: string } = {},
): Harness {
  const config = parseHealthConfig({
    // Checks here follow each other within seconds: no minimum interval between notifications.
    defaults: { thresholds: QUIET, minNotifyMinutes: 0 },
    sources: [{ name: 'orders-db', url: node.url(), ...source }],
  });
  const resolved = resolveSource(config.sources[0] as never, config.defaults);
  const file = options.sinkFile ?? path.join(dir, `${Math.random().toString(36).slice(2)}.jsonl`);
  const deps: HealthCheckDeps = {
    openSource: pgSourceOpener(node.connectionConfig()),
    state: options.state ?? new MemoryAlertStateStore(),
    alerts: new LocalSnsSink({ path: file }),
    clock: systemClock,
  };
  return {
    check: () => runHealthCheck(resolved, deps),
    notifications: async () => {
      const text = await readFile(file, 'utf8').catch(() => '');
      return text
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as SnsNotification);
    },
  };
}

const attribute = (n: SnsNotification, name: string) => n.MessageAttributes[name]?.Value;
const summary = (n: SnsNotification) =>
  `${attribute(n, 'severity')} ${attribute(n, 'slot') ?? '-'} ${attribute(n, 'metric')}`;

async function emitWal(node: PgNode, mib: number): Promise<void> {
  await node.query(
    `SELECT pg_logical_emit_message(false, 'fill', repeat('x', 1024 * 1024)) FROM generate_series(1, $1)`,
    [mib],
  );
}

/** What a consumer confirming everything does: the slot's restart_lsn and confirmed_flush_lsn move to now. */
async function consume(node: PgNode, slot: string): Promise<void> {
  // restart_lsn can only move to a running-xacts record the slot has decoded past, and advance
  // stops at flushed WAL: log one, flush it with a commit, then advance.
  await node.query('SELECT pg_log_standby_snapshot()');
  await node.query('CREATE TABLE IF NOT EXISTS tick (id int); INSERT INTO tick VALUES (1)');
  await node.query('SELECT pg_replication_slot_advance($1, pg_current_wal_lsn())', [slot]);
}

describe('health check and alerts on PostgreSQL 17', () => {
  let node: PgNode;
  beforeAll(async () => {
    node = await primaryForFile({ name: 'health', settings: { max_slot_wal_keep_size: '32MB' } });
  });

  it('WAL retained past a small threshold: exactly one WARNING, then one CRITICAL; consumed: one RESOLVED', async () => {
    await node.query(`SELECT pg_create_logical_replication_slot('dms_slot', 'test_decoding')`);
    const watcher = watch(node, {
      slots: ['dms_slot'],
      thresholds: { retainedWal: { warning: '6MB', critical: '12MB' } },
    });
    const readings: number[] = [];
    // The schedule, sped up: write 2 MiB of WAL, check, until well past the critical threshold.
    while ((readings.at(-1) ?? 0) < 16 * 1024 ** 2) {
      await emitWal(node, 2);
      const { result, measurement } = await watcher.check();
      expect(result.status).toBe('CHECKED');
      readings.push(Number(measurement?.slots[0]?.reading.retainedWalBytes));
    }
    expect(readings.length).toBeGreaterThanOrEqual(6);

    await consume(node, 'dms_slot');
    const after = await watcher.check();
    expect(after.measurement?.slots[0]?.reading.retainedWalBytes).toBeLessThan(1024 ** 2);
    // Quiet once resolved.
    await watcher.check();

    const sent = await watcher.notifications();
    expect(sent.map(summary)).toEqual([
      'WARNING dms_slot retainedWal',
      'CRITICAL dms_slot retainedWal',
      'RESOLVED dms_slot retainedWal',
    ]);
    const [warning, critical, resolved] = sent;
    expect(warning?.Subject).toMatch(
      /^\[WARNING\] orders-db slot dms_slot: retained WAL \d+(\.\d)? MiB >= 6 MiB$/,
    );
    expect(critical?.Subject).toMatch(
      /^\[CRITICAL\] orders-db slot dms_slot: retained WAL \d+(\.\d)? MiB >= 12 MiB$/,
    );
    expect(resolved?.Subject).toMatch(
      /^\[RESOLVED\] orders-db slot dms_slot: retained WAL \d+(\.\d)? (B|KiB) < 6 MiB$/,
    );
    // The CRITICAL message compares with the WARNING check before it, from the payload SQS would read.
    const payload = parseAlertMessage(critical?.Message ?? '').payload as {
      previousLevel: string;
      trend: { delta: number };
    };
    expect(payload.previousLevel).toBe('WARNING');
    expect(payload.trend.delta).toBeGreaterThan(0);
    expect(critical?.Message).toMatch(/Trend: up \d+(\.\d)? MiB since the previous check/);
  });

  it('a slot nobody reads: OK while a walsender holds it, WARNING once inactive for longer than the threshold', async () => {
    await node.query(`SELECT pg_create_logical_replication_slot('idle_slot', 'test_decoding')`);
    const watcher = watch(node, {
      slots: ['idle_slot'],
      thresholds: { inactiveTime: { warning: '1s', critical: '1h' } },
    });
    const holder = await holdSlot(node, 'idle_slot', 'dms-task');
    const held = await watcher.check();
    expect(held.measurement?.slots[0]?.reading.slot).toMatchObject({
      active: true,
      activeApplication: 'dms-task',
    });
    expect(held.result.state).toBe('OK');

    await holder.release();
    await sleep(1200);
    const idle = await watcher.check();
    expect(idle.measurement?.slots[0]?.inactiveSeconds).toBeGreaterThanOrEqual(1);
    expect(idle.result.breaches).toEqual([
      {
        key: 'orders-db#idle_slot#inactiveTime',
        level: 'WARNING',
        summary: expect.stringMatching(/^inactive 1(\.\d)? s >= 1 s$/),
      },
    ]);
    const [alert] = await watcher.notifications();
    expect(alert?.Subject).toMatch(/^\[WARNING\] orders-db slot idle_slot: inactive 1(\.\d)? s >= 1 s$/);
    expect(alert?.Message).toMatch(/inactive for 1(\.\d)? s \(since 20\d\d-/);
  });

  it('a slot invalidated by max_slot_wal_keep_size: unreserved warns, lost (wal_removed) is critical', async () => {
    await node.query(`SELECT pg_create_logical_replication_slot('doomed', 'test_decoding')`);
    const watcher = watch(node, {
      slots: ['doomed'],
      thresholds: { walStatus: { warning: ['unreserved'], critical: ['lost'] } },
    });
    await emitWal(node, 40);
    await node.query('SELECT pg_switch_wal()');
    const unreserved = await watcher.check();
    expect(unreserved.measurement?.slots[0]?.reading.slot.walStatus).toBe('unreserved');

    await node.query('CHECKPOINT');
    const lost = await watcher.check();
    expect(lost.measurement?.slots[0]).toMatchObject({
      reading: { slot: { walStatus: 'lost', restartLsn: null } },
      invalidationReason: 'wal_removed',
    });
    expect(lost.result.state).toBe('CRITICAL');
    // The report (dms-cdc health --json) names why PostgreSQL invalidated it.
    const report = toHealthReport('orders-db', lost.measurement as never, lost.observations);
    expect(report.slots[0]).toMatchObject({
      slot: 'doomed',
      walStatus: 'lost',
      invalidationReason: 'wal_removed',
    });
    const sent = await watcher.notifications();
    expect(sent.map((n) => n.Subject)).toEqual([
      '[WARNING] orders-db slot doomed: wal_status unreserved',
      '[CRITICAL] orders-db slot doomed: wal_status lost (invalidated: wal_removed)',
    ]);
    expect(sent[1]?.Message).toContain('recreate the slot and reload the target');
    await node.query(`SELECT pg_drop_replication_slot('doomed')`);
  });

  it('two overlapping checks from the same state send each alert once', async () => {
    await node.query(`SELECT pg_create_logical_replication_slot('raced', 'test_decoding')`);
    await emitWal(node, 3);
    const config = {
      slots: ['raced', 'not_there'],
      thresholds: { retainedWal: { warning: '1MB', critical: '2MB' } },
    };

    // Whole checks in parallel (each measures on its own session, then stores and notifies).
    const state = new MemoryAlertStateStore();
    const sinkFile = path.join(dir, 'raced.jsonl');
    const [a, b] = await Promise.all([
      watch(node, config, { state, sinkFile }).check(),
      watch(node, config, { state, sinkFile }).check(),
    ]);
    const sent = await watch(node, config, { state, sinkFile }).notifications();
    expect(sent.map(summary).sort()).toEqual([
      'CRITICAL not_there slotMissing',
      'CRITICAL raced retainedWal',
    ]);
    expect(a.result.alerts.length + b.result.alerts.length).toBe(2);

    // The same evaluation twice at once: both read version null, one compare-and-set wins per key.
    const resolved = resolveSource(
      parseHealthConfig({
        // Checks here follow each other within seconds: no minimum interval between notifications.
        defaults: { thresholds: QUIET, minNotifyMinutes: 0 },
        sources: [{ name: 'orders-db', url: node.url(), ...config }],
      }).sources[0] as never,
      { thresholds: QUIET },
    );
    const measured = (await watch(node, config).check()).measurement;
    if (!measured) throw new Error('not measured');
    const observations = evaluateSource(resolved, measured);
    const raceState = new MemoryAlertStateStore();
    const raceSink = path.join(dir, 'raced-evaluation.jsonl');
    const deps = { state: raceState, alerts: new LocalSnsSink({ path: raceSink }), clock: systemClock };
    const [first, second] = await Promise.all([
      processObservations(observations, 60, deps),
      processObservations(observations, 60, deps),
    ]);
    const lost = [...first, ...second].filter((o) => o.lostRace).map((o) => o.key);
    expect(lost.sort()).toEqual(['orders-db#not_there#slotMissing', 'orders-db#raced#retainedWal']);
    const raced = (await readFile(raceSink, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as SnsNotification);
    expect(raced.map(summary).sort()).toEqual([
      'CRITICAL not_there slotMissing',
      'CRITICAL raced retainedWal',
    ]);
    await node.query(`SELECT pg_drop_replication_slot('raced')`);
  });

  it('pg_ls_waldir refused to a login without pg_monitor: the slots are still checked, the WAL is a noted problem', async () => {
    await node.query(
      `DO $$ BEGIN CREATE ROLE watcher LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$`,
    );
    const limited = {
      url: () => node.url().replace('postgres@', 'watcher@'),
      connectionConfig: () => ({ ...node.connectionConfig(), user: 'watcher' }),
    };
    const { result, measurement } = await watch(limited, { slots: 'logical' }).check();
    expect(result.status).toBe('CHECKED');
    expect(measurement?.slots.map((s) => s.reading.slot.slotName)).toContain('dms_slot');
    expect(measurement?.wal).toBeNull();
    expect(measurement?.problems).toEqual([
      'WAL on disk not measured: WalDirNotPermittedError: pg_ls_waldir() is not permitted for this login',
    ]);
  });

  it('a source that cannot be reached raises its own alert, and a RESOLVED once it answers again', async () => {
    const port = await freePort();
    const down = {
      url: () => `postgres://postgres@127.0.0.1:${port}/postgres`,
      connectionConfig: () => ({ ...node.connectionConfig(), port, connectionTimeoutMillis: 2000 }),
    };
    const state = new MemoryAlertStateStore();
    const sinkFile = path.join(dir, 'down.jsonl');
    const unreachable = await watch(down, {}, { state, sinkFile }).check();
    expect(unreachable.result).toMatchObject({
      status: 'UNREACHABLE',
      state: 'CRITICAL',
      error: expect.stringMatching(
        /^SourceUnreachableError: cannot reach postgres@127\.0\.0\.1:\d+\/postgres/,
      ),
    });
    // Same source name, now answering.
    await watch(node, {}, { state, sinkFile }).check();
    const sent = await watch(node, {}, { state, sinkFile }).notifications();
    expect(sent.map((n) => n.Subject)).toEqual([
      expect.stringMatching(
        /^\[CRITICAL\] orders-db: cannot be checked: SourceUnreachableError: cannot reach/,
      ),
      '[RESOLVED] orders-db: can be checked again',
    ]);
  });
});
