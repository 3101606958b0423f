/**
 * `npm test`'s pretest step: provisions what the tests need beyond `npm ci`, so the README's test
 * command passes on a fresh machine. Today that is the system PostgreSQL 15 with Debian's pglogical
 * package (the pglogical tests; the embedded PostgreSQL from npm has no pglogical), and `moto_server`
 * (the DynamoDB alert-state tests run against it). PostgreSQL is installed with apt as root when
 * missing; moto is not a Debian package, so its absence fails the step naming what to install.
 * It never skips: a test that cannot run is a failure, not a pass.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** What the pglogical tests open: the server binary and the extension next to it. */
export const PGLOGICAL_FILES = [
  '/usr/lib/postgresql/15/bin/postgres',
  '/usr/lib/postgresql/15/lib/pglogical.so',
] as const;
export const APT_PACKAGES = ['postgresql-15', 'postgresql-15-pglogical'] as const;
export const INSTALL_COMMAND = `apt-get update && apt-get install -y ${APT_PACKAGES.join(' ')}`;

export interface ProvisionDeps {
  readonly exists: (file: string) => boolean;
  readonly isRoot: boolean;
  readonly hasApt: boolean;
  /** Runs a command with its output shown; throws when it exits non-zero. */
  readonly run: (command: string, args: readonly string[], env?: Record<string, string>) => void;
  readonly log: (line: string) => void;
}

export class ProvisionError extends Error {
  override readonly name = 'ProvisionError';
}

export type ProvisionResult = 'present' | 'installed';

/** Installs what is missing, or throws a ProvisionError naming the command a person must run. */
export function provisionPglogical(deps: ProvisionDeps): ProvisionResult {
  const missing = () => PGLOGICAL_FILES.filter((file) => !deps.exists(file));
  const before = missing();
  if (before.length === 0) return 'present';
  const why = `the pglogical tests need ${before.join(' and ')}`;
  if (!deps.hasApt) {
    throw new ProvisionError(
      `${why}, and this machine has no apt-get. On Debian or Ubuntu run as root: ${INSTALL_COMMAND}`,
    );
  }
  if (!deps.isRoot) {
    throw new ProvisionError(`${why}. Run as root, then npm test again: sudo sh -c '${INSTALL_COMMAND}'`);
  }
  deps.log(`pretest: ${why}; installing ${APT_PACKAGES.join(' ')} with apt-get`);
  const env = { DEBIAN_FRONTEND: 'noninteractive' };
  deps.run('apt-get', ['update', '-qq'], env);
  deps.run('apt-get', ['install', '-y', '-qq', ...APT_PACKAGES], env);
  const after = missing();
  if (after.length > 0) {
    throw new ProvisionError(
      `apt-get installed ${APT_PACKAGES.join(' ')} but ${after.join(' and ')} is missing`,
    );
  }
  return 'installed';
}

export const MOTO_COMMAND = 'moto_server';
export const MOTO_INSTALL = "pip install 'moto[server]'";

/** The DynamoDB store's tests need a local DynamoDB; moto's server is the one this project uses. */
export function requireMoto(hasCommand: (command: string) => boolean): void {
  if (hasCommand(MOTO_COMMAND)) return;
  throw new ProvisionError(
    `the DynamoDB alert-state tests need ${MOTO_COMMAND} on the PATH (Python package moto with its server extra, not packaged by Debian): ${MOTO_INSTALL}, then npm test again`,
  );
}

export function systemDeps(): ProvisionDeps {
  return {
    exists: existsSync,
    isRoot: process.getuid?.() === 0,
    hasApt: commandExists('apt-get'),
    run: (command, args, env) => {
      execFileSync(command, args, { stdio: 'inherit', env: { ...process.env, ...env } });
    },
    log: (line) => console.error(line),
  };
}

export function commandExists(command: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  try {
    provisionPglogical(systemDeps());
    requireMoto(commandExists);
  } catch (error) {
    console.error(`pretest: ${(error as Error).message}`);
    process.exit(1);
  }
}
