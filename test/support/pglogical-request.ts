import { existsSync } from 'node:fs';
import { type PgNode, primaryForFile } from './pg.js';

// The Debian package postgresql-15-pglogical (installed by .ci/run) puts the extension next to the
// system PostgreSQL 15; the embedded PostgreSQL has no pglogical.
export const PG15 = '/usr/lib/postgresql/15/bin';

/** Fails the suite with the install command when pglogical is missing: its tests must never pass without it. */
export function requirePglogical(): void {
  if (!existsSync('/usr/lib/postgresql/15/lib/pglogical.so')) {
    throw new Error(
      'pglogical is not installed: apt-get install postgresql-15-pglogical (.ci/run does this)',
    );
  }
}

/** A PostgreSQL 15 primary with pglogical preloaded (and any other settings), for this test file. */
export function pglogicalPrimary(name?: string, settings: Record<string, string> = {}): Promise<PgNode> {
  requirePglogical();
  return primaryForFile({
    name,
    binDir: PG15,
    settings: { shared_preload_libraries: 'pglogical', ...settings },
  });
}

/** What ensureSlot is asked for a pglogical slot on a loopback source, replicating these tables. */
export function pglogicalSlotRequest(
  source: PgNode,
  slotName: string,
  tables: { schema: string; table: string }[],
) {
  return {
    slotName,
    plugin: 'pglogical' as const,
    database: 'postgres',
    allowCreate: true,
    failover: false,
    timeoutMs: 10_000,
    source: 'pg15',
    pglogical: { nodeName: 'dms_source', dsn: `host=127.0.0.1 port=${source.port} dbname=postgres`, tables },
  };
}
