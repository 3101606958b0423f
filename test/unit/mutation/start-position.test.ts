import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../../src/core/errors.js';
import { type Lsn, parseLsn } from '../../../src/core/lsn.js';
import { measureSlot, type SlotReading, type SlotState } from '../../../src/core/slot.js';
import {
  SlotActiveError,
  SlotInvalidatedError,
  SlotMismatchError,
  SlotNotFoundError,
  StartPositionTooOldError,
} from '../../../src/core/slot-errors.js';
import { checkSlotMatches, chooseStartPosition } from '../../../src/core/start-position.js';
import { START_REQUEST, slotState } from '../../support/slot-state.js';
import { thrown } from '../../support/thrown.js';

/** The native start point rule at its boundaries, with the exact reason each refusal gives. */
const lsn = (text: string): Lsn => parseLsn(text);

const slot = (overrides: Partial<SlotState> = {}): SlotState =>
  slotState({ restartLsn: lsn('1/0'), confirmedFlushLsn: lsn('1/100'), failover: false, ...overrides });

const reading = (overrides: Partial<SlotState> = {}, server = '1/200'): SlotReading =>
  measureSlot(slot(overrides), lsn(server), false);

const request = START_REQUEST;

describe('chooseStartPosition at its boundaries', () => {
  it('accepts a requested position exactly at the server position (nothing newer exists yet)', () => {
    expect(chooseStartPosition(reading(), { ...request, requested: lsn('1/200') })).toEqual({
      cdcStartPosition: lsn('1/200'),
      confirmedFlushLsn: lsn('1/100'),
      restartLsn: lsn('1/0'),
      skippedBytes: 0x100n,
    });
  });

  it('refuses one byte past the server position with the exact reason and remedy', () => {
    const error = thrown(() => chooseStartPosition(reading(), { ...request, requested: lsn('1/201') }));
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error).toMatchObject({
      field: 'cdcStartPosition',
      message: "cdcStartPosition: 1/201 is ahead of the server's current WAL position 1/200",
      remedy: "Omit it to start at the slot's confirmed_flush_lsn 1/100",
    });
  });

  it('refuses one byte before confirmed_flush_lsn, naming both positions', () => {
    const error = thrown(() => chooseStartPosition(reading(), { ...request, requested: lsn('1/FF') }));
    expect(error).toBeInstanceOf(StartPositionTooOldError);
    expect(error).toMatchObject({ slotName: 'dms_slot', requested: '1/FF', confirmedFlushLsn: '1/100' });
  });

  it('starts at confirmed_flush_lsn when the slot is fully caught up with the server', () => {
    const start = chooseStartPosition(reading({}, '1/100'), request);
    expect(start.cdcStartPosition).toBe(lsn('1/100'));
    expect(start.skippedBytes).toBe(0n);
  });

  it('reports a null restart_lsn as null', () => {
    expect(chooseStartPosition(reading({ restartLsn: null }), request).restartLsn).toBeNull();
  });

  it('counts skipped bytes across the 32-bit boundary', () => {
    const start = chooseStartPosition(reading({ confirmedFlushLsn: lsn('0/FFFFFFFF') }, '2/0'), {
      ...request,
      requested: lsn('1/1'),
    });
    expect(start.skippedBytes).toBe(2n);
  });

  it('gives the exact reason for a slot whose WAL is lost', () => {
    const error = thrown(() => chooseStartPosition(reading({ walStatus: 'lost' }), request));
    expect(error).toBeInstanceOf(SlotInvalidatedError);
    expect(error).toMatchObject({
      slotName: 'dms_slot',
      detail: 'wal_status is lost: WAL it needed was removed',
    });
  });

  it('gives the exact reason for a slot with no confirmed_flush_lsn', () => {
    const error = thrown(() =>
      chooseStartPosition(reading({ confirmedFlushLsn: null }), { ...request, requested: lsn('1/100') }),
    );
    expect(error).toBeInstanceOf(SlotInvalidatedError);
    expect(error).toMatchObject({
      slotName: 'dms_slot',
      detail: 'it has no confirmed_flush_lsn (invalidated, or never reached a consistent point)',
    });
  });

  it('accepts every WAL status but lost', () => {
    for (const walStatus of ['reserved', 'extended', 'unreserved', null] as const) {
      expect(chooseStartPosition(reading({ walStatus }), request).cdcStartPosition).toBe(lsn('1/100'));
    }
  });

  it('refuses an active slot even without a known PID, and names the request slot', () => {
    const error = thrown(() => chooseStartPosition(reading({ active: true }), request));
    expect(error).toBeInstanceOf(SlotActiveError);
    expect(error).toMatchObject({ slotName: 'dms_slot', activePid: null, application: null });
  });

  it('refuses a missing slot naming the requested slot and source', () => {
    const error = thrown(() => chooseStartPosition(undefined, { ...request, slotName: 'other_slot' }));
    expect(error).toBeInstanceOf(SlotNotFoundError);
    expect(error).toMatchObject({ slotName: 'other_slot' });
    expect((error as Error).message).toBe('replication slot "other_slot" does not exist on app@db:5432/app');
  });

  it('checks the slot matches before it checks activity', () => {
    const error = thrown(() => chooseStartPosition(reading({ active: true, database: 'other' }), request));
    expect(error).toBeInstanceOf(SlotMismatchError);
  });
});

describe('checkSlotMatches', () => {
  const expected = { slotName: 'dms_slot', plugin: 'test_decoding', database: 'app' } as const;

  it('passes a logical slot with the expected plugin and database', () => {
    expect(() => checkSlotMatches(reading(), expected)).not.toThrow();
    expect(() =>
      checkSlotMatches(reading({ plugin: 'pglogical' }), { ...expected, plugin: 'pglogical' }),
    ).not.toThrow();
  });

  it.each([
    [{ slotType: 'physical' as const, plugin: null }, 'slot_type', 'logical', 'physical'],
    [{ plugin: 'pgoutput' }, 'plugin', 'test_decoding', 'pgoutput'],
    [{ plugin: null }, 'plugin', 'test_decoding', null],
    [{ database: 'other' }, 'database', 'app', 'other'],
    [{ database: null }, 'database', 'app', null],
  ])('refuses %j: %s expected %s, observed %s', (overrides, field, want, observed) => {
    const error = thrown(() => checkSlotMatches(reading(overrides), expected));
    expect(error).toBeInstanceOf(SlotMismatchError);
    expect(error).toMatchObject({ slotName: 'dms_slot', field, expected: want, observed });
  });

  it('checks slot_type before plugin, and plugin before database', () => {
    expect(
      thrown(() =>
        checkSlotMatches(reading({ slotType: 'physical', plugin: null, database: null }), expected),
      ),
    ).toMatchObject({ field: 'slot_type' });
    expect(
      thrown(() => checkSlotMatches(reading({ plugin: 'pgoutput', database: 'other' }), expected)),
    ).toMatchObject({ field: 'plugin' });
  });
});
