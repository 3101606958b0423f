import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  compareLsn,
  formatLsn,
  InvalidCheckpointError,
  InvalidLsnError,
  isLsn,
  type Lsn,
  lsnDiff,
  lsnFromBigInt,
  lsnFromCheckpoint,
  maxLsn,
  parseLsn,
} from '../../../src/core/lsn.js';
import { thrown } from '../../support/thrown.js';

/**
 * LSN maths pinned against BigInt arithmetic, and the exact errors a bad position gives: the edges
 * (0, 2^32, 2^64-1, equal positions) and the wording a user reads (mutation testing).
 */
const MAX = (1n << 64n) - 1n;
const anyOffset = fc.bigInt({ min: 0n, max: MAX });
/** Offsets that cluster at the edges where off-by-one mistakes live. */
const edgyOffset = fc.oneof(
  anyOffset,
  fc.constantFrom(0n, 1n, 0xffffffffn, 0x100000000n, 0x100000001n, MAX - 1n, MAX),
);
const hex = (n: bigint) => n.toString(16).toUpperCase();

describe('lsnFromBigInt', () => {
  it('accepts exactly 0..2^64-1', () => {
    expect(lsnFromBigInt(0n)).toBe(0n);
    expect(lsnFromBigInt(MAX)).toBe(MAX);
    fc.assert(fc.property(edgyOffset, (n) => lsnFromBigInt(n) === n));
  });

  it('refuses the first value past each end, naming the default field and the value', () => {
    for (const bad of [-1n, MAX + 1n]) {
      const error = thrown(() => lsnFromBigInt(bad));
      expect(error).toBeInstanceOf(InvalidLsnError);
      expect(error).toMatchObject({ name: 'InvalidLsnError', field: 'lsn', value: bad.toString() });
      expect((error as Error).message).toBe(`lsn: "${bad}" is not a PostgreSQL LSN`);
    }
  });

  it('names the field it is given', () => {
    expect(thrown(() => lsnFromBigInt(-5n, 'restartLsn'))).toMatchObject({
      field: 'restartLsn',
      message: 'restartLsn: "-5" is not a PostgreSQL LSN',
    });
  });

  it('refuses every negative and every value of 65 bits or more', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: 1n << 80n }), (n) => {
        return (
          thrown(() => lsnFromBigInt(-n)) instanceof InvalidLsnError &&
          thrown(() => lsnFromBigInt(MAX + n)) instanceof InvalidLsnError
        );
      }),
    );
  });
});

describe('parseLsn against BigInt arithmetic', () => {
  it('is high * 2^32 + low for every pair of 32-bit halves', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 0xffffffffn }),
        fc.bigInt({ min: 0n, max: 0xffffffffn }),
        (h, l) => {
          return parseLsn(`${hex(h)}/${hex(l)}`) === h * 4294967296n + l;
        },
      ),
    );
  });

  it('formats every offset as its two 32-bit halves', () => {
    fc.assert(
      fc.property(
        edgyOffset,
        (n) => formatLsn(n as Lsn) === `${hex(n / 4294967296n)}/${hex(n % 4294967296n)}`,
      ),
    );
  });

  it('reads the edges of the low half', () => {
    expect(parseLsn('0/FFFFFFFF')).toBe(0xffffffffn);
    expect(parseLsn('1/0')).toBe(0x100000000n);
    expect(parseLsn('1/1')).toBe(0x100000001n);
    expect(parseLsn('FFFFFFFF/0')).toBe(0xffffffff00000000n);
  });

  it('accepts 1 to 8 digits on each side and nothing more', () => {
    expect(parseLsn('A/B')).toBe(0xa0000000bn);
    expect(parseLsn('12345678/9ABCDEF0')).toBe(0x123456789abcdef0n);
    expect(isLsn('12345678/9ABCDEF0')).toBe(true);
    for (const bad of ['123456789/0', '0/123456789', 'A/', '/B', 'x0/0', '0/0x', ' 0 / 0 ', '0//0']) {
      expect(isLsn(bad)).toBe(false);
      expect(() => parseLsn(bad)).toThrow(InvalidLsnError);
    }
  });

  it('trims surrounding whitespace but keeps the value', () => {
    expect(isLsn('\t4AF/B00000D0\n')).toBe(true);
    expect(parseLsn('\t4AF/B00000D0\n')).toBe(0x4afb00000d0n);
  });

  it('uses "lsn" as the field when none is given, and quotes the bad text', () => {
    const error = thrown(() => parseLsn('nope'));
    expect(error).toMatchObject({
      field: 'lsn',
      value: 'nope',
      message: 'lsn: "nope" is not a PostgreSQL LSN',
    });
    expect((error as InvalidLsnError).remedy).toBe(
      'Give an LSN as two hexadecimal numbers of 1 to 8 digits separated by a slash, e.g. 4AF/B00000D0',
    );
  });

  it('describes non-string inputs readably in the message', () => {
    expect((thrown(() => parseLsn(42n, 'x')) as Error).message).toBe('x: 42n is not a PostgreSQL LSN');
    expect((thrown(() => parseLsn(undefined, 'x')) as Error).message).toBe(
      'x: undefined is not a PostgreSQL LSN',
    );
    expect((thrown(() => parseLsn(7, 'x')) as Error).message).toBe('x: 7 is not a PostgreSQL LSN');
    expect((thrown(() => parseLsn(null, 'x')) as Error).message).toBe('x: null is not a PostgreSQL LSN');
  });
});

describe('isLsn', () => {
  it('is false for anything that is not a string, even an LSN-valued number', () => {
    for (const value of [undefined, null, 0, 0n, 0x4afb00000d0n, {}, ['0/0'], { toString: () => '0/0' }]) {
      expect(isLsn(value)).toBe(false);
    }
  });

  it('agrees with parseLsn on every string', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 20 }),
          edgyOffset.map((n) => formatLsn(n as Lsn)),
        ),
        (text) => {
          let parses = true;
          try {
            parseLsn(text);
          } catch {
            parses = false;
          }
          return isLsn(text) === parses;
        },
      ),
    );
  });
});

describe('compareLsn, lsnDiff and maxLsn against BigInt arithmetic', () => {
  it('compares equal positions as 0 and neighbours as -1/1', () => {
    fc.assert(
      fc.property(edgyOffset, (n) => {
        const a = n as Lsn;
        const checks = [compareLsn(a, a) === 0];
        if (n < MAX) checks.push(compareLsn(a, (n + 1n) as Lsn) === -1, compareLsn((n + 1n) as Lsn, a) === 1);
        return checks.every(Boolean);
      }),
    );
  });

  it('lsnDiff is exact BigInt subtraction, including across the 32-bit boundary and at the ends', () => {
    fc.assert(fc.property(edgyOffset, edgyOffset, (a, b) => lsnDiff(a as Lsn, b as Lsn) === a - b));
    expect(lsnDiff(MAX as Lsn, 0n as Lsn)).toBe(MAX);
    expect(lsnDiff(0n as Lsn, MAX as Lsn)).toBe(-MAX);
    expect(lsnDiff(5n as Lsn, 5n as Lsn)).toBe(0n);
  });

  it('maxLsn is the larger offset', () => {
    fc.assert(fc.property(edgyOffset, edgyOffset, (a, b) => maxLsn(a as Lsn, b as Lsn) === (a > b ? a : b)));
    expect(maxLsn(parseLsn('9/0'), parseLsn('10/0'))).toBe(parseLsn('10/0'));
    expect(maxLsn(parseLsn('10/0'), parseLsn('9/0'))).toBe(parseLsn('10/0'));
  });
});

describe('lsnFromCheckpoint', () => {
  it('reads a checkpoint of exactly three fields (position last)', () => {
    expect(lsnFromCheckpoint('checkpoint:V1#1#4AF/B00000D0')).toBe(0x4afb00000d0n);
  });

  it('reads the third field, not another one that also looks like an LSN', () => {
    expect(lsnFromCheckpoint('checkpoint:0/1#0/2#0/3#0/4')).toBe(3n);
  });

  it('reads the position for every offset, with or without zero padding', () => {
    fc.assert(
      fc.property(edgyOffset, fc.boolean(), (n, pad) => {
        const [high, low] = [hex(n >> 32n), hex(n & 0xffffffffn)].map((p) => (pad ? p.padStart(8, '0') : p));
        return lsnFromCheckpoint(`checkpoint:V1#3#${high}/${low}#0#0#*#0#0`) === n;
      }),
    );
  });

  it('gives exact reasons and the example in the remedy', () => {
    const cases: Array<[unknown, string]> = [
      [42, 'RecoveryCheckpoint 42 cannot be read: it is not a string'],
      [undefined, 'RecoveryCheckpoint undefined cannot be read: it is not a string'],
      ['V1#1#0/0#0', 'RecoveryCheckpoint "V1#1#0/0#0" cannot be read: it does not start with "checkpoint:"'],
      [
        'x checkpoint:V1#1#0/0',
        'RecoveryCheckpoint "x checkpoint:V1#1#0/0" cannot be read: it does not start with "checkpoint:"',
      ],
      [
        'checkpoint:V1#1',
        'RecoveryCheckpoint "checkpoint:V1#1" cannot be read: it has fewer than three #-separated fields',
      ],
      [
        'checkpoint:',
        'RecoveryCheckpoint "checkpoint:" cannot be read: it has fewer than three #-separated fields',
      ],
      [
        'checkpoint:V1#1##0',
        'RecoveryCheckpoint "checkpoint:V1#1##0" cannot be read: its position "" is not an LSN',
      ],
      [
        'checkpoint:V1#1#4AF-B00000D0#0',
        'RecoveryCheckpoint "checkpoint:V1#1#4AF-B00000D0#0" cannot be read: its position "4AF-B00000D0" is not an LSN',
      ],
    ];
    for (const [value, message] of cases) {
      const error = thrown(() => lsnFromCheckpoint(value));
      expect(error).toBeInstanceOf(InvalidCheckpointError);
      expect(error).toMatchObject({ name: 'InvalidCheckpointError', value, message });
      expect((error as InvalidCheckpointError).remedy).toBe(
        'Pass the RecoveryCheckpoint exactly as DescribeReplicationTasks returns it, e.g. checkpoint:V1#1#000004AF/B00000D0#0#0#*#0#0',
      );
    }
  });
});
