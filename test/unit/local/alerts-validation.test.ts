import { describe, expect, it } from 'vitest';
import {
  InvalidAlertMessageError,
  PAYLOAD_MARKER,
  parseAlertMessage,
  SNS_LIMITS,
  toSnsPublishFields,
  validateAlertMessage,
} from '../../../src/core/alerts/sns-message.js';
import type { AlertMessage } from '../../../src/ports/alerts.js';

const ALERT: AlertMessage = {
  subject: '[WARNING] orders-db slot dms_slot: lag 6.0 GiB >= 5 GiB',
  body: 'Lag to confirmed_flush_lsn is 6.0 GiB.',
  payload: { lagBytes: 6_442_450_944 },
  attributes: { severity: 'WARNING', source: 'orders-db', slot: 'dms_slot', metric: 'lagBytes' },
};

function withSubject(subject: string): AlertMessage {
  return { ...ALERT, subject };
}

describe('validateAlertMessage (what SNS Publish would refuse)', () => {
  it('accepts a well-formed alert', () => {
    expect(validateAlertMessage(ALERT)).toEqual([]);
  });

  it.each([
    ['empty', '', 'subject is empty'],
    ['100 characters', 'x'.repeat(100), 'subject is 100 characters, SNS allows at most 99'],
    ['a line break', '[WARNING] lag\nhigh', 'subject must be printable ASCII with no line breaks'],
    ['non-ASCII', '[WARNING] lag ≥ 5 GiB', 'subject must be printable ASCII with no line breaks'],
    ['a tab', '[WARNING]\tlag', 'subject must be printable ASCII with no line breaks'],
    ['a leading space', ' [WARNING] lag', 'subject must start with a letter, number or punctuation mark'],
  ])('refuses a subject with %s', (_case, subject, problem) => {
    expect(validateAlertMessage(withSubject(subject))).toEqual([problem]);
  });

  it('accepts a 99-character subject', () => {
    expect(validateAlertMessage(withSubject('x'.repeat(SNS_LIMITS.subjectMaxChars)))).toEqual([]);
  });

  it.each([
    ['AWS.severity', 'is not valid'],
    ['amazon.slot', 'is not valid'],
    ['.slot', 'is not valid'],
    ['slot.', 'is not valid'],
    ['slot..name', 'is not valid'],
    ['slot name', 'is not valid'],
    ['s'.repeat(257), 'is not valid'],
  ])('refuses the attribute name %s', (name, problem) => {
    const problems = validateAlertMessage({ ...ALERT, attributes: { ...ALERT.attributes, [name]: 'x' } });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(problem);
  });

  it('refuses empty attribute values and an unknown severity, all at once', () => {
    const attributes = { ...ALERT.attributes, severity: 'PANIC', source: '', slot: '' } as never;
    expect(validateAlertMessage({ ...ALERT, attributes })).toEqual([
      'severity must be one of INFO, WARNING, CRITICAL, RESOLVED',
      'attribute source must be a non-empty string',
      'attribute slot must be a non-empty string',
    ]);
  });

  it('requires the source attribute', () => {
    const { source: _missing, ...attributes } = ALERT.attributes;
    expect(validateAlertMessage({ ...ALERT, attributes: attributes as never })).toEqual([
      'attribute source is required',
    ]);
  });

  it('omits undefined attributes, and refuses more than 10 present ones', () => {
    const many = Object.fromEntries(Array.from({ length: 7 }, (_, i) => [`extra${i}`, 'x']));
    expect(
      validateAlertMessage({ ...ALERT, attributes: { ...ALERT.attributes, unused: undefined } }),
    ).toEqual([]);
    expect(validateAlertMessage({ ...ALERT, attributes: { ...ALERT.attributes, ...many } })).toEqual([
      '11 message attributes, at most 10',
    ]);
  });

  it('counts message and attribute bytes against the 256 KiB limit', () => {
    const fixed = Buffer.byteLength(toSnsPublishFields({ ...ALERT, body: 'x' }).Message) - 1;
    const attributes = Object.entries(ALERT.attributes).reduce(
      (sum, [name, value]) => sum + name.length + 'String'.length + (value ?? '').length,
      0,
    );
    const fits = SNS_LIMITS.messageMaxBytes - fixed - attributes;
    expect(validateAlertMessage({ ...ALERT, body: 'x'.repeat(fits) })).toEqual([]);
    expect(validateAlertMessage({ ...ALERT, body: 'x'.repeat(fits + 1) })).toEqual([
      `message and attributes are ${SNS_LIMITS.messageMaxBytes + 1} bytes, over ${SNS_LIMITS.messageMaxBytes}`,
    ]);
  });

  it('refuses control characters and a payload that is not JSON', () => {
    expect(validateAlertMessage({ ...ALERT, body: 'lag\u0000' })).toEqual([
      'body or payload has control characters or invalid UTF-16',
    ]);
    expect(validateAlertMessage({ ...ALERT, payload: { big: 1n } as never })[0]).toMatch(
      /^payload is not JSON-serialisable/,
    );
    expect(validateAlertMessage({ ...ALERT, body: '  ' })).toEqual(['body is empty']);
  });
});

describe('toSnsPublishFields', () => {
  it('fills Subject, Message and String MessageAttributes the way Publish takes them', () => {
    const fields = toSnsPublishFields(ALERT);
    expect(fields).toEqual({
      Subject: ALERT.subject,
      Message: `${ALERT.body}\n\n${PAYLOAD_MARKER}\n{"lagBytes":6442450944}`,
      MessageAttributes: {
        severity: { DataType: 'String', StringValue: 'WARNING' },
        source: { DataType: 'String', StringValue: 'orders-db' },
        slot: { DataType: 'String', StringValue: 'dms_slot' },
        metric: { DataType: 'String', StringValue: 'lagBytes' },
      },
    });
  });

  it('round-trips a body that itself contains the marker', () => {
    const body = `quoted:\n\n${PAYLOAD_MARKER}\n{"fake":true}`;
    const payload = { note: `multi\nline\n\n${PAYLOAD_MARKER}\n` };
    const { Message } = toSnsPublishFields({ ...ALERT, body, payload });
    expect(parseAlertMessage(Message)).toEqual({ body, payload });
  });

  it('throws InvalidAlertMessageError listing every problem', () => {
    expect(() => toSnsPublishFields({ ...withSubject(''), body: '' })).toThrow(
      new InvalidAlertMessageError(['subject is empty', 'body is empty']),
    );
  });
});
