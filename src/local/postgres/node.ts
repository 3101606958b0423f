import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, rmSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import type { PostgresBinaries } from './binaries.js';
import { execAsOwner } from './exec.js';
import type { ServerOwner } from './os-user.js';
import { isAlive, killPostmasterSync, readPid, track, untrack } from './registry.js';

export type NodeRole = 'primary' | 'standby';
export type StopMode = 'smart' | 'fast' | 'immediate';

const START_TIMEOUT_MS = 60_000;

/** One PostgreSQL server run by the harness: its directory, port, role and lifecycle. */
export class PgNode {
  role: NodeRole;
  private destroyed = false;

  constructor(
    readonly name: string,
    readonly dir: string,
    readonly port: number,
    role: NodeRole,
    private readonly owner: ServerOwner,
    readonly binaries: PostgresBinaries,
  ) {
    this.role = role;
    track({ dir, killSync: () => this.killSync() });
  }

  get dataDir(): string {
    return path.join(this.dir, 'data');
  }

  get socketDir(): string {
    return path.join(this.dir, 'socket');
  }

  get logFile(): string {
    return path.join(this.dir, 'postgres.log');
  }

  /** A libpq URL over loopback TCP (the servers trust local connections). */
  url(database = 'postgres'): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${encodeURIComponent(database)}`;
  }

  connectionConfig(database = 'postgres'): pg.ClientConfig {
    return { host: '127.0.0.1', port: this.port, user: 'postgres', database };
  }

  /** A connected client; the caller ends it. */
  async connect(database = 'postgres', applicationName = 'dms-cdc-harness'): Promise<pg.Client> {
    const client = new pg.Client({ ...this.connectionConfig(database), application_name: applicationName });
    await client.connect();
    return client;
  }

  /** Runs one statement on a short-lived connection. */
  async query<Row extends pg.QueryResultRow = pg.QueryResultRow>(
    sql: string,
    params: readonly unknown[] = [],
    database = 'postgres',
  ): Promise<Row[]> {
    const client = await this.connect(database);
    try {
      return (await client.query<Row>(sql, params as unknown[])).rows;
    } finally {
      await client.end();
    }
  }

  postmasterPid(): number | undefined {
    return readPid(path.join(this.dataDir, 'postmaster.pid'));
  }

  isRunning(): boolean {
    const pid = this.postmasterPid();
    return pid !== undefined && isAlive(pid);
  }

  /**
   * Starts the postmaster as our own child (so this process reaps it: a killed server must not
   * linger as a zombie that PostgreSQL's lock-file check mistakes for a running one), in its own
   * process group (so a kill reaches every backend), and waits until it accepts connections.
   */
  async start(): Promise<void> {
    this.assertNotDestroyed();
    const log = openSync(this.logFile, 'a');
    const child = spawn(this.binaries.postgres, ['-D', this.dataDir], {
      uid: this.owner.uid,
      gid: this.owner.gid,
      detached: true,
      stdio: ['ignore', log, log],
      env: { ...process.env, LC_ALL: 'C', LANG: 'C' },
    });
    closeSync(log);
    child.unref();
    let exitCode: number | null | undefined;
    child.once('exit', (code) => {
      exitCode = code;
    });
    const deadline = Date.now() + START_TIMEOUT_MS;
    while (Date.now() < deadline) {
      if (exitCode !== undefined) {
        throw new Error(`${this.name}: postgres exited with code ${exitCode}\n${await this.logTail(20)}`);
      }
      // A crashed server leaves its postmaster.pid behind: only our child's own file counts.
      const status = this.postmasterStatus(child.pid);
      if (status === 'ready' || status === 'standby') return;
      await sleep(25);
    }
    throw new Error(`${this.name}: not ready after ${START_TIMEOUT_MS} ms\n${await this.logTail(20)}`);
  }

  /** The status word PostgreSQL writes on line 8 of postmaster.pid (what `pg_ctl -w` polls). */
  private postmasterStatus(pid: number | undefined): string | undefined {
    try {
      const lines = readFileSync(path.join(this.dataDir, 'postmaster.pid'), 'utf8').split('\n');
      return lines[0]?.trim() === String(pid) ? lines[7]?.trim() : undefined;
    } catch {
      return undefined;
    }
  }

  async stop(mode: StopMode = 'fast'): Promise<void> {
    if (!this.isRunning()) return;
    await this.pgCtl(['stop', '-w', '-t', '60', '-m', mode]);
  }

  /** Simulates a crash: SIGKILL to the postmaster and every backend, then waits for them to go. */
  async kill(): Promise<void> {
    const pid = killPostmasterSync(this.dataDir);
    if (pid === undefined) return;
    // Every backend, not only the postmaster: one still dying keeps the old shared memory attached, and a
    // start meanwhile fails with "pre-existing shared memory block is still in use".
    for (let i = 0; i < 250 && (isAlive(pid) || groupAlive(pid)); i += 1) await sleep(20);
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  /** Promotes a standby to a primary and waits until it accepts writes. */
  async promote(): Promise<void> {
    if (this.role !== 'standby')
      throw new Error(`${this.name} is a ${this.role}, only a standby can be promoted`);
    await this.pgCtl(['promote', '-w', '-t', '60']);
    this.role = 'primary';
  }

  /** Stops the server (immediately: it is thrown away) and removes its directory. Idempotent. */
  async destroy(): Promise<void> {
    if (this.destroyed) return;
    this.destroyed = true;
    if (this.isRunning()) await this.stop('immediate').catch(() => this.kill());
    await this.kill();
    await rm(this.dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
    untrack(this.dir);
  }

  async logTail(lines: number): Promise<string> {
    const text = await readFile(this.logFile, 'utf8').catch(() => '');
    return text.split('\n').slice(-lines).join('\n');
  }

  private killSync(): void {
    killPostmasterSync(this.dataDir);
    rmSync(this.dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 });
  }

  private pgCtl(args: string[]): Promise<unknown> {
    return execAsOwner(this.owner, this.binaries.pgCtl, [...args, '-D', this.dataDir]);
  }

  private assertNotDestroyed(): void {
    if (this.destroyed) throw new Error(`${this.name} was destroyed`);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Whether any process of the group the postmaster led still runs (it leads its own group: detached). */
function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
