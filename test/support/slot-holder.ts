import { holdSlot as holdLikeAStaleWalsender } from '../../src/local/recovery/rig.js';
import type { PgNode } from './pg.js';

export interface SlotHolder {
  readonly pid: number;
  readonly applicationName: string;
  release(): Promise<void>;
}

/**
 * Holds a logical slot the way DMS does: a walsender streaming from it over the replication
 * protocol (and confirming nothing), so pg_replication_slots shows it active with that backend's PID.
 * One attempt: a slot that cannot be held fails the test at once.
 */
export async function holdSlot(
  node: PgNode,
  slotName: string,
  applicationName = 'held-by-test',
): Promise<SlotHolder> {
  const held = await holdLikeAStaleWalsender(node, slotName, applicationName, 0);
  return { pid: held.pid, applicationName, release: () => held.release() };
}
