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

/** `45 s`, `12 min`, `3 h 5 min`, `2 d 4 h`: the two largest units. */
export function formatDuration(seconds: number): string {
  if (seconds < 60) return `${Number.isInteger(seconds) ? seconds : seconds.toFixed(1)} s`;
  const whole = Math.floor(seconds);
  const days = Math.floor(whole / 86_400);
  const hours = Math.floor((whole % 86_400) / 3600);
  const minutes = Math.floor((whole % 3600) / 60);
  if (days > 0) return hours > 0 ? `${days} d ${hours} h` : `${days} d`;
  if (hours > 0) return minutes > 0 ? `${hours} h ${minutes} min` : `${hours} h`;
  return `${minutes} min`;
}

/** 1234567 -> "1,234,567": exact numbers in message bodies. */
export function groupDigits(value: number): string {
  return Math.round(value)
    .toString()
    .replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}
