import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  failureText,
  parseStopReason,
  STOP_REASON_CODES,
  stopReasonCode,
  taskStopReason,
} from '../../../src/core/stop-reason.js';

/**
 * StopReason parsing at its edges: spacing DMS or a person may use, texts around the code, and which of
 * StopReason and LastFailureMessage a task's reason and message come from (mutation testing).
 */
const NOTHING = { code: undefined, lastError: undefined, errorLevel: undefined };

describe('parseStopReason: spacing and edges', () => {
  it('reads nothing from an empty or blank text, as three explicit unknowns', () => {
    for (const text of [undefined, '', '   ', '\n\t']) {
      expect(parseStopReason(text)).toStrictEqual(NOTHING);
    }
  });

  it('reads a failure written with runs of spaces between every part', () => {
    expect(
      parseStopReason('Last Error   boom  Stop Reason   FATAL_ERROR   Error Level   FATAL'),
    ).toStrictEqual({ code: 'FATAL_ERROR', lastError: 'boom', errorLevel: 'FATAL' });
  });

  it('reads the message glued to the "Last Error" label', () => {
    expect(parseStopReason('Last Error:ODBC Stop Reason FATAL_ERROR Error Level FATAL').lastError).toBe(
      ':ODBC',
    );
  });

  it('takes no message from a text without the "Last Error" label', () => {
    expect(parseStopReason('Something happened Stop Reason FATAL_ERROR Error Level FATAL')).toStrictEqual({
      code: 'FATAL_ERROR',
      lastError: undefined,
      errorLevel: 'FATAL',
    });
  });

  it('reads the code from a text that goes on after it, but nothing else (it is not where DMS appends it)', () => {
    expect(
      parseStopReason('Last Error boom Stop Reason FATAL_ERROR Error Level FATAL, see the log'),
    ).toStrictEqual({
      code: 'FATAL_ERROR',
      lastError: undefined,
      errorLevel: undefined,
    });
    expect(stopReasonCode('Stop Reason  RECOVERABLE_ERROR was reported')).toBe('RECOVERABLE_ERROR');
  });

  it('skips unknown codes when it searches the text: the last known one counts', () => {
    expect(stopReasonCode('Stop Reason FATAL_ERROR then Stop Reason SOMETHING_NEW, more text')).toBe(
      'FATAL_ERROR',
    );
    expect(stopReasonCode('Stop Reason SOMETHING_NEW, then Stop Reason NORMAL, more text')).toBe('NORMAL');
  });

  it('reads a bare code with surrounding whitespace, in any case', () => {
    expect(parseStopReason('  fatal_error\n')).toStrictEqual({ ...NOTHING, code: 'FATAL_ERROR' });
    expect(stopReasonCode('STOPPED_AT_SERVER_TIME.')).toBeUndefined();
  });

  it('reads every code and level in any case, with the level upper-cased (property)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...STOP_REASON_CODES),
        fc.constantFrom('FATAL', 'RECOVERABLE'),
        fc.boolean(),
        fc.integer({ min: 1, max: 3 }),
        (code, level, lower, spaces) => {
          const gap = ' '.repeat(spaces);
          const text = `Last Error x Stop Reason${gap}${lower ? code.toLowerCase() : code} Error Level${gap}${
            lower ? level.toLowerCase() : level
          }`;
          const parsed = parseStopReason(text);
          return parsed.code === code && parsed.errorLevel === level && parsed.lastError === 'x';
        },
      ),
    );
  });
});

describe('taskStopReason: StopReason first, LastFailureMessage for what it lacks', () => {
  it('keeps the StopReason code and takes the message from a LastFailureMessage in the failure form', () => {
    expect(
      taskStopReason({
        stopReason: 'Stop Reason FATAL_ERROR',
        lastFailureMessage: failureText('RECOVERABLE_ERROR', 'boom'),
      }),
    ).toStrictEqual({ code: 'FATAL_ERROR', lastError: 'boom', errorLevel: undefined });
  });

  it('keeps the message StopReason itself carries over the LastFailureMessage one', () => {
    expect(
      taskStopReason({
        stopReason: failureText('FATAL_ERROR', 'from the reason'),
        lastFailureMessage: failureText('FATAL_ERROR', 'from the failure'),
      }).lastError,
    ).toBe('from the reason');
  });

  it('takes the whole failure from LastFailureMessage when StopReason names no code', () => {
    expect(
      taskStopReason({ stopReason: 'Task error', lastFailureMessage: failureText('FATAL_ERROR', 'boom') }),
    ).toStrictEqual({ code: 'FATAL_ERROR', lastError: 'boom', errorLevel: 'FATAL' });
  });

  it('with no code anywhere, the message is the LastFailureMessage without its label, trimmed', () => {
    expect(taskStopReason({ stopReason: undefined, lastFailureMessage: 'Last Error  boom  ' })).toStrictEqual(
      NOTHING_WITH('boom'),
    );
    expect(taskStopReason({ stopReason: null, lastFailureMessage: ' plain words ' })).toStrictEqual(
      NOTHING_WITH('plain words'),
    );
  });

  it('with nothing at all, knows nothing (and does not fail)', () => {
    expect(taskStopReason({ stopReason: undefined, lastFailureMessage: undefined })).toStrictEqual(NOTHING);
    expect(taskStopReason({ stopReason: null, lastFailureMessage: null })).toStrictEqual(NOTHING);
    expect(taskStopReason({ stopReason: '', lastFailureMessage: '  ' })).toStrictEqual(NOTHING);
    expect(taskStopReason({ stopReason: '', lastFailureMessage: 'Last Error ' })).toStrictEqual(NOTHING);
  });

  it('a plain StopReason with a label-only LastFailureMessage has no message', () => {
    expect(taskStopReason({ stopReason: 'Stop Reason NORMAL', lastFailureMessage: undefined })).toStrictEqual(
      { code: 'NORMAL', lastError: undefined, errorLevel: undefined },
    );
  });
});

function NOTHING_WITH(lastError: string) {
  return { code: undefined, lastError, errorLevel: undefined };
}
