import { beforeEach } from 'vitest';
import { LocalDms } from '../../src/adapters/local/dms/engine.js';
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

/** What a local-engine test works on: its source and target, the engine, and the test's number. */
export interface LocalDmsWorld {
  source: PgNode;
  target: PgNode;
  dms: LocalDms;
  /** Counts the tests of the file: for endpoint and task identifiers that must not repeat. */
  run: number;
}

/**
 * A fresh demo source and target and a new local engine for every test of the file: slots,
 * checkpoints and rows never leak between scenarios. The engine is shut down after each test.
 * `clock` is the replication instance's clock (server_time stops are read against it).
 */
export function localDmsPerTest(
  options: { clock?: () => number; prepareSource?: (source: PgNode) => Promise<unknown> } = {},
): LocalDmsWorld {
  const world = { run: 0 } as LocalDmsWorld;
  beforeEach(async () => {
    [world.source, world.target] = await demoServers();
    await options.prepareSource?.(world.source);
    world.dms = new LocalDms(options.clock ? { clock: options.clock } : {});
    world.run += 1;
    return () => world.dms.shutdown();
  });
  return world;
}
