/**
 * Byte sizes and durations as people type them in thresholds: `512MB`, `20GB`, `1.5GiB`, `90s`, `15m`.
 *
 * Units follow PostgreSQL's own (`max_slot_wal_keep_size = '20GB'` is 20 x 1024^3 bytes): kB, MB, GB,
 * TB and PB are powers of 1024, exactly like KiB, MiB, GiB, TiB and PiB, so a threshold written the
 * way postgresql.conf writes the limit it guards means the same number. Units are case-insensitive;
 * a bare number is bytes (or seconds).
 */

const SIZE = /^([0-9]+(?:\.[0-9]+)?)\s*(?:([kmgtp])i?b?|b?)$/i;
/** The largest size accepted: 8 PiB. */
export const MAX_BYTES = 2 ** 53;
const POWERS: Readonly<Record<string, number>> = { k: 1, m: 2, g: 3, t: 4, p: 5 };

/** Why a size or duration could not be read; the caller names the field. */
export class InvalidQuantityError extends Error {
  override readonly name = 'InvalidQuantityError';
}

/** Parses a size to whole bytes (rounded to the nearest byte). */
export function parseSize(text: string | number): number {
  if (typeof text === 'number') return checkedBytes(text, String(text));
  const match = SIZE.exec(text.trim());
  if (!match) {
    throw new InvalidQuantityError(
      `${JSON.stringify(text)} is not a size: use a number of bytes or a number with a unit, e.g. 512MB, 20GB, 1.5GiB`,
    );
  }
  const [, number = '', prefix] = match;
  const power = prefix === undefined ? 0 : (POWERS[prefix.toLowerCase()] ?? 0);
  return checkedBytes(Number(number) * 1024 ** power, text);
}

function checkedBytes(value: number, text: string): number {
  if (!Number.isFinite(value) || value < 0) {
    throw new InvalidQuantityError(`${JSON.stringify(text)} is not a size: it must be zero or more bytes`);
  }
  const bytes = Math.round(value);
  // 8 PiB = 2^53: every byte count up to it is exact as a number.
  if (bytes > MAX_BYTES) {
    throw new InvalidQuantityError(`${JSON.stringify(text)} is too large (the limit is 8 PiB)`);
  }
  return bytes;
}

const SIZE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'] as const;

/**
 * A size for people: `21.3 GiB`, `20 GiB`, `512 MiB`, `100 B`. One decimal, dropped when it is zero,
 * so a threshold set as `20GB` reads back as `20 GiB`. parseSize(formatSize(n)) is within 0.05 units of n.
 */
export function formatSize(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < SIZE_UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  // 1023.96 MiB would print as "1024.0 MiB": carry into the next unit instead.
  if (unit > 0 && Math.abs(Number(value.toFixed(1))) >= 1024 && unit < SIZE_UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  if (unit === 0) return `${value} B`;
  const text = value.toFixed(1);
  return `${text.endsWith('.0') ? text.slice(0, -2) : text} ${SIZE_UNITS[unit]}`;
}

const DURATION = /^([0-9]+(?:\.[0-9]+)?)\s*(ms|s|sec|secs|m|min|mins|h|d)?$/i;
const SECONDS: Readonly<Record<string, number>> = {
  ms: 0.001,
  s: 1,
  sec: 1,
  secs: 1,
  m: 60,
  min: 60,
  mins: 60,
  h: 3600,
  d: 86_400,
};

/** Parses a duration to seconds: `90` or `90s`, `15m`, `2h`, `1d` (fractions allowed). */
export function parseDuration(text: string | number): number {
  if (typeof text === 'number') return checkedSeconds(text, String(text));
  const match = DURATION.exec(text.trim());
  if (!match) {
    throw new InvalidQuantityError(
      `${JSON.stringify(text)} is not a duration: use seconds or a number with s, m, h or d, e.g. 90s, 15m, 2h`,
    );
  }
  const [, number = '', unit = 's'] = match;
  return checkedSeconds(Number(number) * (SECONDS[unit.toLowerCase()] ?? 1), text);
}

function checkedSeconds(value: number, text: string): number {
  if (!Number.isFinite(value) || value < 0) {
    throw new InvalidQuantityError(`${JSON.stringify(text)} is not a duration: it must be zero or more`);
  }
  return value;
}

/**
 * How a duration reads. Every style prints the two largest units:
 * - `approx` (alerts, health): seconds only under a minute (fractions kept), a zero second unit left out:
 *   `45 s`, `1.3 s`, `35 min`, `1 h`, `2 h 5 min`, `2 d 4 h`.
 * - `exact` (cutover notifications, which state elapsed times and deadlines): whole seconds, seconds kept
 *   under an hour, zeros shown, days from 48 h: `42 min 30 s`, `1 h 0 min`, `47 h 59 min`, `2 d 0 h`.
 * - `compact` (progress lines): like `exact` without spaces, padded, never days: `45s`, `2m05s`, `1h02m`.
 */
export type DurationStyle = 'approx' | 'exact' | 'compact';

interface StyleRules {
  readonly whole: boolean;
  readonly secondsUnderHour: boolean;
  readonly keepZero: boolean;
  readonly daysFrom: number;
  readonly compact: boolean;
}

const STYLES: Record<DurationStyle, StyleRules> = {
  approx: { whole: false, secondsUnderHour: false, keepZero: false, daysFrom: 86_400, compact: false },
  exact: { whole: true, secondsUnderHour: true, keepZero: true, daysFrom: 2 * 86_400, compact: false },
  compact: { whole: true, secondsUnderHour: true, keepZero: true, daysFrom: Infinity, compact: true },
};

const UNIT = { d: ['d', 'd'], h: ['h', 'h'], min: ['min', 'm'], s: ['s', 's'] } as const;

/** The one duration formatter; see DurationStyle. */
export function formatDuration(seconds: number, style: DurationStyle = 'approx'): string {
  const rules = STYLES[style];
  const value = rules.whole ? Math.max(0, Math.round(seconds)) : seconds;
  const unit = (name: keyof typeof UNIT) => UNIT[name][rules.compact ? 1 : 0];
  const part = (n: number | string, name: keyof typeof UNIT, padded = false) =>
    `${padded && rules.compact ? String(n).padStart(2, '0') : n}${rules.compact ? '' : ' '}${unit(name)}`;
  if (value < 60) return part(Number.isInteger(value) ? value : value.toFixed(1), 's');
  const whole = Math.floor(value);
  const [big, bigUnit, small, smallUnit] =
    whole >= rules.daysFrom
      ? ([Math.floor(whole / 86_400), 'd', Math.floor((whole % 86_400) / 3600), 'h'] as const)
      : whole >= 3600
        ? ([Math.floor(whole / 3600), 'h', Math.floor((whole % 3600) / 60), 'min'] as const)
        : ([Math.floor(whole / 60), 'min', whole % 60, 's'] as const);
  const first = part(big, bigUnit);
  if (smallUnit === 's' && !rules.secondsUnderHour) return first;
  if (small === 0 && !rules.keepZero) return first;
  return `${first}${rules.compact ? '' : ' '}${part(small, smallUnit, true)}`;
}

/** 1234567 -> "1,234,567": exact numbers in message bodies. */
export function groupDigits(value: number): string {
  return Math.round(value)
    .toString()
    .replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}
