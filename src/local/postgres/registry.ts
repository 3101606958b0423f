import { execFileSync } from 'node:child_process';
import {
  accessSync,
  constants,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * Every node lives in its own directory under one root, with an `owner.pid` file naming the
 * process that started it. That lets any later process find and remove what a crashed or
 * killed process left behind (a postmaster and its data directory), and lets the owning
 * process remove its nodes synchronously on exit.
 */
export const NODES_ROOT = process.env.DMS_CDC_PG_ROOT ?? path.join(defaultParent(), 'dms-cdc-pg');
const OWNER_FILE = 'owner.pid';

/**
 * Memory-backed /dev/shm where the machine has one: copying a data directory there is several
 * times faster than on disk, and these servers are throwaway (fsync is off anyway).
 */
function defaultParent(): string {
  try {
    accessSync('/dev/shm', constants.W_OK);
    return statSync('/dev/shm').isDirectory() ? '/dev/shm' : os.tmpdir();
  } catch {
    return os.tmpdir();
  }
}

export interface TrackedNode {
  readonly dir: string;
  /** Stops the server at once and removes its directory; must be synchronous (runs in 'exit'). */
  readonly killSync: () => void;
}

const live = new Map<string, TrackedNode>();
let hooksInstalled = false;

export function makeNodeDir(name: string): string {
  mkdirSync(NODES_ROOT, { recursive: true, mode: 0o755 });
  const suffix = Math.random().toString(36).slice(2, 8);
  const dir = path.join(NODES_ROOT, `${name}-${process.pid}-${suffix}`);
  mkdirSync(dir, { mode: 0o755 });
  writeFileSync(path.join(dir, OWNER_FILE), String(process.pid));
  return dir;
}

export function track(node: TrackedNode): void {
  installExitHooks();
  live.set(node.dir, node);
}

export function untrack(dir: string): void {
  live.delete(dir);
}

export function liveNodeCount(): number {
  return live.size;
}

/** Removes every node of this process at once: used on exit and on signals. */
export function killAllSync(): void {
  for (const node of [...live.values()]) {
    try {
      node.killSync();
    } catch {
      // Best effort: exit must not throw; the next sweep finds anything left.
    }
    live.delete(node.dir);
  }
}

/**
 * Kills the servers and removes the directories of nodes whose owning process is gone
 * (or, with `all`, of every node under the root). Returns how many it removed.
 */
export function sweepOrphans(options: { all?: boolean; root?: string } = {}): number {
  const root = options.root ?? NODES_ROOT;
  if (!existsSync(root)) return 0;
  let removed = 0;
  for (const entry of readdirSync(root)) {
    const dir = path.join(root, entry);
    // Templates are shared by every node of a run and carry no server; they go with the run root.
    if (entry.startsWith('template-')) continue;
    if (entry.startsWith('run-')) {
      removed += sweepDeadRun(dir, Number.parseInt(entry.slice(4), 10));
      continue;
    }
    const owner = readPid(path.join(dir, OWNER_FILE));
    if (!options.all && isInUse(dir, owner)) continue;
    killPostmasterSync(path.join(dir, 'data'));
    rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
    removed += 1;
  }
  return removed;
}

/** A test run's root whose runner died before its teardown: its servers and the root go. */
function sweepDeadRun(dir: string, runnerPid: number): number {
  if (Number.isInteger(runnerPid) && isAlive(runnerPid)) return 0;
  const removed = sweepOrphans({ all: true, root: dir });
  rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
  return removed;
}

/** A node dir belongs to a live process, or is too new to have its owner file written yet. */
function isInUse(dir: string, owner: number | undefined): boolean {
  if (owner === undefined) return Date.now() - statSync(dir).mtimeMs < 60_000;
  return owner === process.pid || isAlive(owner);
}

/**
 * SIGKILLs the postmaster's whole process group (it runs as a group leader), and removes its
 * System V shared-memory segment, which only a clean shutdown would release: otherwise every
 * killed server leaves one behind in `ipcs -m`.
 */
export function killPostmasterSync(dataDir: string): number | undefined {
  const lines = readLines(path.join(dataDir, 'postmaster.pid'));
  const pid = parsePid(lines[0]);
  if (pid === undefined || !isAlive(pid)) return undefined;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  // Line 7 is "<shmem key> <shmem id>"; IPC_RMID frees it once the dying backends detach.
  const shmid = lines[6]?.trim().split(/\s+/)[1];
  if (shmid && /^\d+$/.test(shmid)) {
    try {
      execFileSync('ipcrm', ['-m', shmid], { stdio: 'ignore' });
    } catch {
      // Already removed, or ipcrm is missing: only a 56-byte segment is left.
    }
  }
  return pid;
}

function readLines(file: string): string[] {
  try {
    return readFileSync(file, 'utf8').split('\n');
  } catch {
    return [];
  }
}

function parsePid(text: string | undefined): number | undefined {
  const pid = Number.parseInt(text ?? '', 10);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

export function readPid(file: string): number | undefined {
  return parsePid(readLines(file)[0]);
}

/** True while the process runs; a zombie (exited, not yet reaped by its parent) counts as gone. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  return !isZombie(pid);
}

function isZombie(pid: number): boolean {
  try {
    // /proc/<pid>/stat: "pid (comm) state ...": comm may hold spaces, so read after the last ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z';
  } catch {
    return false;
  }
}

function installExitHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('exit', killAllSync);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      // Another listener (the CLI's graceful shutdown) owns this signal; 'exit' still cleans up.
      if (process.listenerCount(signal) > 0) return;
      killAllSync();
      // Re-raise so the process ends with the conventional status for the signal.
      process.kill(process.pid, signal);
    });
  }
}
