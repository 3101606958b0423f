import { execFile } from 'node:child_process';
import { appendFile, readFile, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import type { PostgresBinaries } from './binaries.js';
import { execAsOwner } from './exec.js';
import type { ServerOwner } from './os-user.js';
import { NODES_ROOT } from './registry.js';
import { sharedPromise } from './shared-promise.js';

const run = promisify(execFile);
export const HARNESS_CONF = 'dms-cdc.conf';
export const TEMPLATE_PREFIX = 'template-';

const INITDB_ARGS = [
  '--username=postgres',
  '--auth=trust',
  '--encoding=UTF8',
  '--locale=C',
  '--no-sync',
  // No --no-instructions: initdb before 14 refuses it, and the output is captured anyway.
];

/**
 * Creates a fresh data directory. With DMS_CDC_PG_TEMPLATES=1 (set for test runs) the first call
 * runs initdb once into a template under the node root and later calls copy it, which is several
 * times faster than initdb; the template goes away with the run's node root.
 */
export async function initDataDir(
  dataDir: string,
  owner: ServerOwner,
  binaries: PostgresBinaries,
  options: { template: boolean },
): Promise<void> {
  if (!options.template || process.env.DMS_CDC_PG_TEMPLATES !== '1') {
    await initdb(dataDir, owner, binaries);
    return;
  }
  const template = await ensureTemplate(owner, binaries);
  await run('cp', ['-a', template, dataDir]);
}

// One build per process even when several servers start at once (Promise.all in a test).
const building = new Map<string, Promise<string>>();

function ensureTemplate(owner: ServerOwner, binaries: PostgresBinaries): Promise<string> {
  const key = `${binaries.initdb} ${owner.uid ?? 'self'}`;
  return sharedPromise(building, key, () => buildTemplate(owner, binaries));
}

async function buildTemplate(owner: ServerOwner, binaries: PostgresBinaries): Promise<string> {
  const packageDir = path.dirname(path.dirname(path.dirname(binaries.initdb)));
  const { version } = JSON.parse(await readFile(path.join(packageDir, 'package.json'), 'utf8')) as {
    version: string;
  };
  const template = path.join(NODES_ROOT, `${TEMPLATE_PREFIX}${version}-${owner.uid ?? 'self'}`);
  if (await exists(template)) return template;
  // Build aside and rename into place: rename is atomic, so a parallel worker either sees no
  // template or a complete one; the loser of a race discards its copy.
  const workDir = `${template}.building-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  await initdb(path.join(workDir, 'data'), owner, binaries, workDir);
  try {
    await rename(path.join(workDir, 'data'), template);
  } catch (error) {
    if (!(await exists(template))) throw error;
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
  return template;
}

async function initdb(
  dataDir: string,
  owner: ServerOwner,
  binaries: PostgresBinaries,
  parent?: string,
): Promise<void> {
  if (parent && owner.uid !== undefined) {
    await run('install', ['-d', '-o', String(owner.uid), '-g', String(owner.gid ?? owner.uid), parent]);
  }
  await execAsOwner(owner, binaries.initdb, [`--pgdata=${dataDir}`, ...INITDB_ARGS]);
  await appendFile(path.join(dataDir, 'postgresql.conf'), `\ninclude_if_exists = '${HARNESS_CONF}'\n`);
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}
