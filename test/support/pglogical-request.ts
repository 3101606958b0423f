import type { PgNode } from './pg.js';

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
