import type { LocalDms } from '../../src/adapters/local/dms/engine.js';
import { DEMO_SCHEMA_SQL } from '../../src/local/demo-schema.js';
import type { CdcTaskSpec, Endpoint } from '../../src/ports/dms.js';
import { type PgNode, primaryForFile } from './pg.js';
import { ALL_TABLES_MAPPING } from './replication.js';

/** The replication instance the local-engine tests name (the local engine runs every task itself). */
export const LOCAL_INSTANCE = 'arn:aws:dms:local:000000000000:rep:LOCALENGINE';

/** A test_decoding source endpoint on the local engine for `slotName` in database postgres (loopback, no TLS). */
export function localSourceEndpoint(
  dms: LocalDms,
  identifier: string,
  source: PgNode,
  slotName = 'dms_slot',
): Promise<Endpoint> {
  return dms.createSourceEndpoint({
    identifier,
    access: { kind: 'url', url: source.url() },
    databaseName: 'postgres',
    slotName,
    pluginName: 'test-decoding',
    sslMode: 'none',
    heartbeat: { enabled: false, frequencyMinutes: 5 },
    captureDdls: false,
    tags: {},
  });
}

type TaskSpecGiven = Pick<CdcTaskSpec, 'identifier' | 'sourceEndpointArn' | 'targetEndpointArn'>;

/** A CDC task of every shop table on LOCAL_INSTANCE, DMS default settings, no stop position, no tags. */
export function localCdcTask<T extends Partial<CdcTaskSpec>>(spec: TaskSpecGiven & T) {
  return {
    replicationInstanceArn: LOCAL_INSTANCE,
    tableMappings: ALL_TABLES_MAPPING,
    taskSettings: undefined,
    cdcStopPosition: undefined,
    tags: {},
    ...spec,
  };
}

/** The slot's confirmed_flush_lsn as text, undefined when the slot has none (or does not exist). */
export async function confirmedFlushLsn(source: PgNode, slot = 'dms_slot'): Promise<string | undefined> {
  const [row] = await source.query<{ lsn: string | null }>(
    'SELECT confirmed_flush_lsn::text AS lsn FROM pg_replication_slots WHERE slot_name = $1',
    [slot],
  );
  return row?.lsn ?? undefined;
}

/** A fresh source and target for this file (destroyed after its tests), the demo schema on both. */
export async function demoServers(names: [string, string] = ['src', 'tgt']): Promise<[PgNode, PgNode]> {
  const servers = await Promise.all([primaryForFile({ name: names[0] }), primaryForFile({ name: names[1] })]);
  await Promise.all(servers.map((node) => node.query(DEMO_SCHEMA_SQL)));
  return servers;
}
