import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../src/core/errors.js';
import { type Lsn, parseLsn } from '../../src/core/lsn.js';
import { measureSlot, type SlotReading, type SlotState } from '../../src/core/slot.js';
import {
  SlotActiveError,
  SlotInvalidatedError,
  SlotMismatchError,
  SlotNotFoundError,
  StartPositionTooOldError,
} from '../../src/core/slot-errors.js';
import { chooseStartPosition } from '../../src/core/start-position.js';
import { START_REQUEST, slotState } from '../support/slot-state.js';
import { thrown } from '../support/thrown.js';

const lsn = (text: string): Lsn => parseLsn(text);

const slot = (overrides: Partial<SlotState> = {}): SlotState =>
  slotState({
    restartLsn: lsn('4AF/A0000000'),
    confirmedFlushLsn: lsn('4AF/B00000D0'),
    inactiveSince: '2026-11-21T10:00:00.000Z',
    ...overrides,
  });

const reading = (overrides: Partial<SlotState> = {}, server = '4AF/C0000000'): SlotReading =>
  measureSlot(slot(overrides), lsn(server), false);

const request = START_REQUEST;

describe('chooseStartPosition', () => {
  it('defaults to the slot confirmed_flush_lsn', () => {
    expect(chooseStartPosition(reading(), request)).toEqual({
      cdcStartPosition: lsn('4AF/B00000D0'),
      confirmedFlushLsn: lsn('4AF/B00000D0'),
      restartLsn: lsn('4AF/A0000000'),
      skippedBytes: 0n,
    });
  });

  it('accepts a requested position equal to confirmed_flush_lsn (the boundary)', () => {
    expect(chooseStartPosition(reading(), { ...request, requested: lsn('4AF/B00000D0') }).skippedBytes).toBe(
      0n,
    );
  });

  it('accepts a later position and reports the bytes it skips', () => {
    const later = chooseStartPosition(reading(), { ...request, requested: lsn('4AF/B00001D0') });
    expect(later.skippedBytes).toBe(256n);
  });

  it.each([
    ['one byte older', '4AF/B00000CF'],
    ['at restart_lsn', '4AF/A0000000'],
    ['far older', '0/0'],
  ])('refuses a requested position %s than confirmed_flush_lsn', (_label, requested) => {
    const error = thrown(() => chooseStartPosition(reading(), { ...request, requested: lsn(requested) }));
    expect(error).toBeInstanceOf(StartPositionTooOldError);
    expect(error).toMatchObject({ requested, confirmedFlushLsn: '4AF/B00000D0' });
  });

  it('refuses a position ahead of the server', () => {
    const error = thrown(() =>
      chooseStartPosition(reading(), { ...request, requested: lsn('4AF/C0000001') }),
    );
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error).toMatchObject({ field: 'cdcStartPosition' });
  });

  it('refuses a missing slot naming it and the source', () => {
    const error = thrown(() => chooseStartPosition(undefined, request));
    expect(error).toBeInstanceOf(SlotNotFoundError);
    expect((error as Error).message).toBe('replication slot "dms_slot" does not exist on app@db:5432/app');
  });

  it('refuses an active slot naming the PID and application_name', () => {
    const error = thrown(() =>
      chooseStartPosition(
        reading({ active: true, activePid: 4242, activeApplication: 'dms-old-task' }),
        request,
      ),
    );
    expect(error).toBeInstanceOf(SlotActiveError);
    expect((error as Error).message).toContain('active for PID 4242 (application_name "dms-old-task")');
    expect((error as SlotActiveError).remedy).toContain('pg_terminate_backend(4242)');
  });

  it.each([
    [{ slotType: 'physical' as const, plugin: null }, 'slot_type'],
    [{ plugin: 'pgoutput' }, 'plugin'],
    [{ database: 'other' }, 'database'],
  ])('refuses a slot that does not match (%j)', (overrides, field) => {
    const error = thrown(() => chooseStartPosition(reading(overrides), request));
    expect(error).toBeInstanceOf(SlotMismatchError);
    expect(error).toMatchObject({ field });
  });

  it('refuses a slot whose WAL is lost or that has no confirmed position', () => {
    expect(() => chooseStartPosition(reading({ walStatus: 'lost' }), request)).toThrow(SlotInvalidatedError);
    expect(() => chooseStartPosition(reading({ confirmedFlushLsn: null }), request)).toThrow(
      SlotInvalidatedError,
    );
  });

  it('accepts unreserved WAL (still readable) and reports the position', () => {
    expect(chooseStartPosition(reading({ walStatus: 'unreserved' }), request).cdcStartPosition).toBe(
      lsn('4AF/B00000D0'),
    );
  });

  it('checks the slot before the position: an active slot wins over a too-old request', () => {
    const error = thrown(() =>
      chooseStartPosition(reading({ active: true, activePid: 1 }), { ...request, requested: lsn('0/0') }),
    );
    expect(error).toBeInstanceOf(SlotActiveError);
  });
});
