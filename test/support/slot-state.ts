import { parseLsn } from '../../src/core/lsn.js';
import type { SlotState } from '../../src/core/slot.js';
import type { StartPositionRequest } from '../../src/core/start-position.js';

/**
 * A healthy logical slot as pg_replication_slots reports it (PostgreSQL 17+ columns filled): dms_slot
 * in database app, free, restart_lsn 1/1000, confirmed_flush_lsn 1/2000. Tests override what they test.
 */
export function slotState(overrides: Partial<SlotState> = {}): SlotState {
  return {
    slotName: 'dms_slot',
    slotType: 'logical',
    plugin: 'test_decoding',
    database: 'app',
    temporary: false,
    active: false,
    activePid: null,
    activeApplication: null,
    restartLsn: parseLsn('1/1000'),
    confirmedFlushLsn: parseLsn('1/2000'),
    walStatus: 'reserved',
    safeWalSizeBytes: null,
    twoPhase: false,
    failover: true,
    synced: false,
    inactiveSince: null,
    ...overrides,
  };
}

/** A start-position request for slotState()'s slot, read from app@db:5432/app. */
export const START_REQUEST: StartPositionRequest = {
  slotName: 'dms_slot',
  source: 'app@db:5432/app',
  plugin: 'test_decoding',
  database: 'app',
};
