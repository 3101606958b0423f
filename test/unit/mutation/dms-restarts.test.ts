import { describe, expect, it } from 'vitest';
import {
  DMS_RECOVERABLE_ERROR_DEFAULTS,
  recoverableErrorBehavior,
  restartsOnRecoverableError,
} from '../../../src/core/recovery/dms-restarts.js';

/** How DMS restarts a task by itself, read from ReplicationTaskSettings (mutation testing). */
const settings = (errorBehavior: unknown) => JSON.stringify({ ErrorBehavior: errorBehavior });

describe('recoverableErrorBehavior', () => {
  it('uses DMS defaults (-1 attempts, 5 s apart) for absent, blank, unreadable or partial settings', () => {
    expect(DMS_RECOVERABLE_ERROR_DEFAULTS).toEqual({ count: -1, intervalSeconds: 5 });
    for (const text of [undefined, '', '  ', 'not json', 'null', '[]', '{}', settings(null), settings([1])]) {
      expect(recoverableErrorBehavior(text)).toEqual({ count: -1, intervalSeconds: 5 });
    }
  });

  it('reads both settings when they are integers', () => {
    expect(
      recoverableErrorBehavior(settings({ RecoverableErrorCount: 3, RecoverableErrorInterval: 30 })),
    ).toEqual({
      count: 3,
      intervalSeconds: 30,
    });
    expect(recoverableErrorBehavior(settings({ RecoverableErrorCount: 0 }))).toEqual({
      count: 0,
      intervalSeconds: 5,
    });
  });

  it('ignores values that are not integers', () => {
    expect(
      recoverableErrorBehavior(settings({ RecoverableErrorCount: '3', RecoverableErrorInterval: 2.5 })),
    ).toEqual({ count: -1, intervalSeconds: 5 });
  });
});

describe('restartsOnRecoverableError', () => {
  it('is true for every count but 0, DMS default included', () => {
    expect(restartsOnRecoverableError(undefined)).toBe(true);
    expect(restartsOnRecoverableError(settings({ RecoverableErrorCount: -1 }))).toBe(true);
    expect(restartsOnRecoverableError(settings({ RecoverableErrorCount: 1 }))).toBe(true);
    expect(restartsOnRecoverableError(settings({ RecoverableErrorCount: 0 }))).toBe(false);
  });
});
