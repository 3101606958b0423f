import { InvalidInputError } from './errors.js';
import { compareLsn, formatLsn, type Lsn, lsnDiff } from './lsn.js';
import type { SlotPlugin } from './output-plugins.js';
import type { SlotReading } from './slot.js';
import {
  SlotActiveError,
  SlotInvalidatedError,
  SlotMismatchError,
  SlotNotFoundError,
  StartPositionTooOldError,
} from './slot-errors.js';

export type { SlotPlugin };

export interface StartPositionRequest {
  readonly slotName: string;
  /** Where the slot was looked for, without credentials (for the error message). */
  readonly source: string;
  readonly plugin: SlotPlugin;
  readonly database: string;
  /** An explicit CdcStartPosition; by default the slot's confirmed_flush_lsn. */
  readonly requested?: Lsn;
}

export interface StartPosition {
  readonly cdcStartPosition: Lsn;
  readonly confirmedFlushLsn: Lsn;
  readonly restartLsn: Lsn | null;
  /** Bytes of changes a later explicit start deliberately skips (0 by default). */
  readonly skippedBytes: bigint;
}

/**
 * The native CDC start point rule (reference 001, "Using native CDC start points"): the slot must
 * exist, be logical with the expected plugin and database, have no active connection, still hold
 * its WAL, and the position must not be older than its confirmed_flush_lsn. The caller reads the
 * slot immediately before creating the task, so the position is the freshest the slot can give.
 */
export function chooseStartPosition(
  reading: SlotReading | undefined,
  request: StartPositionRequest,
): StartPosition {
  const { slotName } = request;
  if (!reading) throw new SlotNotFoundError(slotName, request.source);
  const { slot } = reading;
  checkSlotMatches(reading, request);
  if (slot.active) throw new SlotActiveError(slotName, slot.activePid, slot.activeApplication);
  if (slot.walStatus === 'lost') {
    throw new SlotInvalidatedError(slotName, 'wal_status is lost: WAL it needed was removed');
  }
  const confirmed = slot.confirmedFlushLsn;
  if (confirmed === null) {
    throw new SlotInvalidatedError(
      slotName,
      'it has no confirmed_flush_lsn (invalidated, or never reached a consistent point)',
    );
  }
  const requested = request.requested ?? confirmed;
  if (compareLsn(requested, confirmed) < 0) {
    throw new StartPositionTooOldError(slotName, formatLsn(requested), formatLsn(confirmed));
  }
  if (compareLsn(requested, reading.serverLsn) > 0) {
    throw new InvalidInputError(
      'cdcStartPosition',
      `${formatLsn(requested)} is ahead of the server's current WAL position ${formatLsn(reading.serverLsn)}`,
      `Omit it to start at the slot's confirmed_flush_lsn ${formatLsn(confirmed)}`,
    );
  }
  return {
    cdcStartPosition: requested,
    confirmedFlushLsn: confirmed,
    restartLsn: slot.restartLsn,
    skippedBytes: lsnDiff(requested, confirmed),
  };
}

/** Checks kind, plugin and database; shared by the start rule and "ensure slot" on reuse. */
export function checkSlotMatches(
  reading: SlotReading,
  expected: { readonly slotName: string; readonly plugin: SlotPlugin; readonly database: string },
): void {
  const { slot } = reading;
  if (slot.slotType !== 'logical')
    throw new SlotMismatchError(expected.slotName, 'slot_type', 'logical', slot.slotType);
  if (slot.plugin !== expected.plugin)
    throw new SlotMismatchError(expected.slotName, 'plugin', expected.plugin, slot.plugin);
  if (slot.database !== expected.database) {
    throw new SlotMismatchError(expected.slotName, 'database', expected.database, slot.database);
  }
}
