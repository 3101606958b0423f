import { buildPgSourceDb } from '../../adapters/pg/slots.js';
import type { SlotReading } from '../../core/slot.js';
import type { PgNode } from './node.js';

/** Reads `slotName` on `node` through the one slot reader, on a short-lived connection. */
export async function readSlotOn(node: PgNode, slotName: string): Promise<SlotReading | undefined> {
  const client = await node.connect();
  try {
    return await buildPgSourceDb(client).readSlot(slotName);
  } finally {
    await client.end();
  }
}

/** Every slot on `node`, by name, through the one slot reader. */
export async function readSlotsOn(node: PgNode): Promise<SlotReading[]> {
  const client = await node.connect();
  try {
    return await buildPgSourceDb(client).readSlots();
  } finally {
    await client.end();
  }
}
