import { execFile } from 'node:child_process';
import { chown, cp, mkdir, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { binariesIn, type PgMajor, postgresBinaries } from './binaries.js';
import { baseSettings, renderSettings, type Settings } from './config.js';
import { PgNode, sleep } from './node.js';
import { type ServerOwner, serverOwner } from './os-user.js';
import { serverParameters, withOutputPluginLibraries } from './parameters.js';
import { makeNodeDir, sweepOrphans } from './registry.js';
import { HARNESS_CONF, initDataDir } from './template.js';

const run = promisify(execFile);

export interface PrimaryOptions {
  /** Prefix of the node's directory and its application_name; `primary` by default. */
  readonly name?: string;
  /** Extra or overriding postgresql.conf settings, e.g. `{ max_slot_wal_keep_size: '64MB' }`. */
  readonly settings?: Settings;
  /**
   * Other PostgreSQL binaries than the embedded 17, e.g. '/usr/lib/postgresql/15/bin' (where the
   * Debian pglogical package installs its extension). Such servers are always made with initdb.
   */
  readonly binDir?: string;
  /** A PostgreSQL major from npm (the version matrix: 12-18); 17 by default. Ignored with binDir. */
  readonly major?: PgMajor;
  /** The port to try first (a free one otherwise); if it is taken, the server moves to a free one. */
  readonly port?: number;
}

export interface StandbyOptions {
  readonly name?: string;
  /**
   * Sets up PostgreSQL 17 failover-slot sync: a physical slot for the standby on the primary,
   * `sync_replication_slots`, `hot_standby_feedback`, `dbname` in `primary_conninfo`, and the
   * standby slot in the primary's `synchronized_standby_slots`. On by default where the binaries have
   * these parameters (17+); off, and refused when asked for, before.
   */
  readonly failoverSlotSync?: boolean;
  readonly settings?: Settings;
}

let swept = false;

const PORT_ATTEMPTS = 3;

/**
 * initdb + start: a primary with logical decoding on, on a free loopback port. The port is free when
 * the kernel hands it out, but another process can take it before the server binds it: then the
 * server is made again on a new port (the error says "could not bind ... Address already in use").
 */
export async function startPrimary(options: PrimaryOptions = {}): Promise<PgNode> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await startPrimaryOnce(options, attempt === 1 ? options.port : undefined);
    } catch (error) {
      if (attempt >= PORT_ATTEMPTS || !isPortTaken(error)) throw error;
    }
  }
}

export function isPortTaken(error: unknown): boolean {
  const message = error instanceof Error ? error.message : String(error);
  return /could not bind .*Address already in use/.test(message);
}

async function startPrimaryOnce(options: PrimaryOptions, preferredPort: number | undefined): Promise<PgNode> {
  sweepOnce();
  const [binaries, owner] = await Promise.all([
    options.binDir ? binariesIn(options.binDir) : postgresBinaries(options.major),
    serverOwner(),
  ]);
  const name = options.name ?? 'primary';
  const dir = await prepareDir(name, owner);
  const port = preferredPort ?? (await freePort());
  const node = new PgNode(name, dir, port, 'primary', owner, binaries);
  try {
    await initDataDir(node.dataDir, owner, binaries, { template: !options.binDir });
    await writeHarnessConf(
      node,
      await withOutputPluginLibraries(
        { ...baseSettings(port, node.socketDir), ...options.settings },
        binaries,
      ),
    );
    await chownTree(node.dir, owner);
    await node.start();
    return node;
  } catch (error) {
    await node.destroy();
    throw error;
  }
}

/**
 * A physical streaming standby of `primary`, made without pg_basebackup (the embedded package has
 * none): a low-level backup taken with
 * pg_backup_start/pg_backup_stop in one session, the data directory copied in between.
 */
export async function createStandby(primary: PgNode, options: StandbyOptions = {}): Promise<PgNode> {
  const owner = await serverOwner();
  const binaries = primary.binaries;
  const name = options.name ?? 'standby';
  // Detected from the binaries (postgres --describe-config), not guessed from a version.
  const canSyncSlots = (await serverParameters(binaries)).has('sync_replication_slots');
  const failoverSlotSync = options.failoverSlotSync ?? canSyncSlots;
  if (failoverSlotSync && !canSyncSlots) {
    throw new Error(
      `${binaries.postgres} has no sync_replication_slots: failover-slot sync needs PostgreSQL 17+`,
    );
  }
  const dir = await prepareDir(name, owner);
  const port = await freePort();
  const node = new PgNode(name, dir, port, 'standby', owner, binaries);
  const physicalSlot = `${name.replaceAll(/[^a-z0-9_]/gi, '_').toLowerCase()}_${port}`;
  try {
    // The physical slot pins the WAL the standby still needs from the moment the backup starts.
    await primary.query('SELECT pg_create_physical_replication_slot($1, true)', [physicalSlot]);
    await copyBackup(primary, node);
    await writeFile(path.join(node.dataDir, 'standby.signal'), '');
    const settings: Settings = {
      ...baseSettings(port, node.socketDir),
      ...options.settings,
      primary_conninfo: `host=127.0.0.1 port=${primary.port} user=postgres dbname=postgres application_name=${name}`,
      primary_slot_name: physicalSlot,
      hot_standby_feedback: true,
      ...(canSyncSlots && { sync_replication_slots: failoverSlotSync }),
      // The standby must not inherit the primary's list: after promotion it has no standby.
      ...(canSyncSlots && { synchronized_standby_slots: '' }),
    };
    await writeHarnessConf(node, await withOutputPluginLibraries(settings, binaries));
    await chownTree(node.dir, owner);
    await node.start();
    if (failoverSlotSync) {
      await primary.query(`ALTER SYSTEM SET synchronized_standby_slots = '${physicalSlot}'`);
      await primary.query('SELECT pg_reload_conf()');
    }
    await waitForReplay(primary, node);
    return node;
  } catch (error) {
    await node.destroy();
    await primary.query('SELECT pg_drop_replication_slot($1)', [physicalSlot]).catch(() => undefined);
    throw error;
  }
}

/** Waits until `standby` has replayed everything `primary` had written when called. */
export async function waitForReplay(primary: PgNode, standby: PgNode, timeoutMs = 30_000): Promise<void> {
  const [row] = await primary.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn');
  const target = row?.lsn ?? '0/0';
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const [replayed] = await standby.query<{ caught_up: boolean }>(
      'SELECT coalesce(pg_last_wal_replay_lsn() >= $1::pg_lsn, false) AS caught_up',
      [target],
    );
    if (replayed?.caught_up) return;
    await sleep(50);
  }
  throw new Error(`${standby.name} did not replay up to ${target} within ${timeoutMs} ms`);
}

async function copyBackup(primary: PgNode, standby: PgNode): Promise<void> {
  const session = await primary.connect();
  try {
    await session.query("SELECT pg_backup_start('dms-cdc-harness', true)");
    // What pg_basebackup leaves out: the primary's pid file, its slots and its WAL (streamed
    // instead through the physical slot). Modes are kept; ownership is fixed by chownTree.
    await cp(primary.dataDir, standby.dataDir, {
      recursive: true,
      preserveTimestamps: true,
      filter: (source) => !isExcludedFromBackup(path.relative(primary.dataDir, source)),
    });
    const { rows } = await session.query<{ labelfile: string }>('SELECT labelfile FROM pg_backup_stop(true)');
    const label = rows[0]?.labelfile;
    if (!label) throw new Error('pg_backup_stop returned no backup label');
    await writeFile(path.join(standby.dataDir, 'backup_label'), label);
  } finally {
    await session.end();
  }
}

const EXCLUDED_FILES = new Set(['postmaster.pid', 'postmaster.opts']);
const EMPTIED_DIRS = ['pg_replslot', 'pg_wal'];

function isExcludedFromBackup(relative: string): boolean {
  if (EXCLUDED_FILES.has(relative)) return true;
  const [top, child, ...rest] = relative.split(path.sep);
  if (!top || !EMPTIED_DIRS.includes(top) || child === undefined) return false;
  // pg_wal keeps its subdirectories (archive_status, summaries), empty.
  return top === 'pg_replslot' || rest.length > 0 || !['archive_status', 'summaries'].includes(child);
}

/** Files the harness writes as root must belong to the server user, or postgres refuses them. */
async function chownTree(dir: string, owner: ServerOwner): Promise<void> {
  if (owner.uid === undefined) return;
  await run('chown', ['-R', `${owner.uid}:${owner.gid ?? owner.uid}`, dir]);
}

async function prepareDir(name: string, owner: ServerOwner): Promise<string> {
  const dir = makeNodeDir(name);
  await mkdir(path.join(dir, 'socket'), { mode: 0o700 });
  if (owner.uid !== undefined) {
    await chown(dir, owner.uid, owner.gid ?? owner.uid);
    await chown(path.join(dir, 'socket'), owner.uid, owner.gid ?? owner.uid);
  }
  return dir;
}

async function writeHarnessConf(node: PgNode, settings: Settings): Promise<void> {
  const file = path.join(node.dataDir, HARNESS_CONF);
  await writeFile(file, `# written by the dms-cdc PostgreSQL harness\n${renderSettings(settings)}\n`);
}

/** A port the kernel just handed out on loopback; the server binds it right after. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject()));
    });
  });
}

function sweepOnce(): void {
  if (swept) return;
  swept = true;
  sweepOrphans();
}
