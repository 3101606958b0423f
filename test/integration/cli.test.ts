import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliRecorded } from '../support/cli.js';
import { type PgNode, primaryForFile } from '../support/pg.js';

let source: PgNode;
const repoRoot = path.resolve(import.meta.dirname, '../..');
// Programs started here get a node root of their own, so other test files running in parallel
// cannot disturb the "nothing left behind" checks.
const childRoot = path.join(os.tmpdir(), `dms-cdc-pg-cli-test-${process.pid}`);
// They also run as a user would: without the test run's initdb template.
const childEnv = { ...process.env, DMS_CDC_PG_ROOT: childRoot, DMS_CDC_PG_TEMPLATES: '' };

afterAll(() => rmSync(childRoot, { recursive: true, force: true }));

beforeAll(async () => {
  // The spawned CLI runs the bundle users get (bin/dms-cdc.js -> dist/cli/): built from this tree.
  const build = spawnSync(process.execPath, ['bin/build-cli.js'], { cwd: repoRoot, encoding: 'utf8' });
  expect(build.status, build.stderr).toBe(0);
  source = await primaryForFile();
  await source.query(`SELECT pg_create_logical_replication_slot('dms_orders_slot', 'test_decoding')`);
  await source.query('CREATE TABLE orders (id int PRIMARY KEY)');
  await source.query('INSERT INTO orders SELECT generate_series(1, 500)');
});

const run = (argv: string[]) => runCliRecorded(argv);
/** dms-cdc slot <action> against this file's server. */
const slot = (action: string, ...flags: string[]) =>
  run(['slot', action, '--source', source.url(), ...flags]);

describe('dms-cdc slot against a real server', () => {
  it('prints the slot as JSON with the server’s own LSNs and lag', async () => {
    const { status, stdout } = await slot('inspect', '--slot', 'dms_orders_slot', '--json');
    expect(status).toBe(0);
    const report = JSON.parse(stdout);
    const [truth] = await source.query<{ restart: string; confirmed: string; lag: string }>(
      `SELECT restart_lsn::text AS restart, confirmed_flush_lsn::text AS confirmed,
              pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn)::text AS lag
         FROM pg_replication_slots WHERE slot_name = 'dms_orders_slot'`,
    );
    expect(report).toMatchObject({
      slotName: 'dms_orders_slot',
      plugin: 'test_decoding',
      restartLsn: truth?.restart,
      confirmedFlushLsn: truth?.confirmed,
      lagBytes: Number(truth?.lag),
      active: false,
      walStatus: 'reserved',
    });
    expect(report.lagBytes).toBeGreaterThan(0);
  });

  it('prints a table for --all', async () => {
    const { status, stdout } = await slot('inspect', '--all');
    expect(status).toBe(0);
    expect(stdout).toMatch(/^slot\s+type\s+plugin\s+restart_lsn\s+confirmed_flush_lsn\s+lag/);
    expect(stdout).toMatch(/dms_orders_slot\s+logical\s+test_decoding/);
  });

  it('exits 1 naming the slot when it does not exist', async () => {
    const { status, output } = await slot('inspect', '--slot', 'missing_slot');
    expect(status).toBe(1);
    expect(output.lines.at(-1)?.text).toContain('slot missing_slot does not exist on postgres@127.0.0.1');
  });
});

describe('dms-cdc slot create and cleanup against a real server', () => {
  it('creates a slot once, then reports the existing one', async () => {
    const args = [
      'slot',
      'create',
      '--source',
      source.url(),
      '--slot',
      'cli_made_slot',
      '--failover',
      '--json',
    ];
    const first = await run(args);
    expect(first.status).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({
      created: true,
      slot: { slotName: 'cli_made_slot', failover: true },
    });
    const second = await run(args);
    expect(JSON.parse(second.stdout)).toMatchObject({ created: false, slot: { slotName: 'cli_made_slot' } });
  });

  it('cleanup drops only the slot it is told to', async () => {
    const { status, stdout } = await slot('cleanup', '--drop-slot', 'cli_made_slot');
    expect(status).toBe(0);
    expect(stdout).toContain('removed slot cli_made_slot');
    expect(stdout).toContain('not present: event trigger awsdms_intercept_ddl');
    const names = (
      await source.query<{ slot_name: string }>('SELECT slot_name FROM pg_replication_slots')
    ).map((r) => r.slot_name);
    expect(names).toEqual(['dms_orders_slot']);
  });
});

describe('npm start (the local cutover rehearsal)', () => {
  it('runs the cutover machine and prints a JSON report where the target equals the source', async () => {
    const { status, stdout } = await runProgram('npm', [
      'start',
      '--silent',
      '--',
      '--json',
      '--seconds',
      '3',
      '--tps',
      '20',
    ]);
    expect(status).toBe(0);
    const report = JSON.parse(stdout);
    expect(report).toMatchObject({ status: 'SUCCEEDED', mismatches: 0, error: null });
    expect(report.transitions).toBeGreaterThan(10);
    expect(report.transitions).toBeLessThanOrEqual(100);
    expect(hex(report.startLsn)).toBeLessThanOrEqual(hex(report.caughtUpLsn));
    expect(report.tables).toEqual([
      {
        name: 'shop.customers',
        sourceRows: report.workloadTransactions,
        targetRows: report.workloadTransactions,
      },
      { name: 'shop.orders', sourceRows: expect.any(Number), targetRows: report.tables[1].sourceRows },
    ]);
    expect(report.verify).toMatchObject({
      tables: 2,
      tablesEqual: 2,
      rowsCompared: report.tables[0].sourceRows + report.tables[1].sourceRows,
      missingOnTarget: 0,
      extraOnTarget: 0,
      changed: 0,
      equal: true,
    });
    expect(report.sequences.length).toBeGreaterThan(0);
    expect(report.sequences.every((q: { status: string }) => q.status === 'equal')).toBe(true);
    expect(nodeDirs()).toEqual([]);
  });

  it('stops cleanly on Ctrl-C in the middle of the cutover', async () => {
    const child = spawn(process.execPath, ['bin/dms-cdc.js', 'rehearse', '--seconds', '30'], {
      cwd: repoRoot,
      env: childEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    await new Promise<void>((resolve, reject) => {
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        if (stderr.includes('[WaitFor')) resolve();
      });
      child.once('exit', () => reject(new Error(`exited early: ${stderr}`)));
    });
    expect(nodeDirs()).toHaveLength(2);
    child.kill('SIGINT');
    const status = await new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    expect(status).toBe(130);
    expect(stderr).toContain('servers stopped and removed');
    expect(nodeDirs()).toEqual([]);
  });
});

describe('the dms-cdc binary', () => {
  it('loads no command module, AWS SDK, pg or zod for --help and --version', () => {
    // What dist/cli/main.js imports statically (chunks import chunks): esbuild marks each bundled
    // package's code with a `// node_modules/<package>/...` comment and each source file with its path.
    const seen = new Set<string>();
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      const text = readFileSync(path.join(repoRoot, 'dist/cli', file), 'utf8');
      for (const [, next] of text.matchAll(/^(?:import|export)[^;]*?from "\.\/([^"]+)"/gm)) visit(next ?? '');
      for (const [, next] of text.matchAll(/^import "\.\/([^"]+)";/gm)) visit(next ?? '');
    };
    visit('main.js');
    const code = [...seen]
      .map((file) => readFileSync(path.join(repoRoot, 'dist/cli', file), 'utf8'))
      .join('\n');
    expect(code).toContain('// src/cli/main.ts');
    expect(code).not.toMatch(
      /\/\/ (node_modules\/(@aws-sdk|@smithy|pg|zod)\/|src\/cli\/commands\/|src\/adapters\/)/,
    );
    for (const flag of ['--help', '--version']) {
      const run = spawnSync(process.execPath, ['bin/dms-cdc.js', flag], { cwd: repoRoot, encoding: 'utf8' });
      expect(run.status).toBe(0);
      expect(run.stderr).toBe('');
    }
  });

  it('names the command that builds it when the bundle is missing (one line, exit 2)', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'dms-cdc-unbuilt-'));
    try {
      mkdirSync(path.join(dir, 'bin'));
      copyFileSync(path.join(repoRoot, 'bin/dms-cdc.js'), path.join(dir, 'bin/dms-cdc.js'));
      const run = spawnSync(process.execPath, [path.join(dir, 'bin/dms-cdc.js'), '--help'], {
        encoding: 'utf8',
      });
      expect(run.status).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.stderr).toBe(
        'dms-cdc: the CLI is not built (dist/cli/main.js is missing): run `npm run build:cli`\n',
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

function hex(lsn: string): bigint {
  const [high = '0', low = '0'] = lsn.split('/');
  return (BigInt(`0x${high}`) << 32n) + BigInt(`0x${low}`);
}

function nodeDirs(): string[] {
  return existsSync(childRoot) ? readdirSync(childRoot).sort() : [];
}

function runProgram(file: string, args: string[]): Promise<{ status: number | null; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { cwd: repoRoot, env: childEnv, stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.once('error', reject);
    child.once('exit', (status) => resolve({ status, stdout }));
  });
}
