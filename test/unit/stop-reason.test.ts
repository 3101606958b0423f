import { describe, expect, it } from 'vitest';
import { STOP_REASON_CODES, stopReasonCode, stopReasonText } from '../../src/core/stop-reason.js';

describe('stop reasons', () => {
  it.each(STOP_REASON_CODES)('round-trips %s through the DMS text form', (code) => {
    expect(stopReasonText(code)).toBe(`Stop Reason ${code}`);
    expect(stopReasonCode(stopReasonText(code))).toBe(code);
  });

  it('reads a bare code and ignores case and spacing', () => {
    expect(stopReasonCode('FATAL_ERROR')).toBe('FATAL_ERROR');
    expect(stopReasonCode('  stop reason  recoverable_error ')).toBe('RECOVERABLE_ERROR');
  });

  it('returns undefined for nothing or something unknown', () => {
    expect(stopReasonCode(undefined)).toBeUndefined();
    expect(stopReasonCode('')).toBeUndefined();
    expect(stopReasonCode('Stop Reason SOMETHING_NEW')).toBeUndefined();
  });
});
