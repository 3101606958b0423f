import { describe, expect, it } from 'vitest';
import { parseLsn } from '../../../src/core/lsn.js';
import { decideRecovery } from '../../../src/core/recovery/decide.js';
import type { RecoveryInput } from '../../../src/core/recovery/types.js';
import type { SlotState } from '../../../src/core/slot.js';
import { slotState } from '../../support/slot-state.js';

const L = parseLsn;

function decideOn(slot: Partial<SlotState>) {
  const input: RecoveryInput = {
    task: {
      status: 'failed',
      stopReason: 'Stop Reason RECOVERABLE_ERROR',
      lastFailureMessage: undefined,
      checkpointLsn: L('1/2000'),
      resumable: true,
    },
    slot: {
      slot: slotState({
        walStatus: 'lost',
        failover: false,
        inactiveSince: '2026-12-06T20:00:00.000Z',
        ...slot,
      }),
      serverLsn: L('1/9000'),
      previousConfirmedFlushLsn: null,
    },
    failoverJustHappened: false,
    lastKnownGoodLsn: null,
    policy: { terminateStaleBackend: false },
  };
  return decideRecovery(input);
}

describe('DATA_GAP names why PostgreSQL invalidated the slot (invalidation_reason, 17+)', () => {
  it('idle_timeout (PostgreSQL 18 idle_replication_slot_timeout)', () => {
    const decision = decideOn({ invalidationReason: 'idle_timeout' });
    expect(decision.kind).toBe('DATA_GAP');
    expect(decision.reason).toContain(
      'Slot dms_slot is invalidated (wal_status lost, invalidation_reason idle_timeout): it stayed inactive longer than idle_replication_slot_timeout',
    );
  });

  it('rows_removed and wal_level_insufficient in their own words; before 17 (no reason) the WAL removed', () => {
    expect(decideOn({ invalidationReason: 'rows_removed' }).reason).toContain(
      'catalog rows it needed were removed',
    );
    expect(decideOn({ invalidationReason: 'wal_level_insufficient' }).reason).toContain(
      'wal_level fell below logical',
    );
    expect(decideOn({ invalidationReason: null }).reason).toContain(
      'Slot dms_slot is invalidated (wal_status lost): the WAL it needed was removed.',
    );
  });

  it('an invalidation reason is a gap even where wal_status does not say lost', () => {
    const decision = decideOn({ walStatus: 'reserved', invalidationReason: 'rows_removed' });
    expect(decision.kind).toBe('DATA_GAP');
  });
});
