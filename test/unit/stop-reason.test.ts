import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  describeStopReason,
  type FailureCode,
  failureText,
  parseStopReason,
  STOP_REASON_CODES,
  stopReasonCode,
  stopReasonText,
  taskStopReason,
} from '../../src/core/stop-reason.js';

describe('stop reasons: the plain form', () => {
  it.each(STOP_REASON_CODES)('round-trips %s through the DMS text form', (code) => {
    expect(stopReasonText(code)).toBe(`Stop Reason ${code}`);
    expect(parseStopReason(stopReasonText(code))).toStrictEqual({
      code,
      lastError: undefined,
      errorLevel: undefined,
    });
  });

  it('reads a bare code and ignores case and spacing (as a person types it)', () => {
    expect(stopReasonCode('FATAL_ERROR')).toBe('FATAL_ERROR');
    expect(stopReasonCode('  stop reason  recoverable_error ')).toBe('RECOVERABLE_ERROR');
  });

  it('returns no code for nothing or something unknown', () => {
    expect(stopReasonCode(undefined)).toBeUndefined();
    expect(stopReasonCode('')).toBeUndefined();
    expect(stopReasonCode('Stop Reason SOMETHING_NEW')).toBeUndefined();
    expect(stopReasonCode('Replication task has stopped.')).toBeUndefined();
  });
});

describe('stop reasons: the failure form DMS writes', () => {
  it.each([
    [
      'the form DMS writes (two spaces after Last Error)',
      'Last Error  ODBC general error. Stop Reason RECOVERABLE_ERROR Error Level RECOVERABLE',
      { code: 'RECOVERABLE_ERROR', lastError: 'ODBC general error.', errorLevel: 'RECOVERABLE' },
    ],
    [
      'a fatal error with a subtask trace',
      'Last Error Replication slot "dms_slot" does not exist Task error notification received from subtask 0, ' +
        'thread 0 [reptask/replicationtask.c:2822] [1020455] Stop Reason FATAL_ERROR Error Level FATAL',
      {
        code: 'FATAL_ERROR',
        lastError:
          'Replication slot "dms_slot" does not exist Task error notification received from subtask 0, thread 0 ' +
          '[reptask/replicationtask.c:2822] [1020455]',
        errorLevel: 'FATAL',
      },
    ],
    [
      // The shape of the DMS-EVENT-0078 notification text: a lead-in, line breaks, a final full stop.
      'the notification form, with a lead-in, line breaks and a full stop',
      'Replication task has failed.\nReason: Last Error  Endpoint initialization failed.\nTask error notification ' +
        'received from subtask 0, thread 1\n Stop Reason FATAL_ERROR Error Level FATAL.',
      {
        code: 'FATAL_ERROR',
        lastError:
          'Endpoint initialization failed.\nTask error notification received from subtask 0, thread 1',
        errorLevel: 'FATAL',
      },
    ],
    [
      'a message that itself quotes another stop reason',
      'Last Error previous run ended with Stop Reason NORMAL Error Level NONE; slot lost Stop Reason FATAL_ERROR ' +
        'Error Level FATAL',
      {
        code: 'FATAL_ERROR',
        lastError: 'previous run ended with Stop Reason NORMAL Error Level NONE; slot lost',
        errorLevel: 'FATAL',
      },
    ],
  ])('reads %s', (_label, text, expected) => {
    expect(parseStopReason(text)).toStrictEqual(expected);
  });

  it('does not take a code from the message when the one DMS appended is unknown', () => {
    expect(
      stopReasonCode('Last Error was FATAL_ERROR before Stop Reason FATAL_ERROR x Stop Reason NEW_CODE'),
    ).toBe(undefined);
  });

  it('finds a known code that is not at the end (a text this code has not seen yet)', () => {
    expect(stopReasonCode('Stop Reason FATAL_ERROR (task stopped after 7 recovery attempts)')).toBe(
      'FATAL_ERROR',
    );
  });

  it.each<[FailureCode, string]>([
    ['RECOVERABLE_ERROR', 'RECOVERABLE'],
    ['FATAL_ERROR', 'FATAL'],
  ])('writes %s as DMS does', (code, level) => {
    expect(failureText(code, 'slot is active for PID 42')).toBe(
      `Last Error slot is active for PID 42 Stop Reason ${code} Error Level ${level}`,
    );
  });
});

describe('stop reasons: any message text', () => {
  // Messages built from the words that could confuse a reader of the text, plus arbitrary text.
  const fragment = fc.constantFrom(
    'Stop Reason',
    'Stop Reason ',
    'Stop Reason NORMAL',
    'Stop Reason FATAL_ERROR Error Level FATAL',
    'Error Level',
    'Last Error',
    'RECOVERABLE_ERROR',
    'STOPPED_AT_SERVER_TIME',
    '.',
    '. ',
    '\n',
    '\r\n',
    ' ',
    '"',
    'Stop',
  );
  const message = fc
    .array(fc.oneof(fragment, fc.string(), fc.string({ unit: 'grapheme' }), fc.string({ unit: 'binary' })), {
      maxLength: 12,
    })
    .map((parts) => parts.join(''));
  const failure = fc.constantFrom<FailureCode>('RECOVERABLE_ERROR', 'FATAL_ERROR');

  it('reads back exactly the code DMS embedded in a failure, and the message around it', () => {
    fc.assert(
      fc.property(message, failure, (text, code) => {
        const parsed = parseStopReason(failureText(code, text));
        expect(parsed.code).toBe(code);
        expect(parsed.errorLevel).toBe(code === 'FATAL_ERROR' ? 'FATAL' : 'RECOVERABLE');
        expect(parsed.lastError).toBe(text.trim() || undefined);
      }),
      { numRuns: 500 },
    );
  });

  it('reads back any documented code written after any text, with or without an Error Level', () => {
    fc.assert(
      fc.property(
        message,
        fc.constantFrom(...STOP_REASON_CODES),
        fc.constantFrom('', ' Error Level FATAL', ' Error Level RECOVERABLE'),
        fc.constantFrom('', '.', '\n', ' '),
        (text, code, level, end) => {
          expect(stopReasonCode(`Last Error ${text} Stop Reason ${code}${level}${end}`)).toBe(code);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('taskStopReason: StopReason first, LastFailureMessage when it names no code', () => {
  const fatal =
    'Last Error  No tables were found at task initialization. Stop Reason FATAL_ERROR Error Level FATAL';

  it('reads the long form from StopReason', () => {
    expect(taskStopReason({ stopReason: fatal, lastFailureMessage: fatal })).toStrictEqual({
      code: 'FATAL_ERROR',
      lastError: 'No tables were found at task initialization.',
      errorLevel: 'FATAL',
    });
  });

  it.each([undefined, null, '', 'Task error'])(
    'falls back to LastFailureMessage when StopReason is %j',
    (stop) => {
      expect(taskStopReason({ stopReason: stop, lastFailureMessage: fatal }).code).toBe('FATAL_ERROR');
    },
  );

  it('keeps the message of a LastFailureMessage that carries no code beside a plain StopReason', () => {
    const documented =
      'Last Error Resume from timestamp is not supported Task error notification received from subtask 0, thread 0';
    expect(
      taskStopReason({ stopReason: 'Stop Reason FATAL_ERROR', lastFailureMessage: documented }),
    ).toStrictEqual({
      code: 'FATAL_ERROR',
      lastError:
        'Resume from timestamp is not supported Task error notification received from subtask 0, thread 0',
      errorLevel: undefined,
    });
  });

  it('describes it in a few words for a notification, or gives the raw text when no code is known', () => {
    expect(describeStopReason(parseStopReason(fatal), fatal)).toBe('FATAL_ERROR, Error Level FATAL');
    expect(describeStopReason(parseStopReason('Stop Reason NORMAL'), 'Stop Reason NORMAL')).toBe('NORMAL');
    expect(describeStopReason(parseStopReason('something new'), ' something new ')).toBe('something new');
    expect(describeStopReason(parseStopReason(undefined), null)).toBeUndefined();
  });
});
