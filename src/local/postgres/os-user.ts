import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The OS identity PostgreSQL runs as. initdb and postgres refuse to run as root. */
export interface ServerOwner {
  readonly uid?: number;
  readonly gid?: number;
  readonly userName: string;
}

const SERVER_USER = 'postgres';
let cached: Promise<ServerOwner> | undefined;

/**
 * As root, the unprivileged `postgres` user (created if the machine has none);
 * otherwise the current user, so the harness works the same for root and non-root.
 */
export function serverOwner(): Promise<ServerOwner> {
  cached ??= resolveOwner();
  return cached;
}

async function resolveOwner(): Promise<ServerOwner> {
  if (process.getuid?.() !== 0) return { userName: process.env.USER ?? 'current user' };
  let ids = await lookupIds(SERVER_USER);
  if (!ids) {
    await run('useradd', [
      '--system',
      '--user-group',
      '--no-create-home',
      '--shell',
      '/bin/false',
      SERVER_USER,
    ]);
    ids = await lookupIds(SERVER_USER);
  }
  if (!ids) throw new Error(`could not create the OS user "${SERVER_USER}" that runs PostgreSQL`);
  return { ...ids, userName: SERVER_USER };
}

async function lookupIds(name: string): Promise<{ uid: number; gid: number } | undefined> {
  try {
    const [uid, gid] = await Promise.all([run('id', ['-u', name]), run('id', ['-g', name])]);
    return { uid: Number.parseInt(uid.stdout, 10), gid: Number.parseInt(gid.stdout, 10) };
  } catch {
    return undefined;
  }
}
