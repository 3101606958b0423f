import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  formatDuration,
  formatSize,
  InvalidQuantityError,
  MAX_BYTES,
  parseDuration,
  parseSize,
} from '../../../src/core/health/sizes.js';

const UNITS: ReadonlyArray<readonly [string, number]> = [
  ['', 1],
  ['B', 1],
  ['kB', 1024],
  ['KB', 1024],
  ['KiB', 1024],
  ['k', 1024],
  ['MB', 1024 ** 2],
  ['mb', 1024 ** 2],
  ['MiB', 1024 ** 2],
  ['GB', 1024 ** 3],
  ['GiB', 1024 ** 3],
  ['g', 1024 ** 3],
  ['TB', 1024 ** 4],
  ['TiB', 1024 ** 4],
];

describe('parseSize', () => {
  it.each([
    ['512MB', 512 * 1024 ** 2],
    ['20GB', 20 * 1024 ** 3],
    ['1.5GiB', 1.5 * 1024 ** 3],
    ['4096', 4096],
    ['100 B', 100],
    [' 2 kB ', 2048],
    ['0.5k', 512],
    [1234, 1234],
  ])('%j is %d bytes (powers of 1024, as postgresql.conf reads them)', (text, bytes) => {
    expect(parseSize(text)).toBe(bytes);
  });

  it.each(['', 'lots', '12XB', '-1GB', '1..5GB', 'GB', '1e3', '5 G B', '1,5GB'])('refuses %j', (text) => {
    expect(() => parseSize(text)).toThrow(InvalidQuantityError);
  });

  it('refuses negative, non-finite and over-8-PiB numbers', () => {
    expect(() => parseSize(-1)).toThrow(InvalidQuantityError);
    expect(() => parseSize(Number.NaN)).toThrow(InvalidQuantityError);
    expect(() => parseSize('9PB')).toThrow(/too large/);
  });

  it('property: an integer with any unit is that integer times the unit', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1_000_000 }),
        fc.constantFrom(...UNITS),
        fc.boolean(),
        (n, [unit, factor], space) => {
          const text = `${n}${space ? ' ' : ''}${unit}`;
          const expected = n * factor;
          if (expected > MAX_BYTES) expect(() => parseSize(text)).toThrow();
          else expect(parseSize(text)).toBe(expected);
        },
      ),
    );
  });

  it('property: monotonic in the number for a fixed unit', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 1000, noNaN: true }),
        fc.double({ min: 0, max: 1000, noNaN: true }),
        fc.constantFrom(...UNITS),
        (a, b, [unit]) => {
          const [lo, hi] = a <= b ? [a, b] : [b, a];
          expect(parseSize(`${lo.toFixed(3)}${unit}`)).toBeLessThanOrEqual(
            parseSize(`${hi.toFixed(3)}${unit}`),
          );
        },
      ),
    );
  });

  it('property: formatSize output parses back to within half a display step', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: MAX_BYTES }), (bytes) => {
        const shown = formatSize(bytes);
        const back = parseSize(shown);
        // One decimal in the unit shown: at most 0.05 of that unit away.
        const unit =
          1024 ** Math.max(0, ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'].indexOf(shown.split(' ')[1] ?? 'B'));
        expect(Math.abs(back - bytes)).toBeLessThanOrEqual(0.05 * unit + 0.5);
      }),
    );
  });

  it('property: arbitrary strings either parse to a whole number of bytes or throw InvalidQuantityError', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 12 }), (text) => {
        try {
          const bytes = parseSize(text);
          expect(Number.isInteger(bytes) && bytes >= 0 && bytes <= MAX_BYTES).toBe(true);
        } catch (error) {
          expect(error).toBeInstanceOf(InvalidQuantityError);
        }
      }),
    );
  });
});

describe('formatSize', () => {
  it.each([
    [0, '0 B'],
    [1023, '1023 B'],
    [1024, '1 KiB'],
    [1536, '1.5 KiB'],
    [20 * 1024 ** 3, '20 GiB'],
    [Math.round(21.3 * 1024 ** 3), '21.3 GiB'],
    // Rounds up into the next unit instead of printing "1024.0 MiB".
    [1024 ** 3 - 1, '1 GiB'],
  ])('%d -> %s', (bytes, text) => {
    expect(formatSize(bytes)).toBe(text);
  });
});

describe('durations', () => {
  it.each([
    ['90', 90],
    ['90s', 90],
    ['15m', 900],
    ['2h', 7200],
    ['1d', 86_400],
    ['1.5h', 5400],
    ['500ms', 0.5],
    [30, 30],
  ])('parseDuration(%j) = %d s', (text, seconds) => {
    expect(parseDuration(text)).toBe(seconds);
  });

  it.each(['', 'soon', '-5m', '5w'])('parseDuration refuses %j', (text) => {
    expect(() => parseDuration(text)).toThrow(InvalidQuantityError);
  });

  it.each([
    [45, '45 s'],
    [1.25, '1.3 s'],
    [60, '1 min'],
    [35 * 60 + 59, '35 min'],
    [2 * 3600 + 5 * 60, '2 h 5 min'],
    [3600, '1 h'],
    [2 * 86_400 + 4 * 3600, '2 d 4 h'],
  ])('formatDuration(%d) = %s', (seconds, text) => {
    expect(formatDuration(seconds)).toBe(text);
  });

  it.each([
    [-3, 'exact', '0 s'],
    [59.6, 'exact', '1 min 0 s'],
    [42 * 60 + 30, 'exact', '42 min 30 s'],
    [3600, 'exact', '1 h 0 min'],
    [47 * 3600 + 59 * 60, 'exact', '47 h 59 min'],
    [2 * 86_400, 'exact', '2 d 0 h'],
    [45, 'compact', '45s'],
    [125, 'compact', '2m05s'],
    [3725, 'compact', '1h02m'],
    [50 * 3600, 'compact', '50h00m'],
  ] as const)('formatDuration(%d, %s) = %s', (seconds, style, text) => {
    expect(formatDuration(seconds, style)).toBe(text);
  });
});
