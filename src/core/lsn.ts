import { OrchestratorError } from './errors.js';

/**
 * A PostgreSQL write-ahead-log position (pg_lsn): a 64-bit unsigned byte offset.
 * Branded so that a plain bigint (a byte count, say) is never mistaken for a position.
 */
export type Lsn = bigint & { readonly __brand: 'Lsn' };

const MAX_LSN = (1n << 64n) - 1n;
// PostgreSQL's pg_lsn input accepts 1 to 8 hex digits on each side of the slash.
const LSN_PATTERN = /^([0-9a-f]{1,8})\/([0-9a-f]{1,8})$/i;
const CHECKPOINT_PREFIX = 'checkpoint:';

export class InvalidLsnError extends OrchestratorError {
  override readonly name = 'InvalidLsnError';

  constructor(
    readonly field: string,
    readonly value: unknown,
  ) {
    super(
      `${field}: ${describe(value)} is not a PostgreSQL LSN`,
      'Give an LSN as two hexadecimal numbers of 1 to 8 digits separated by a slash, e.g. 4AF/B00000D0',
    );
  }
}

export class InvalidCheckpointError extends OrchestratorError {
  override readonly name = 'InvalidCheckpointError';

  constructor(
    readonly value: unknown,
    why: string,
  ) {
    super(
      `RecoveryCheckpoint ${describe(value)} cannot be read: ${why}`,
      'Pass the RecoveryCheckpoint exactly as DescribeReplicationTasks returns it, e.g. checkpoint:V1#1#000004AF/B00000D0#0#0#*#0#0',
    );
  }
}

/** Renders any bad input for an error message; JSON.stringify throws on bigint. */
function describe(value: unknown): string {
  return typeof value === 'bigint' ? `${value}n` : (JSON.stringify(value) ?? String(value));
}

/** Makes an Lsn from a byte offset; throws if it is outside 0..2^64-1. */
export function lsnFromBigInt(value: bigint, field = 'lsn'): Lsn {
  if (value < 0n || value > MAX_LSN) throw new InvalidLsnError(field, value.toString());
  return value as Lsn;
}

/** Parses `X/Y` (hex, any case). `field` names the input in the error. */
export function parseLsn(text: unknown, field = 'lsn'): Lsn {
  if (typeof text !== 'string') throw new InvalidLsnError(field, text);
  const match = LSN_PATTERN.exec(text.trim());
  if (!match) throw new InvalidLsnError(field, text);
  const [, high = '', low = ''] = match;
  return ((BigInt(`0x${high}`) << 32n) | BigInt(`0x${low}`)) as Lsn;
}

export function isLsn(text: unknown): text is string {
  return typeof text === 'string' && LSN_PATTERN.test(text.trim());
}

/** Formats in the form DMS `CdcStartPosition` and PostgreSQL 17 print: upper-case hex, no padding. */
export function formatLsn(lsn: Lsn): string {
  const high = lsn >> 32n;
  const low = lsn & 0xffffffffn;
  return `${high.toString(16).toUpperCase()}/${low.toString(16).toUpperCase()}`;
}

export function compareLsn(a: Lsn, b: Lsn): -1 | 0 | 1 {
  if (a < b) return -1;
  if (a > b) return 1;
  return 0;
}

/** Bytes from `b` to `a` (negative when `a` is behind `b`), like pg_wal_lsn_diff(a, b). */
export function lsnDiff(a: Lsn, b: Lsn): bigint {
  return a - b;
}

export function maxLsn(a: Lsn, b: Lsn): Lsn {
  return a >= b ? a : b;
}

/**
 * Reads the LSN inside a DMS RecoveryCheckpoint, `checkpoint:V1#1#000004AF/B00000D0#0#0#*#0#0`.
 * The third `#` field is the position DMS will resume from; it is a valid CdcStartPosition.
 */
export function lsnFromCheckpoint(checkpoint: unknown): Lsn {
  if (typeof checkpoint !== 'string') throw new InvalidCheckpointError(checkpoint, 'it is not a string');
  if (!checkpoint.startsWith(CHECKPOINT_PREFIX)) {
    throw new InvalidCheckpointError(checkpoint, `it does not start with "${CHECKPOINT_PREFIX}"`);
  }
  const fields = checkpoint.slice(CHECKPOINT_PREFIX.length).split('#');
  const position = fields[2];
  if (fields.length < 3 || position === undefined) {
    throw new InvalidCheckpointError(checkpoint, 'it has fewer than three #-separated fields');
  }
  if (!isLsn(position))
    throw new InvalidCheckpointError(checkpoint, `its position "${position}" is not an LSN`);
  return parseLsn(position);
}
