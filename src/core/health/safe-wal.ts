import * as z from 'zod';
import { InvalidQuantityError, parseSize } from './sizes.js';

/**
 * safe_wal_size thresholds: how much WAL may still be written before the slot is past
 * max_slot_wal_keep_size. Less is worse. A level is a share of max_slot_wal_keep_size (`"50%"`) or an
 * absolute size (`"512MB"`, bytes as a number), so the defaults follow whatever limit each server has.
 */
export type SafeWalLevel = { readonly percent: number } | { readonly bytes: number };

export interface SafeWalThreshold {
  readonly warning: SafeWalLevel | null;
  readonly critical: SafeWalLevel | null;
}

/** WARNING once less than half of max_slot_wal_keep_size remains, CRITICAL under a fifth. */
export const DEFAULT_SAFE_WAL: SafeWalThreshold = {
  warning: { percent: 50 },
  critical: { percent: 20 },
};

const PERCENT = /^([0-9]+(?:\.[0-9]+)?)\s*%$/;

export const SafeWalLevelSchema = z.union([z.number(), z.string()]).transform((value, ctx): SafeWalLevel => {
  const percent = typeof value === 'string' ? PERCENT.exec(value.trim()) : null;
  if (percent) {
    const share = Number(percent[1]);
    if (share <= 100) return { percent: share };
    ctx.addIssue({
      code: 'custom',
      message: `${JSON.stringify(value)} is over 100% of max_slot_wal_keep_size`,
    });
    return z.NEVER;
  }
  try {
    return { bytes: parseSize(value) };
  } catch (error) {
    if (!(error instanceof InvalidQuantityError)) throw error;
    ctx.addIssue({
      code: 'custom',
      message: `${error.message}, or a share of max_slot_wal_keep_size like 50%`,
    });
    return z.NEVER;
  }
});

/** The bytes a level stands for on a server whose max_slot_wal_keep_size is `limitBytes`. */
export function safeWalBytes(level: SafeWalLevel | null, limitBytes: number): number | null {
  if (level === null) return null;
  return 'percent' in level ? Math.round((limitBytes * level.percent) / 100) : level.bytes;
}

/** A warning below the critical level (of the same kind) can never fire first: the reason, else null. */
export function safeWalOrderProblem(threshold: SafeWalThreshold): string | null {
  const { warning, critical } = threshold;
  if (warning === null || critical === null) return null;
  const [w, c] =
    'percent' in warning && 'percent' in critical
      ? [warning.percent, critical.percent]
      : 'bytes' in warning && 'bytes' in critical
        ? [warning.bytes, critical.bytes]
        : [null, null];
  if (w === null || c === null || w >= c) return null;
  return `warning ${show(warning)} is below critical ${show(critical)} (less safe WAL is worse)`;
}

export function show(level: SafeWalLevel): string {
  return 'percent' in level ? `${level.percent}%` : `${level.bytes} bytes`;
}
