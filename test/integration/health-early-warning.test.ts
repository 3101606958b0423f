import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryAlertStateStore } from '../../src/adapters/local/alert-state-store.js';
import { LocalSnsSink, type SnsNotification } from '../../src/adapters/local/sns-sink.js';
import { pgSourceOpener } from '../../src/adapters/pg/health.js';
import { parseHealthConfig, resolveSource } from '../../src/core/health/config.js';
import { toHealthReport } from '../../src/core/health/report.js';
import { runHealthCheck } from '../../src/core/health/run.js';
import type { Clock } from '../../src/ports/clock.js';
import { quietThresholds } from '../support/health-thresholds.js';
import { type PgNode, primaryForFile } from '../support/pg.js';

/**
 * Warnings before a slot is lost, on a real PostgreSQL 17 with max_slot_wal_keep_size = 64MB. The
 * WAL is real; time is not: the checker's clock is injected and moves a fixed step per check while
 * a fixed volume of WAL is written, so the write rate is steady and nothing depends on how fast
 * this machine runs.
 */

const MiB = 1024 ** 2;
const T_BASE = Date.parse('2026-03-05T00:00:00Z');
const LIMIT = 64 * MiB;
const STEP_MS = 30 * 60_000;
const WAL_PER_STEP_MIB = 2;

// Every threshold off except the ones under test.
const QUIET = quietThresholds(['walStatus', 'safeWal', 'safeWalForecast']);

class SteppedClock implements Clock {
  constructor(private at: number) {}
  now(): number {
    return this.at;
  }
  async sleep(ms: number): Promise<void> {
    this.at += ms;
  }
  advance(ms: number): void {
    this.at += ms;
  }
}

let dir: string;
let node: PgNode;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'dms-cdc-early-'));
  // max_wal_size (1GB by default) far above the slot limit: wal_status stays `reserved` until the
  // slot passes max_slot_wal_keep_size, so every warning below must come while it says reserved.
  node = await primaryForFile({
    name: 'early-warning',
    settings: { max_slot_wal_keep_size: '64MB', checkpoint_timeout: '1h' },
  });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function watcher(
  source: Record<string, unknown>,
  clock: Clock,
  defaults: Record<string, unknown> = {},
  server: PgNode = node,
) {
  const config = parseHealthConfig({
    // No reminders: each message is a change of level.
    defaults: { thresholds: QUIET, renotifyMinutes: 10_080, ...defaults },
    sources: [{ name: 'orders-db', url: server.url(), ...source }],
  });
  const sinkFile = path.join(dir, `${Math.random().toString(36).slice(2)}.jsonl`);
  const deps = {
    openSource: pgSourceOpener(server.connectionConfig()),
    state: new MemoryAlertStateStore(),
    alerts: new LocalSnsSink({ path: sinkFile }),
    clock,
  };
  const resolved = resolveSource(config.sources[0] as never, config.defaults);
  return {
    check: () => runHealthCheck(resolved, deps),
    sent: async () =>
      (await readFile(sinkFile, 'utf8').catch(() => ''))
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as SnsNotification),
  };
}

const tag = (n: SnsNotification) =>
  `${n.MessageAttributes.severity?.Value} ${n.MessageAttributes.metric?.Value}`;

async function emitWal(mib: number, on: PgNode = node): Promise<void> {
  await on.query(
    `SELECT pg_logical_emit_message(false, 'fill', repeat('x', 1024 * 1024)) FROM generate_series(1, $1)`,
    [mib],
  );
}

describe('safe_wal_size and its forecast on PostgreSQL 17, max_slot_wal_keep_size 64MB', () => {
  it('an inactive slot: OK, WARNING, CRITICAL while reserved, a forecast within 20% of the real loss', async () => {
    await node.query(`SELECT pg_create_logical_replication_slot('dms_slot', 'test_decoding')`);
    const clock = new SteppedClock(Date.parse('2026-03-01T00:00:00Z'));
    const watch = watcher({ slots: ['dms_slot'] }, clock);
    interface Check {
      at: number;
      walStatus: string | null;
      safe: number | null;
      forecast: number | null;
      alerts: string[];
    }
    const checks: Check[] = [];
    let lostAt: number | null = null;
    for (let step = 0; step < 60 && lostAt === null; step += 1) {
      const { result, measurement, observations } = await watch.check();
      const slot = measurement?.slots[0];
      const forecast = observations.find((o) => o.metric === 'safeWalForecast')?.value ?? null;
      checks.push({
        at: clock.now(),
        walStatus: slot?.reading.slot.walStatus ?? null,
        safe: slot?.reading.slot.safeWalSizeBytes == null ? null : Number(slot.reading.slot.safeWalSizeBytes),
        forecast,
        alerts: result.alerts.map((a) => a.subject),
      });
      if (slot?.reading.slot.walStatus === 'lost') lostAt = clock.now();
      // The next interval: a fixed volume of WAL, then a checkpoint (which is what invalidates a slot).
      clock.advance(STEP_MS);
      await emitWal(WAL_PER_STEP_MIB);
      await node.query('CHECKPOINT');
    }
    if (lostAt === null) throw new Error('the slot was never lost');

    const sent = await watch.sent();
    expect(sent.map(tag)).toEqual([
      'WARNING safeWal',
      'WARNING safeWalForecast',
      'CRITICAL safeWal',
      'CRITICAL safeWalForecast',
      // With a checkpoint in every interval the slot goes from reserved to lost between two checks:
      // wal_status alone warns only once it is too late.
      'CRITICAL walStatus',
    ]);
    const firstAlert = (metric: string, level: string) => {
      const index = checks.findIndex((c) =>
        c.alerts.some((s) => s.startsWith(`[${level}]`) && s.includes(metric)),
      );
      const check = checks[index];
      if (!check) throw new Error(`no ${level} ${metric}`);
      return check;
    };
    // The first checks are OK: more than half of the 64 MB is left.
    expect(checks[0]).toMatchObject({ walStatus: 'reserved', alerts: [] });
    const warning = firstAlert('safe WAL ', 'WARNING');
    const critical = firstAlert('safe WAL ', 'CRITICAL');
    expect(warning.walStatus).toBe('reserved');
    expect(warning.safe).toBeLessThanOrEqual(LIMIT / 2);
    expect(critical.walStatus).toBe('reserved');
    expect(critical.safe).toBeLessThanOrEqual(LIMIT / 5);

    // The first forecast alert predicted the loss within 20% of the time that was really left.
    const forecastAlert = firstAlert('safe WAL gone in', 'WARNING');
    expect(forecastAlert.walStatus).toBe('reserved');
    const predicted = forecastAlert.at + Number(forecastAlert.forecast) * 1000;
    const actualLeft = lostAt - forecastAlert.at;
    expect(Math.abs(predicted - lostAt)).toBeLessThanOrEqual(0.2 * actualLeft);

    const message = sent.find((n) => tag(n) === 'WARNING safeWalForecast')?.Message ?? '';
    expect(message).toMatch(/WAL written at \d+(\.\d)? (B|KiB)\/s/);
    expect(message).toContain('Remedy: make the consumer read the slot before then');

    const lostCheck = checks.at(-1);
    console.log(
      `[early-warning] first WARNING (safe WAL ${((warning.safe ?? 0) / MiB).toFixed(1)} MiB) ` +
        `${((lostAt - warning.at) / 3600_000).toFixed(1)} h before the slot was lost; ` +
        `CRITICAL ${((lostAt - critical.at) / 3600_000).toFixed(1)} h before; forecast at its first alert ` +
        `${(Number(forecastAlert.forecast) / 3600).toFixed(2)} h vs ${(actualLeft / 3600_000).toFixed(2)} h real ` +
        `(${WAL_PER_STEP_MIB} MiB per ${STEP_MS / 60_000} min, ${checks.length} checks, last ${lostCheck?.walStatus})`,
    );
    await node.query(`SELECT pg_drop_replication_slot('dms_slot')`);
  });

  it('the WAL disk: a forecast of when pg_wal fills the space it may grow into', async () => {
    // A server of its own: one whose pg_wal already holds recycled segments takes new WAL into them
    // without growing, and then (rightly) forecasts nothing.
    const fresh = await primaryForFile({ name: 'early-disk', settings: { max_slot_wal_keep_size: '64MB' } });
    await fresh.query(`SELECT pg_create_logical_replication_slot('disk_slot', 'test_decoding')`);
    const [dirNow] = await fresh.query<{ bytes: string }>(
      'SELECT sum(size)::text AS bytes FROM pg_ls_waldir()',
    );
    const clock = new SteppedClock(Date.parse('2026-03-01T12:00:00Z'));
    const watch = watcher(
      {
        slots: ['disk_slot'],
        walDiskCapacityBytes: Number(dirNow?.bytes) + 48 * MiB,
        thresholds: {
          safeWal: { warning: null, critical: null },
          safeWalForecast: { warning: null, critical: null },
          walDiskForecast: { warning: '6h', critical: '1h' },
        },
      },
      clock,
      {},
      fresh,
    );
    const left: (number | null)[] = [];
    for (let step = 0; step < 10; step += 1) {
      const { observations } = await watch.check();
      left.push(observations.find((o) => o.metric === 'walDiskForecast')?.value ?? null);
      clock.advance(10 * 60_000);
      await emitWal(4, fresh);
      await fresh.query('CHECKPOINT');
    }
    console.log(
      `[early-warning] WAL disk forecasts (s): ${left.map((v) => (v === null ? '-' : v)).join(', ')}`,
    );
    const sent = (await watch.sent()).filter((n) => tag(n).endsWith('walDiskForecast'));
    // pg_wal grows by whole 16 MiB segments (and recycled ones), so the forecast moves in steps: what
    // holds is that there is one from the third check on, and that it alerts before the space is gone.
    expect(left.slice(0, 2)).toEqual([null, null]);
    for (const seconds of left.slice(2)) expect(seconds).toBeGreaterThan(0);
    expect(sent.map(tag)).toContain('CRITICAL walDiskForecast');
    expect(sent[0]?.Message).toMatch(/left for WAL; WAL written at [\d.]+ (B|KiB)\/s, free space shrinks by/);
    await fresh.destroy();
  });

  it('wal_status extended (past max_wal_size, within the slot limit) alerts when configured to', async () => {
    await node.query(`ALTER SYSTEM SET max_wal_size = '32MB'`);
    await node.query('SELECT pg_reload_conf()');
    await node.query(`SELECT pg_create_physical_replication_slot('ext_slot', true)`);
    try {
      const watch = watcher(
        { slots: ['ext_slot'], thresholds: { walStatus: { warning: ['extended', 'unreserved'] } } },
        new SteppedClock(Date.parse('2026-03-02T00:00:00Z')),
      );
      for (let i = 0; i < 80; i += 1) {
        const rows = await node.query<{ wal_status: string }>(
          `SELECT wal_status FROM pg_replication_slots WHERE slot_name = 'ext_slot'`,
        );
        if (rows[0]?.wal_status === 'extended') break;
        await emitWal(1);
      }
      const { result } = await watch.check();
      expect(result.breaches).toContainEqual({
        key: 'orders-db#ext_slot#walStatus',
        level: 'WARNING',
        summary: 'wal_status extended',
      });
      expect((await watch.sent()).map((n) => n.Subject)).toContain(
        '[WARNING] orders-db slot ext_slot: wal_status extended',
      );
    } finally {
      await node.query(`SELECT pg_drop_replication_slot('ext_slot')`);
      await node.query('ALTER SYSTEM RESET max_wal_size');
      await node.query('SELECT pg_reload_conf()');
    }
  });

  it('a value flapping around a threshold gives one alert, and one RESOLVED once it stays clear', async () => {
    await node.query(`SELECT pg_create_physical_replication_slot('flap_slot', true)`);
    const clock = new SteppedClock(Date.parse('2026-03-03T00:00:00Z'));
    const thresholds = {
      retainedWal: { warning: '10MB', critical: '40MB' },
      safeWal: { warning: null, critical: null },
    };
    const damped = watcher({ slots: ['flap_slot'], thresholds }, clock);
    // The same checks without damping: what the flapping would have sent.
    const undamped = watcher({ slots: ['flap_slot'], thresholds }, clock, {
      hysteresisPercent: 0,
      minNotifyMinutes: 0,
    });
    /** Retained WAL set to exactly `mib` (a physical slot's restart_lsn moves where it is told). */
    const retain = async (mib: number) => {
      const [now] = await node.query<{ held: string }>(
        `SELECT pg_current_wal_lsn() - restart_lsn AS held FROM pg_replication_slots WHERE slot_name = 'flap_slot'`,
      );
      await emitWal(Math.max(1, Math.ceil(mib + 0.5 - Number(now?.held ?? 0) / MiB)));
      await node.query('CREATE TABLE IF NOT EXISTS tick (id int); INSERT INTO tick VALUES (1)');
      await node.query(
        `SELECT pg_replication_slot_advance('flap_slot', pg_current_wal_flush_lsn() - $1::numeric)`,
        [Math.round(mib * MiB)],
      );
    };
    const retained: number[] = [];
    // Over, inside the 10% band, over, under, over, under: each a minute apart.
    for (const mib of [10.6, 9.5, 10.6, 8.5, 10.2, 8.5]) {
      clock.advance(60_000);
      await retain(mib);
      const { measurement } = await damped.check();
      await undamped.check();
      retained.push(Number(measurement?.slots[0]?.reading.retainedWalBytes) / MiB);
    }
    expect(retained.map(Math.round)).toEqual([11, 10, 11, 9, 10, 9]);
    expect((await damped.sent()).map(tag)).toEqual(['WARNING retainedWal']);
    expect((await undamped.sent()).map(tag)).toEqual([
      'WARNING retainedWal',
      'RESOLVED retainedWal',
      'WARNING retainedWal',
      'RESOLVED retainedWal',
      'WARNING retainedWal',
      'RESOLVED retainedWal',
    ]);
    // Clear of the band for longer than the minimum interval: one RESOLVED.
    clock.advance(15 * 60_000);
    await retain(8.5);
    await damped.check();
    expect((await damped.sent()).map(tag)).toEqual(['WARNING retainedWal', 'RESOLVED retainedWal']);
    await node.query(`SELECT pg_drop_replication_slot('flap_slot')`);
  });

  it('a slot that was dropped resolves its open alerts with one message', async () => {
    await node.query(`SELECT pg_create_logical_replication_slot('gone_slot', 'test_decoding')`);
    const clock = new SteppedClock(Date.parse('2026-03-04T00:00:00Z'));
    const watch = watcher(
      {
        slots: 'logical',
        thresholds: { retainedWal: { warning: '1MB', critical: '2MB' }, inactiveTime: { warning: '0s' } },
      },
      clock,
    );
    await emitWal(3);
    await watch.check();
    expect((await watch.sent()).map(tag).sort()).toEqual(['CRITICAL retainedWal', 'WARNING inactiveTime']);
    await node.query(`SELECT pg_drop_replication_slot('gone_slot')`);
    clock.advance(60_000);
    const { result } = await watch.check();
    clock.advance(60_000);
    await watch.check();
    const sent = await watch.sent();
    expect(sent.map(tag).slice(2)).toEqual(['RESOLVED slotDropped']);
    expect(result.alerts.map((a) => a.subject)).toEqual([
      '[RESOLVED] orders-db slot gone_slot: slot dropped',
    ]);
    expect(sent[2]?.Message).toContain('its alerts are closed: retained WAL CRITICAL, inactive WARNING');
  });
});

describe('where safe WAL does not exist, and PostgreSQL 18 idle_replication_slot_timeout', () => {
  it('PostgreSQL 12: no safe_wal_size and no max_slot_wal_keep_size, said as not available', async () => {
    const old = await primaryForFile({ name: 'early-pg12', major: 12 });
    await old.query(`SELECT pg_create_logical_replication_slot('dms_slot', 'test_decoding')`);
    const config = parseHealthConfig({ sources: [{ name: 'old-db', url: old.url() }] });
    const { measurement, observations } = await runHealthCheck(
      resolveSource(config.sources[0] as never, config.defaults),
      {
        openSource: pgSourceOpener(old.connectionConfig()),
        state: new MemoryAlertStateStore(),
        alerts: new LocalSnsSink({ path: path.join(dir, 'pg12.jsonl') }),
        clock: new SteppedClock(T_BASE),
      },
    );
    if (!measurement) throw new Error('not measured');
    const report = toHealthReport('old-db', measurement, observations);
    expect(report.maxSlotWalKeepSize).toBe('not available');
    expect(report.slots[0]).toMatchObject({ slot: 'dms_slot', safeWalBytes: null, invalidationReason: null });
    expect(observations.filter((o) => o.metric === 'safeWal')).toEqual([]);
    await old.destroy();
  });

  it('PostgreSQL 18: an inactive slot warns before idle_replication_slot_timeout invalidates it', async () => {
    const next = await primaryForFile({
      name: 'early-pg18',
      major: 18,
      settings: { idle_replication_slot_timeout: '2h' },
    });
    await next.query(`SELECT pg_create_logical_replication_slot('dms_slot', 'test_decoding')`);
    const config = parseHealthConfig({
      defaults: { thresholds: QUIET },
      sources: [
        {
          name: 'new-db',
          url: next.url(),
          thresholds: { idleTimeoutLeft: { warning: '6h', critical: '1h' } },
        },
      ],
    });
    const { result } = await runHealthCheck(resolveSource(config.sources[0] as never, config.defaults), {
      openSource: pgSourceOpener(next.connectionConfig()),
      state: new MemoryAlertStateStore(),
      alerts: new LocalSnsSink({ path: path.join(dir, 'pg18.jsonl') }),
      clock: new SteppedClock(T_BASE),
    });
    expect(result.breaches).toEqual([
      {
        key: 'new-db#dms_slot#idleTimeoutLeft',
        level: 'WARNING',
        summary: expect.stringMatching(/^idle timeout in (2 h|1 h 59 min) <= 6 h$/),
      },
    ]);
    expect(result.alerts[0]?.subject).toMatch(
      /^\[WARNING\] new-db slot dms_slot: idle timeout in (2 h|1 h 59 min) <= 6 h$/,
    );
    await next.destroy();
  });
});
