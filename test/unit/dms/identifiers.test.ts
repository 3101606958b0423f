import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  cdcTaskIdentifier,
  DMS_IDENTIFIER_MAX_LENGTH,
  sourceEndpointIdentifier,
  validateDmsIdentifier,
} from '../../../src/core/dms/identifiers.js';
import { InvalidInputError } from '../../../src/core/errors.js';
import { InvalidLsnError } from '../../../src/core/lsn.js';

const anyText = fc.string({ unit: 'binary', maxLength: 300 });
const endpointInput = fc.record({ prefix: anyText, sourceName: anyText, slotName: anyText });
const lsn = fc
  .tuple(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 0xffffffff }))
  .map(([high, low]) => `${high.toString(16)}/${low.toString(16)}`);
const taskInput = fc.record(
  { prefix: anyText, sourceName: anyText, slotName: anyText, startPosition: lsn },
  { requiredKeys: ['prefix', 'sourceName', 'slotName'] },
);

/** The DMS rules restated independently of the implementation. */
function isValidDmsIdentifier(value: string): boolean {
  return (
    value.length >= 1 &&
    value.length <= 255 &&
    /^[A-Za-z][A-Za-z0-9-]*$/.test(value) &&
    !value.endsWith('-') &&
    !value.includes('--')
  );
}

describe('sourceEndpointIdentifier', () => {
  it('reads as prefix, kind, source and slot, with a hash suffix', () => {
    const id = sourceEndpointIdentifier({
      prefix: 'Prod',
      sourceName: 'orders_db',
      slotName: 'dms_orders_slot',
    });
    expect(id).toMatch(/^prod-src-orders-db-dms-orders-slot-[0-9a-f]{8}$/);
  });

  it('yields a valid DMS identifier for any input', () => {
    fc.assert(
      fc.property(endpointInput, (input) => {
        const id = sourceEndpointIdentifier(input);
        expect(isValidDmsIdentifier(id), id).toBe(true);
        expect(validateDmsIdentifier(id, 'id')).toBe(id);
      }),
    );
  });

  it('is deterministic', () => {
    fc.assert(
      fc.property(endpointInput, (input) => {
        expect(sourceEndpointIdentifier({ ...input })).toBe(sourceEndpointIdentifier(input));
      }),
    );
  });

  it('keeps inputs apart that sanitise to the same text', () => {
    const a = sourceEndpointIdentifier({ prefix: 'p', sourceName: 'orders', slotName: 'a_b' });
    const b = sourceEndpointIdentifier({ prefix: 'p', sourceName: 'orders', slotName: 'a__b' });
    const c = sourceEndpointIdentifier({ prefix: 'P', sourceName: 'orders', slotName: 'a_b' });
    // Moving a hyphen across a field boundary changes the fields, so it must change the identifier too.
    const d = sourceEndpointIdentifier({ prefix: 'p', sourceName: 'orders-a', slotName: 'b' });
    expect(new Set([a, b, c, d]).size).toBe(4);
    expect(a.slice(0, -9)).toBe(b.slice(0, -9));
  });

  it('gives different inputs different identifiers, even past the truncation point', () => {
    const long = 'x'.repeat(400);
    fc.assert(
      fc.property(endpointInput, endpointInput, (x, y) => {
        fc.pre(JSON.stringify(x) !== JSON.stringify(y));
        expect(sourceEndpointIdentifier(x)).not.toBe(sourceEndpointIdentifier(y));
      }),
    );
    const a = sourceEndpointIdentifier({ prefix: 'p', sourceName: long, slotName: 'slot_one' });
    const b = sourceEndpointIdentifier({ prefix: 'p', sourceName: long, slotName: 'slot_two' });
    expect(a).toHaveLength(DMS_IDENTIFIER_MAX_LENGTH);
    expect(a).not.toBe(b);
  });

  it('starts with a letter even when the prefix does not', () => {
    expect(sourceEndpointIdentifier({ prefix: '9lives', sourceName: 's', slotName: 't' })).toMatch(
      /^dms-9lives-src-s-t-[0-9a-f]{8}$/,
    );
    expect(sourceEndpointIdentifier({ prefix: '', sourceName: '', slotName: '' })).toMatch(
      /^src-[0-9a-f]{8}$/,
    );
  });
});

describe('cdcTaskIdentifier', () => {
  it('includes the normalised start position', () => {
    const id = cdcTaskIdentifier({
      prefix: 'prod',
      sourceName: 'orders',
      slotName: 'dms_slot',
      startPosition: '4af/b00000d0',
    });
    expect(id).toMatch(/^prod-cdc-orders-dms-slot-4af-b00000d0-[0-9a-f]{8}$/);
  });

  it('names the same task for the same LSN however it is spelt', () => {
    const base = { prefix: 'prod', sourceName: 'orders', slotName: 'dms_slot' };
    expect(cdcTaskIdentifier({ ...base, startPosition: '4af/b00000d0' })).toBe(
      cdcTaskIdentifier({ ...base, startPosition: ' 4AF/B00000D0' }),
    );
    expect(cdcTaskIdentifier({ ...base, startPosition: '0/16B3748' })).not.toBe(
      cdcTaskIdentifier({ ...base, startPosition: '0/16B3750' }),
    );
    expect(cdcTaskIdentifier(base)).not.toBe(cdcTaskIdentifier({ ...base, startPosition: '0/0' }));
  });

  it('never collides with the endpoint identifier of the same input', () => {
    const input = { prefix: 'p', sourceName: 's', slotName: 't' };
    expect(cdcTaskIdentifier(input)).not.toBe(sourceEndpointIdentifier(input));
  });

  it('yields a valid, deterministic DMS identifier for any input', () => {
    fc.assert(
      fc.property(taskInput, (input) => {
        const id = cdcTaskIdentifier(input);
        expect(isValidDmsIdentifier(id), id).toBe(true);
        expect(cdcTaskIdentifier({ ...input })).toBe(id);
      }),
    );
  });

  it('rejects a start position that is not an LSN', () => {
    expect(() =>
      cdcTaskIdentifier({
        prefix: 'p',
        sourceName: 's',
        slotName: 't',
        startPosition: '2024-01-01T00:00:00',
      }),
    ).toThrow(InvalidLsnError);
  });
});

describe('validateDmsIdentifier', () => {
  it.each([
    ['', 'must not be empty'],
    ['a'.repeat(256), 'at most 255 characters'],
    ['1abc', 'start with an ASCII letter'],
    ['-abc', 'start with an ASCII letter'],
    ['ab_c', 'only ASCII letters, digits and hyphens'],
    ['abé', 'only ASCII letters, digits and hyphens'],
    ['abc-', 'must not end with a hyphen'],
    ['a--b', 'two consecutive hyphens'],
  ])('rejects %j: %s', (value, rule) => {
    const error = catchError(() => validateDmsIdentifier(value, 'taskIdentifier'));
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error).toMatchObject({ name: 'InvalidInputError', field: 'taskIdentifier' });
    expect((error as Error).message).toContain(rule);
    expect((error as Error).message).toMatch(/^taskIdentifier: /);
  });

  it('rejects a value that is not a string', () => {
    expect(() => validateDmsIdentifier(42, 'identifier')).toThrow(InvalidInputError);
  });

  it.each(['a', 'A-1', 'Orders-CDC-2024', 'a'.repeat(255)])('accepts %j', (value) => {
    expect(validateDmsIdentifier(value, 'identifier')).toBe(value);
  });

  it('agrees with the DMS rules on arbitrary text', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z0-9_-]{0,8}$/), (value) => {
        const accepted = catchError(() => validateDmsIdentifier(value, 'id')) === undefined;
        expect(accepted).toBe(isValidDmsIdentifier(value));
      }),
    );
  });
});

function catchError(run: () => unknown): unknown {
  try {
    run();
    return undefined;
  } catch (error) {
    return error;
  }
}
