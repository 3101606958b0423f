import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import {
  isAlive,
  primaryForFile,
  sleep,
  standbyForFile,
  sweepOrphans,
  waitForFailoverSlotSync,
  waitForReplay,
} from '../support/pg.js';

describe('PostgreSQL harness', () => {
  it('starts a PostgreSQL 17 primary with logical decoding and the settings a test asks for', async () => {
    const primary = await primaryForFile({ settings: { max_slot_wal_keep_size: '64MB' } });
    const [row] = await primary.query<{
      version: string;
      wal_level: string;
      keep: string;
      recovery: boolean;
    }>(
      `SELECT current_setting('server_version_num') AS version, current_setting('wal_level') AS wal_level,
              current_setting('max_slot_wal_keep_size') AS keep, pg_is_in_recovery() AS recovery`,
    );
    expect(row).toEqual({
      version: expect.stringMatching(/^17\d{4}$/),
      wal_level: 'logical',
      keep: '64MB',
      recovery: false,
    });
    expect(primary.url()).toBe(`postgres://postgres@127.0.0.1:${primary.port}/postgres`);
  });

  it('keeps a failover slot across promotion at the same confirmed_flush_lsn and loses a plain one', async () => {
    const primary = await primaryForFile();
    const standby = await standbyForFile(primary);
    expect(await standby.query('SELECT pg_is_in_recovery() AS r')).toEqual([{ r: true }]);

    await primary.query(
      `SELECT pg_create_logical_replication_slot('kept', 'test_decoding', false, false, true)`,
    );
    await primary.query(`SELECT pg_create_logical_replication_slot('lost', 'test_decoding')`);
    await primary.query('CREATE TABLE items (id int PRIMARY KEY, name text)');
    await primary.query(`INSERT INTO items SELECT g, 'item ' || g FROM generate_series(1, 100) g`);

    const syncedAt = await waitForFailoverSlotSync(primary, standby, 'kept', { advance: true });
    const onStandbyBefore = await slots(standby);
    expect(onStandbyBefore).toEqual([
      { slot_name: 'kept', synced: true, failover: true, confirmed_flush_lsn: syncedAt },
    ]);

    await waitForReplay(primary, standby);
    await primary.stop();
    await standby.promote();

    expect(await standby.query('SELECT pg_is_in_recovery() AS r')).toEqual([{ r: false }]);
    expect(await slots(standby)).toEqual([
      { slot_name: 'kept', synced: true, failover: true, confirmed_flush_lsn: syncedAt },
    ]);
    // The promoted node takes writes and the slot it kept decodes them.
    await standby.query(`INSERT INTO items VALUES (101, 'after failover')`);
    const changes = await standby.query<{ data: string }>(
      `SELECT data FROM pg_logical_slot_get_changes('kept', NULL, NULL)`,
    );
    expect(changes.map((c) => c.data)).toContain(
      `table public.items: INSERT: id[integer]:101 name[text]:'after failover'`,
    );
  });

  it('without failover-slot sync a standby has no slots to keep', async () => {
    const primary = await primaryForFile();
    const standby = await standbyForFile(primary, { failoverSlotSync: false });
    await primary.query(
      `SELECT pg_create_logical_replication_slot('kept', 'test_decoding', false, false, true)`,
    );
    await waitForReplay(primary, standby);
    await sleep(500);
    await standby.promote();
    expect(await slots(standby)).toEqual([]);
  });

  it('recovers committed rows after a crash (kill) and restart', async () => {
    const primary = await primaryForFile();
    await primary.query('CREATE TABLE t (id int)');
    await primary.query('INSERT INTO t SELECT generate_series(1, 1000)');
    const pid = primary.postmasterPid();
    await primary.kill();
    expect(pid !== undefined && isAlive(pid)).toBe(false);
    expect(primary.isRunning()).toBe(false);
    await expect(connectRaw(primary.port)).rejects.toThrow();
    await primary.start();
    expect(await primary.query('SELECT count(*)::int AS n FROM t')).toEqual([{ n: 1000 }]);
  });

  it('destroy stops the server and removes its directory, and is idempotent', async () => {
    const primary = await primaryForFile({ name: 'short-lived' });
    const pid = primary.postmasterPid();
    await primary.destroy();
    await primary.destroy();
    expect(existsSync(primary.dir)).toBe(false);
    expect(pid !== undefined && isAlive(pid)).toBe(false);
  });

  it('a process stopped by SIGTERM removes its servers on the way out', async () => {
    const started = await killedChild('SIGTERM');
    expect(isAlive(started.pid)).toBe(false);
    expect(existsSync(started.dir)).toBe(false);
  });

  it('the root of a test run whose runner died is swept, with what is in it', async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'dms-cdc-sweep-'));
    const dead = await exitedPid();
    mkdirSync(path.join(root, `run-${dead}`, 'primary-1-abc'), { recursive: true });
    mkdirSync(path.join(root, `run-${process.pid}`), { recursive: true });
    sweepOrphans({ root });
    expect(readdirSync(root)).toEqual([`run-${process.pid}`]);
    rmSync(root, { recursive: true, force: true });
  });

  it('what a SIGKILLed process left behind is swept by the next one', async () => {
    const started = await killedChild('SIGKILL');
    // Nothing ran in the killed process: its postmaster is an orphan until swept.
    expect(isAlive(started.pid)).toBe(true);
    expect(sweepOrphans()).toBeGreaterThanOrEqual(1);
    for (let i = 0; i < 50 && isAlive(started.pid); i += 1) await sleep(20);
    expect(isAlive(started.pid)).toBe(false);
    expect(existsSync(started.dir)).toBe(false);
  });
});

async function slots(node: Awaited<ReturnType<typeof primaryForFile>>) {
  return node.query(
    `SELECT slot_name, synced, failover, confirmed_flush_lsn::text
       FROM pg_replication_slots WHERE slot_type = 'logical' ORDER BY slot_name`,
  );
}

function connectRaw(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => {
      socket.end();
      resolve();
    });
    socket.on('error', reject);
  });
}

/** The PID of a process that has already exited (so certainly not alive). */
async function exitedPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
  await exited(child);
  return child.pid ?? 999_999;
}

/** A child process that started a server, killed with `signal`: the server it said it started. */
async function killedChild(signal: NodeJS.Signals) {
  const child = startChild();
  const started = await firstLine(child);
  child.kill(signal);
  await exited(child);
  return started;
}

function startChild(): ChildProcess {
  const script = path.join(import.meta.dirname, '../support/fixtures/start-primary-and-wait.ts');
  return spawn(process.execPath, ['--import', 'tsx', script], { stdio: ['ignore', 'pipe', 'inherit'] });
}

async function firstLine(child: ChildProcess): Promise<{ dir: string; pid: number }> {
  if (!child.stdout) throw new Error('child has no stdout');
  const lines = createInterface({ input: child.stdout });
  for await (const line of lines) return JSON.parse(line);
  throw new Error('child exited before reporting its server');
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
}
