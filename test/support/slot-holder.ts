import { LogicalReplicationService, TestDecodingPlugin } from 'pg-logical-replication';
import type { PgNode } from './pg.js';

export interface SlotHolder {
  readonly pid: number;
  readonly applicationName: string;
  release(): Promise<void>;
}

/**
 * Holds a logical slot the way DMS does: a walsender streaming from it over the replication
 * protocol, so pg_replication_slots shows it active with that backend's PID.
 */
export async function holdSlot(
  node: PgNode,
  slotName: string,
  applicationName = 'held-by-test',
): Promise<SlotHolder> {
  const service = new LogicalReplicationService(
    { ...node.connectionConfig(), application_name: applicationName },
    { acknowledge: { auto: false, timeoutSeconds: 0 } },
  );
  service.on('error', () => undefined);
  void service.subscribe(new TestDecodingPlugin({}), slotName).catch(() => undefined);
  for (let i = 0; i < 200; i += 1) {
    const [row] = await node.query<{ pid: number | null }>(
      'SELECT active_pid AS pid FROM pg_replication_slots WHERE slot_name = $1',
      [slotName],
    );
    if (row?.pid) {
      return { pid: row.pid, applicationName, release: () => service.stop().then(() => undefined) };
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  await service.stop();
  throw new Error(`slot ${slotName} did not become active`);
}
