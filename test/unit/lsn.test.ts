import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  compareLsn,
  formatLsn,
  InvalidCheckpointError,
  InvalidLsnError,
  isLsn,
  lsnDiff,
  lsnFromBigInt,
  lsnFromCheckpoint,
  maxLsn,
  parseLsn,
} from '../../src/core/lsn.js';

const anyLsn = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }).map((n) => lsnFromBigInt(n));
const hexPart = fc.bigInt({ min: 0n, max: 0xffffffffn }).map((n) => n.toString(16));
const randomCase = (s: string) =>
  fc
    .array(fc.boolean(), { minLength: s.length, maxLength: s.length })
    .map((flags) => [...s].map((ch, i) => (flags[i] ? ch.toUpperCase() : ch.toLowerCase())).join(''));

describe('parseLsn', () => {
  it('reads the DMS example and PostgreSQL forms', () => {
    expect(parseLsn('4AF/B00000D0')).toBe(0x4afb00000d0n);
    expect(parseLsn('0/0')).toBe(0n);
    expect(parseLsn('0/16B3748')).toBe(0x16b3748n);
    expect(parseLsn('FFFFFFFF/FFFFFFFF')).toBe((1n << 64n) - 1n);
  });

  it('is case-insensitive and accepts leading zeros', () => {
    expect(parseLsn('4af/b00000d0')).toBe(parseLsn('4AF/B00000D0'));
    expect(parseLsn('000004AF/B00000D0')).toBe(parseLsn('4AF/B00000D0'));
  });

  it.each([
    '',
    '/',
    '0/',
    '/0',
    '0-0',
    '0/0/0',
    'G/0',
    '0x1/0',
    '123456789/0',
    '0/123456789',
    '-1/0',
    '1 /0',
    'checkpoint:V1#1#0/0',
  ])('rejects %j with InvalidLsnError naming the field and value', (bad) => {
    const error = captureError(() => parseLsn(bad, 'cdcStartPosition'));
    expect(error).toBeInstanceOf(InvalidLsnError);
    expect(error).toMatchObject({ name: 'InvalidLsnError', field: 'cdcStartPosition', value: bad });
    expect((error as Error).message).toContain('cdcStartPosition');
    expect((error as Error).message).toContain(JSON.stringify(bad));
  });

  it.each([undefined, null, 42, {}, ['0/0']])('rejects the non-string %j', (bad) => {
    expect(() => parseLsn(bad)).toThrow(InvalidLsnError);
  });

  it('rejects a bigint: an Lsn is made from a byte offset with lsnFromBigInt', () => {
    expect(() => parseLsn(42n)).toThrow(InvalidLsnError);
  });

  it('accepts surrounding whitespace, as psql output often has it', () => {
    expect(parseLsn(' 0/10 \n')).toBe(16n);
  });

  it('round-trips format then parse for every 64-bit value', () => {
    fc.assert(fc.property(anyLsn, (lsn) => parseLsn(formatLsn(lsn)) === lsn));
  });

  it('round-trips parse then format to the canonical form for any spelling', () => {
    fc.assert(
      fc.property(hexPart, hexPart, fc.nat({ max: 7 }), fc.nat({ max: 7 }), (high, low, padHigh, padLow) => {
        const spelled = `${'0'.repeat(Math.max(0, Math.min(padHigh, 8 - high.length)))}${high}/${'0'.repeat(
          Math.max(0, Math.min(padLow, 8 - low.length)),
        )}${low}`;
        const canonical = `${high.toUpperCase()}/${low.toUpperCase()}`;
        return formatLsn(parseLsn(spelled)) === canonical;
      }),
    );
  });

  it('accepts any mix of upper and lower case', () => {
    fc.assert(
      fc.property(
        anyLsn.chain((lsn) => randomCase(formatLsn(lsn)).map((text) => [lsn, text] as const)),
        ([lsn, text]) => parseLsn(text) === lsn,
      ),
    );
  });

  it('rejects any string that is not two 1-8 digit hex numbers around one slash', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 24 }), (text) => {
        const valid = /^[0-9a-f]{1,8}\/[0-9a-f]{1,8}$/i.test(text.trim());
        return valid === isLsn(text) && (valid || throwsInvalidLsn(() => parseLsn(text)));
      }),
    );
  });
});

describe('formatLsn', () => {
  it('prints upper-case hex without padding, like DMS and PostgreSQL 17', () => {
    expect(formatLsn(lsnFromBigInt(0x4afb00000d0n))).toBe('4AF/B00000D0');
    expect(formatLsn(lsnFromBigInt(0n))).toBe('0/0');
    expect(formatLsn(lsnFromBigInt(0x100000000n))).toBe('1/0');
  });

  it('refuses byte offsets outside 64 bits', () => {
    expect(() => lsnFromBigInt(-1n)).toThrow(InvalidLsnError);
    expect(() => lsnFromBigInt(1n << 64n)).toThrow(InvalidLsnError);
  });
});

describe('compareLsn, lsnDiff, maxLsn', () => {
  it('orders exactly as the numeric byte offsets do', () => {
    fc.assert(fc.property(anyLsn, anyLsn, (a, b) => compareLsn(a, b) === Math.sign(Number(a - b))));
  });

  it('orders the printed forms numerically, not lexically', () => {
    // Lexically "9/0" > "10/0"; as positions it is behind.
    expect(compareLsn(parseLsn('9/0'), parseLsn('10/0'))).toBe(-1);
    expect(compareLsn(parseLsn('0/FFFFFFFF'), parseLsn('1/0'))).toBe(-1);
    expect(compareLsn(parseLsn('1/0'), parseLsn('1/00000000'))).toBe(0);
  });

  it('measures the byte distance across the 32-bit boundary', () => {
    expect(lsnDiff(parseLsn('1/0'), parseLsn('0/FFFFFFFF'))).toBe(1n);
    expect(lsnDiff(parseLsn('0/0'), parseLsn('1/0'))).toBe(-(1n << 32n));
  });

  it('is antisymmetric and additive', () => {
    fc.assert(
      fc.property(anyLsn, anyLsn, anyLsn, (a, b, c) => {
        return lsnDiff(a, b) === -lsnDiff(b, a) && lsnDiff(a, c) === lsnDiff(a, b) + lsnDiff(b, c);
      }),
    );
  });

  it('maxLsn returns the later position', () => {
    fc.assert(
      fc.property(anyLsn, anyLsn, (a, b) => {
        const m = maxLsn(a, b);
        return compareLsn(m, a) >= 0 && compareLsn(m, b) >= 0 && (m === a || m === b);
      }),
    );
  });
});

describe('lsnFromCheckpoint', () => {
  it('reads the LSN inside a DMS RecoveryCheckpoint', () => {
    expect(formatLsn(lsnFromCheckpoint('checkpoint:V1#1#000004AF/B00000D0#0#0#*#0#0'))).toBe('4AF/B00000D0');
    expect(formatLsn(lsnFromCheckpoint('checkpoint:V1#27#00000000/0C8A5F40#0#0#*#0#121'))).toBe('0/C8A5F40');
  });

  it('round-trips any LSN written in the checkpoint form', () => {
    fc.assert(
      fc.property(anyLsn, fc.nat(), (lsn, seq) => {
        const high = (lsn >> 32n).toString(16).toUpperCase().padStart(8, '0');
        const low = (lsn & 0xffffffffn).toString(16).toUpperCase().padStart(8, '0');
        return lsnFromCheckpoint(`checkpoint:V1#${seq}#${high}/${low}#0#0#*#0#0`) === lsn;
      }),
    );
  });

  it.each([
    ['', 'does not start with'],
    ['V1#1#000004AF/B00000D0#0#0#*#0#0', 'does not start with'],
    ['checkpoint:V1#1', 'fewer than three'],
    ['checkpoint:V1#1#nothex#0#0#*#0#0', 'is not an LSN'],
  ])('rejects %j with InvalidCheckpointError', (bad, why) => {
    const error = captureError(() => lsnFromCheckpoint(bad));
    expect(error).toBeInstanceOf(InvalidCheckpointError);
    expect((error as Error).message).toContain(why);
    expect(error).toMatchObject({ name: 'InvalidCheckpointError' });
  });

  it('rejects a missing checkpoint (a deleted task has none)', () => {
    expect(() => lsnFromCheckpoint(undefined)).toThrow(InvalidCheckpointError);
  });
});

function captureError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to throw');
}

function throwsInvalidLsn(fn: () => unknown): boolean {
  return captureError(fn) instanceof InvalidLsnError;
}
