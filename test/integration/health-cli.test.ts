import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { type Output, recordingOutput } from '../../src/cli/output.js';
import type { HealthReport } from '../../src/core/health/report.js';
import { freePort, type PgNode, primaryForFile } from '../support/pg.js';

const MiB = 1024 ** 2;
let node: PgNode;
let dir: string;

beforeAll(async () => {
  node = await primaryForFile({ name: 'health-cli' });
  dir = await mkdtemp(path.join(tmpdir(), 'dms-cdc-health-cli-'));
  await node.query(`SELECT pg_create_logical_replication_slot('dms_slot', 'test_decoding')`);
  await node.query(`SELECT pg_create_physical_replication_slot('standby_slot', true)`);
  await node.query(
    `SELECT pg_logical_emit_message(false, 'fill', repeat('x', 1024 * 1024)) FROM generate_series(1, 5)`,
  );
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function run(
  argv: string[],
  output: Output = recordingOutput(),
  signal = new AbortController().signal,
) {
  const status = await main(['health', ...argv], { output, env: {}, signal });
  const recorded = output as ReturnType<typeof recordingOutput>;
  const text = (stream: 'stdout' | 'stderr') =>
    (recorded.lines ?? [])
      .filter((l) => l.stream === stream)
      .map((l) => l.text)
      .join('\n');
  return { status, stdout: text('stdout'), stderr: text('stderr') };
}

describe('dms-cdc health', () => {
  it('exit 0 when everything is OK: a table of the logical slots, WAL on disk, the state', async () => {
    const { status, stdout } = await run(['--source', node.url()]);
    expect(status).toBe(0);
    expect(stdout).toMatch(
      /^slot\s+active\s+wal_status\s+lag\s+retained WAL\s+safe WAL\s+inactive\s+state\s+breaches$/m,
    );
    expect(stdout).toMatch(
      /^dms_slot\s+no\s+reserved\s+\d(\.\d)? MiB\s+\d(\.\d)? MiB\s+n\/a\s+[\d.]+ s\s+OK\s+-$/m,
    );
    expect(stdout).toMatch(
      /^max_slot_wal_keep_size: unlimited \(-1\): slots keep WAL without bound, safe WAL does not apply$/m,
    );
    // Physical slots are not DMS's: only logical ones by default.
    expect(stdout).not.toContain('standby_slot');
    expect(stdout).toMatch(/^WAL on disk: \d+ MiB in \d+ files$/m);
    expect(stdout).toMatch(/^state: OK$/m);
  });

  it('--json prints exactly {source, slots[...], wal, state}; exit 1 for a warning', async () => {
    const { status, stdout } = await run(['--source', node.url(), '--json', '--warn-retained', '1MB']);
    expect(status).toBe(1);
    const report = JSON.parse(stdout) as HealthReport;
    expect(Object.keys(report)).toEqual([
      'source',
      'slots',
      'wal',
      'maxSlotWalKeepSize',
      'walRateBytesPerSecond',
      'state',
    ]);
    expect(report).toEqual({
      source: expect.stringMatching(/^postgres@127\.0\.0\.1:\d+\/postgres \(tls disable\)$/),
      slots: [
        {
          slot: 'dms_slot',
          active: false,
          walStatus: 'reserved',
          lagBytes: expect.any(Number),
          retainedBytes: expect.any(Number),
          safeWalBytes: null,
          invalidationReason: null,
          state: 'WARNING',
          breaches: [
            {
              metric: 'retainedWal',
              level: 'WARNING',
              value: expect.any(Number),
              threshold: 1 * MiB,
              message: expect.stringMatching(/^retained WAL \d(\.\d)? MiB >= 1 MiB$/),
            },
          ],
        },
      ],
      wal: { bytes: expect.any(Number), files: expect.any(Number) },
      maxSlotWalKeepSize: 'unlimited',
      walRateBytesPerSecond: null,
      state: 'WARNING',
    });
    expect(report.slots[0]?.retainedBytes).toBeGreaterThan(1 * MiB);
    expect(report.wal.bytes).toBeGreaterThanOrEqual(16 * MiB);
  });

  it('exit 2 for a critical state; lag thresholds from --warn-lag/--crit-lag', async () => {
    const { status, stdout } = await run([
      '--source',
      node.url(),
      '--json',
      '--warn-lag',
      '1MB',
      '--crit-lag',
      '2MB',
    ]);
    expect(status).toBe(2);
    const report = JSON.parse(stdout) as HealthReport;
    expect(report.state).toBe('CRITICAL');
    expect(report.slots[0]?.breaches.map((b) => `${b.level} ${b.metric}`)).toEqual(['CRITICAL slotLag']);
  });

  it('--config: thresholds from the file, the source matched by its url, its name in the report', async () => {
    const file = path.join(dir, 'health.json');
    await writeFile(
      file,
      JSON.stringify({
        defaults: { thresholds: { retainedWal: { warning: '2MB', critical: '64MB' } } },
        sources: [
          { name: 'elsewhere', url: 'postgres://dms@10.0.0.1:5432/orders?sslmode=require' },
          { name: 'orders-db', url: node.url(), slots: ['dms_slot', 'standby_slot'] },
        ],
      }),
    );
    const { status, stdout } = await run(['--source', node.url(), '--config', file, '--json']);
    expect(status).toBe(1);
    const report = JSON.parse(stdout) as HealthReport;
    expect(report.source).toBe('orders-db');
    // Slots named in the configuration are checked whatever their type (the physical one retains WAL too).
    expect(report.slots.map((s) => `${s.slot} ${s.state}`)).toEqual([
      'dms_slot WARNING',
      'standby_slot WARNING',
    ]);
    // A flag still wins over the file.
    expect((await run(['--source', node.url(), '--config', file, '--crit-retained', '2MB'])).status).toBe(2);
  });

  it('exit 3 when the check cannot run: unreachable source, bad size, bad config file', async () => {
    const down = await run(['--source', `postgres://postgres@127.0.0.1:${await freePort()}/postgres`]);
    expect(down.status).toBe(3);
    expect(down.stderr).toMatch(/^health check could not run: SourceUnreachableError: cannot reach/);

    const badSize = await run(['--source', node.url(), '--crit-lag', 'huge']);
    expect(badSize.status).toBe(3);
    expect(badSize.stderr).toContain('--crit-lag: "huge" is not a size');

    const file = path.join(dir, 'broken.json');
    await writeFile(
      file,
      JSON.stringify({ sources: [{ name: 'x', url: node.url(), thresholds: { lag: {} } }] }),
    );
    const badConfig = await run(['--source', node.url(), '--config', file]);
    expect(badConfig.status).toBe(3);
    expect(badConfig.stderr).toContain('InvalidInputError: --config.sources.0.thresholds');

    const noSource = await run([]);
    expect(noSource.status).toBe(3);
    expect(noSource.stderr).toContain('--source is required');
  });

  it('--watch redraws in place through Output.rewrite until Ctrl-C, and exits with the last state', async () => {
    const controller = new AbortController();
    const frames: string[] = [];
    const output: Output = {
      ...recordingOutput(),
      rewrite: (text) => {
        frames.push(text);
        if (frames.length === 2) controller.abort();
      },
    };
    const started = performance.now();
    // 5 s is the shortest interval --watch accepts.
    const { status } = await run(
      ['--source', node.url(), '--watch', '5', '--warn-retained', '1MB'],
      output,
      controller.signal,
    );
    expect(status).toBe(1);
    expect(frames).toHaveLength(2);
    for (const frame of frames) {
      expect(frame).toMatch(
        /^dms-cdc health {2}postgres@127\.0\.0\.1:\d+\/postgres \(tls disable\) {2}every 5 s {2}20\d\d-/,
      );
      expect(frame).toMatch(/^dms_slot\s+no\s+reserved/m);
      expect(frame).toMatch(/^state: WARNING$/m);
    }
    // One pause of 5 s between two frames, and no wait after Ctrl-C.
    expect(performance.now() - started).toBeLessThan(15_000);
  }, 20_000);

  it('--state keeps samples between runs: safe WAL, the WAL rate and when safe WAL is gone', async () => {
    await node.query(`ALTER SYSTEM SET max_slot_wal_keep_size = '1GB'`);
    await node.query('SELECT pg_reload_conf()');
    try {
      const state = path.join(dir, 'health-state.json');
      const reports: HealthReport[] = [];
      for (let i = 0; i < 3; i += 1) {
        await node.query(`SELECT pg_logical_emit_message(false, 'fill', repeat('x', 1024 * 1024))`);
        const { stdout } = await run(['--source', node.url(), '--state', state, '--json']);
        reports.push(JSON.parse(stdout) as HealthReport);
      }
      const [first, , third] = reports;
      expect(first?.maxSlotWalKeepSize).toBe(1024 * MiB);
      expect(first?.slots[0]?.safeWalBytes).toBeGreaterThan(512 * MiB);
      // Two samples are no rate yet; the third check has one, and the inactive slot shrinks at it.
      expect(first?.walRateBytesPerSecond).toBeNull();
      expect(first?.slots[0]?.safeWalGoneInSeconds).toBeUndefined();
      expect(third?.walRateBytesPerSecond).toBeGreaterThan(0);
      expect(third?.slots[0]?.safeWalGoneInSeconds).toBeGreaterThanOrEqual(0);

      const { stdout } = await run(['--source', node.url(), '--state', state]);
      expect(stdout).toMatch(/^dms_slot\s+no\s+reserved\s+.*\(gone in [^)]+\)/m);
      expect(stdout).toMatch(/^max_slot_wal_keep_size: 1 GiB; WAL written at .+\/s$/m);
    } finally {
      await node.query('ALTER SYSTEM RESET max_slot_wal_keep_size');
      await node.query('SELECT pg_reload_conf()');
    }
  });

  it.each([
    ['0.05', 'below 5 s'],
    ['4', 'below 5 s'],
    ['86401', 'above a day'],
    ['1e3', 'not a plain number'],
    ['Infinity', 'not finite'],
  ])('--watch %s (%s) is refused before anything connects, exit 3', async (value) => {
    const output = recordingOutput();
    const { status } = await run(['--source', 'postgres://dms@127.0.0.1:1/db', '--watch', value], output);
    expect(status).toBe(3);
    const text = output.lines.map((l) => l.text).join('\n');
    expect(text).toContain('--watch must be a number of seconds from 5 to 86400');
    expect(text).not.toContain('cannot reach');
  });

  it('is listed in the overview', async () => {
    const output = recordingOutput();
    await main(['help'], { output, env: {}, signal: new AbortController().signal });
    expect(output.lines.map((l) => l.text).join('\n')).toMatch(/^ {2}health\s+Check slot lag, retained WAL/m);
  });
});
