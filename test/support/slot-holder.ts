import { WalStream } from '../../src/adapters/local/dms/wal-stream.js';
import { parseLsn } from '../../src/core/lsn.js';
import type { PgNode } from './pg.js';

export interface SlotHolder {
  readonly pid: number;
  readonly applicationName: string;
  release(): Promise<void>;
}

/**
 * Holds a logical slot the way DMS does: a walsender streaming from it over the replication
 * protocol (and confirming nothing), so pg_replication_slots shows it active with that backend's PID.
 */
export async function holdSlot(
  node: PgNode,
  slotName: string,
  applicationName = 'held-by-test',
): Promise<SlotHolder> {
  const stream = await WalStream.open(node.connectionConfig(), {
    slotName,
    startLsn: parseLsn('0/0'),
    pluginOptions: {},
    applicationName,
    onMessage: async () => undefined,
  });
  return { pid: stream.pid, applicationName, release: () => stream.close() };
}
