import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../../src/core/errors.js';
import { parseHealthConfig, resolveSource } from '../../../src/core/health/config.js';
import { safeWalBytes } from '../../../src/core/health/safe-wal.js';

const SECRET = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:dms-cdc/orders-AbCdEf';
const MiB = 1024 ** 2;

function resolved(source: Record<string, unknown> = {}, defaults?: Record<string, unknown>) {
  const config = parseHealthConfig({
    ...(defaults ? { defaults } : {}),
    sources: [{ name: 'a', secretArn: SECRET, ...source }],
  });
  return resolveSource(config.sources[0] as never, config.defaults);
}

function refusal(source: Record<string, unknown>, defaults?: Record<string, unknown>): InvalidInputError {
  try {
    resolved(source, defaults);
  } catch (error) {
    if (error instanceof InvalidInputError) return error;
    throw error;
  }
  throw new Error('accepted');
}

describe('early-warning thresholds in the health configuration', () => {
  it('safe WAL by default: WARNING under 50% of max_slot_wal_keep_size, CRITICAL under 20%', () => {
    const { safeWal } = resolved().thresholds;
    expect(safeWalBytes(safeWal.warning, 64 * MiB)).toBe(32 * MiB);
    expect(safeWalBytes(safeWal.critical, 64 * MiB)).toBe(Math.round(12.8 * MiB));
  });

  it('safe WAL levels take a percent of the limit or an absolute size; null switches one off', () => {
    const source = resolved(
      { thresholds: { safeWal: { warning: '512MB', critical: null } } },
      { thresholds: { safeWal: { warning: '40%', critical: '10 %' } } },
    );
    expect(source.thresholds.safeWal).toEqual({ warning: { bytes: 512 * MiB }, critical: null });
    const fromDefaults = resolved({}, { thresholds: { safeWal: { warning: '40%', critical: '10 %' } } });
    expect(fromDefaults.thresholds.safeWal).toEqual({ warning: { percent: 40 }, critical: { percent: 10 } });
    expect(resolved({ thresholds: { safeWal: { critical: 1048576 } } }).thresholds.safeWal.critical).toEqual({
      bytes: MiB,
    });
  });

  it('forecast and idle-timeout thresholds are durations where less is worse (defaults 6 h / 1 h)', () => {
    const source = resolved({ thresholds: { safeWalForecast: { warning: '12h', critical: '90m' } } });
    expect(source.thresholds.safeWalForecast).toEqual({ warning: 12 * 3600, critical: 90 * 60 });
    expect(source.thresholds.walDiskForecast).toEqual({ warning: 6 * 3600, critical: 3600 });
    expect(source.thresholds.idleTimeoutLeft).toEqual({ warning: 6 * 3600, critical: 3600 });
  });

  it('hysteresis and the minimum notification interval: defaults 10% and 10 min, source over defaults', () => {
    expect(resolved()).toMatchObject({ hysteresisPercent: 10, minNotifyMinutes: 10 });
    expect(resolved({ hysteresisPercent: 5 }, { hysteresisPercent: 20, minNotifyMinutes: 0 })).toMatchObject({
      hysteresisPercent: 5,
      minNotifyMinutes: 0,
    });
  });

  it.each([
    [{ thresholds: { safeWal: { warning: '150%' } } }, 'sources.0.thresholds.safeWal.warning', /over 100%/],
    [{ thresholds: { safeWal: { warning: 'half' } } }, 'sources.0.thresholds.safeWal.warning', /50%/],
    [{ thresholds: { safeWal: { warn: '50%' } } }, 'sources.0.thresholds.safeWal.warn', /./],
    [
      { thresholds: { safeWalForecast: { warning: 'soon' } } },
      'sources.0.thresholds.safeWalForecast.warning',
      /duration/,
    ],
    [{ hysteresisPercent: 80 }, 'sources.0.hysteresisPercent', /50/],
    [{ minNotifyMinutes: -1 }, 'sources.0.minNotifyMinutes', /0/],
  ])('refuses %j naming %s', (source, field, message) => {
    const error = refusal(source);
    expect(error.field).toBe(`config.${field}`);
    expect(error.message).toMatch(message);
  });

  it('refuses a warning that could never fire before the critical (less is worse)', () => {
    expect(refusal({ thresholds: { safeWalForecast: { warning: '30m' } } }).message).toMatch(
      /safeWalForecast: warning 1800 is below critical 3600 for source a/,
    );
    expect(refusal({ thresholds: { safeWal: { warning: '10%' } } }).message).toMatch(
      /safeWal: warning 10% is below critical 20% \(less safe WAL is worse\)/,
    );
    // Of different kinds they cannot be compared without the server's limit: accepted.
    expect(() => resolved({ thresholds: { safeWal: { warning: '1MB' } } })).not.toThrow();
  });
});
