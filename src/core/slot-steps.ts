import type { SourceDb } from '../ports/source-db.js';
import { type SlotReport, toSlotReport } from './slot.js';
import { SlotNotFoundError } from './slot-errors.js';

/** One slot as the functions report it; a missing slot is SlotNotFoundError naming the server (`source`). */
export async function inspectSlot(db: SourceDb, slotName: string, source: string): Promise<SlotReport> {
  const reading = await db.readSlot(slotName);
  if (!reading) throw new SlotNotFoundError(slotName, source);
  return toSlotReport(reading);
}
