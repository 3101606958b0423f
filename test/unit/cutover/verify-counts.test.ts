import { describe, expect, it } from 'vitest';
import { RowCountMismatchError } from '../../../src/core/cutover/errors.js';
import {
  type CheckpointBoundary,
  type CountedRows,
  contentCompared,
  contentSkipReason,
  slotConfirmedPastCheckpoint,
  verifiedRowCounts,
} from '../../../src/core/cutover/verify-counts.js';
import { ContentMismatchError } from '../../../src/core/verify/errors.js';
import type { TableVerification } from '../../../src/core/verify/model.js';
import { countedAsNow } from './fixtures.js';

const BOUNDARY: CheckpointBoundary = {
  boundaryLsn: '0/4000',
  recoveryCheckpoint: 'checkpoint:V1#12#00000000/00004000#0#0#*#0#0',
  checkpointLsn: '0/4000',
  slotConfirmedFlushLsn: '0/4000',
  snapshot: '900:905:',
  decodedFromLsn: '0/1000',
  decodedUpToLsn: '0/5000',
  transactions: { decoded: 0, afterBoundary: 0, visible: 0 },
};

const verified = (name: string, rows: number, equal: boolean) =>
  ({ name, rows, equal }) as unknown as TableVerification;

describe('the verification rules at the checkpoint', () => {
  it('compares rows one by one only when the counts agree and the snapshot sees nothing after the checkpoint', () => {
    expect(contentSkipReason({ countsEqual: true, visibleAfterBoundary: 0 })).toBeNull();
    expect(contentSkipReason({ countsEqual: false, visibleAfterBoundary: 0 })).toBe('the row counts differ');
    expect(contentSkipReason({ countsEqual: true, visibleAfterBoundary: 2 })).toBe(
      "the source took 2 transactions after the task's checkpoint: compared by counts only",
    );
  });

  it('names the two positions only when the slot was confirmed past the checkpoint', () => {
    expect(slotConfirmedPastCheckpoint(null)).toBeNull();
    expect(slotConfirmedPastCheckpoint(BOUNDARY)).toBeNull();
    // 0/10000 > 0/4000 as LSNs, though not as text.
    expect(slotConfirmedPastCheckpoint({ ...BOUNDARY, slotConfirmedFlushLsn: '0/10000' })).toEqual({
      checkpointLsn: '0/4000',
      slotConfirmedFlushLsn: '0/10000',
    });
  });

  it('reports differing counts when not strict, fails on them when strict', () => {
    const counted: CountedRows = {
      tables: [countedAsNow('shop.a', 2, 2), countedAsNow('shop.b', 3, 1)],
      mismatched: [countedAsNow('shop.b', 3, 1)],
      boundary: null,
    };

    expect(verifiedRowCounts(counted, false)).toMatchObject({
      mismatchedTables: 1,
      skipped: null,
      content: null,
    });
    expect(() => verifiedRowCounts(counted, true)).toThrow(RowCountMismatchError);
  });

  it('fails on a table whose rows differ, and sums what was compared', () => {
    const content = contentCompared([verified('shop.a', 5, true), verified('shop.b', 7, false)]);
    const counted: CountedRows = { tables: [], mismatched: [], boundary: BOUNDARY, content };

    expect(content.result).toEqual({
      compared: true,
      reason: null,
      tables: 2,
      rowsCompared: 12,
      differing: ['shop.b'],
    });
    expect(() => verifiedRowCounts(counted, true)).toThrow(ContentMismatchError);
    const equal = contentCompared([verified('shop.a', 5, true)]);
    expect(verifiedRowCounts({ ...counted, content: equal }, true)).toMatchObject({
      boundaryLsn: '0/4000',
      content: { compared: true, differing: [] },
    });
  });
});
