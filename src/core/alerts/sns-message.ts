import type {
  AlertAttributes,
  AlertMessage,
  JsonObject,
  Severity,
  SnsPublishFields,
} from '../../ports/alerts.js';
import { OrchestratorError } from '../errors.js';

/**
 * Rendering and checking an alert for SNS Publish: pure, shared by the SNS adapter and the local sink,
 * so anything the local sink accepts, SNS Publish accepts too.
 */

export const SEVERITIES = ['INFO', 'WARNING', 'CRITICAL', 'RESOLVED'] as const satisfies readonly Severity[];

/** Separates the human body from the one-line JSON payload in the published Message. */
export const PAYLOAD_MARKER = '--- payload (JSON) ---';

/** SNS Publish limits (API reference, Publish; developer guide, message attributes). */
export const SNS_LIMITS = {
  subjectMaxChars: 99,
  messageMaxBytes: 262_144,
  maxAttributes: 10,
  attributeNameMaxChars: 256,
} as const;

/** An alert SNS would refuse; `problems` lists every reason, not only the first. */
export class InvalidAlertMessageError extends OrchestratorError {
  override readonly name = 'InvalidAlertMessageError';

  constructor(readonly problems: readonly string[]) {
    super(
      `the alert cannot be published to SNS: ${problems.join('; ')}`,
      'Shorten or correct the alert where it is built (src/core alerts); SNS rejects the whole message',
    );
  }
}

/** The Publish fields for an alert, or InvalidAlertMessageError when SNS would refuse it. */
export function toSnsPublishFields(alert: AlertMessage): SnsPublishFields {
  const problems = validateAlertMessage(alert);
  if (problems.length > 0) throw new InvalidAlertMessageError(problems);
  return {
    Subject: alert.subject,
    Message: renderMessage(alert),
    MessageAttributes: messageAttributes(alert.attributes),
  };
}

/** Every reason SNS Publish would reject this alert; empty when it is fine. */
export function validateAlertMessage(alert: AlertMessage): string[] {
  const problems = [...subjectProblems(alert.subject), ...attributeProblems(alert.attributes)];
  if (alert.body.trim() === '') problems.push('body is empty');
  if (!isPlainObject(alert.payload)) problems.push('payload is not a JSON object');
  let message: string;
  try {
    message = renderMessage(alert);
  } catch (error) {
    return [...problems, `payload is not JSON-serialisable: ${(error as Error).message}`];
  }
  if (!isSnsText(message)) problems.push('body or payload has control characters or invalid UTF-16');
  const bytes = Buffer.byteLength(message) + attributeBytes(alert.attributes);
  if (bytes > SNS_LIMITS.messageMaxBytes) {
    problems.push(`message and attributes are ${bytes} bytes, over ${SNS_LIMITS.messageMaxBytes}`);
  }
  return problems;
}

/** Reads a published Message back into body and payload (what an SQS or HTTPS consumer does). */
export function parseAlertMessage(message: string): { body: string; payload: JsonObject } {
  const at = message.lastIndexOf(`\n\n${PAYLOAD_MARKER}\n`);
  if (at < 0) throw new Error('not an alert message: the payload marker is missing');
  return {
    body: message.slice(0, at),
    payload: JSON.parse(message.slice(at + PAYLOAD_MARKER.length + 3)) as JsonObject,
  };
}

function renderMessage(alert: AlertMessage): string {
  // One line of JSON (stringify escapes newlines inside strings), so the marker cannot be forged.
  return `${alert.body}\n\n${PAYLOAD_MARKER}\n${JSON.stringify(alert.payload)}`;
}

// Subjects: ASCII, no line breaks or control characters, starting with a letter, number or
// punctuation mark, and less than 100 characters long.
function subjectProblems(subject: string): string[] {
  const problems: string[] = [];
  if (subject.length === 0) problems.push('subject is empty');
  if (subject.length > SNS_LIMITS.subjectMaxChars) {
    problems.push(
      `subject is ${subject.length} characters, SNS allows at most ${SNS_LIMITS.subjectMaxChars}`,
    );
  }
  if (!/^[\x20-\x7e]*$/u.test(subject)) problems.push('subject must be printable ASCII with no line breaks');
  if (/^\s/u.test(subject)) problems.push('subject must start with a letter, number or punctuation mark');
  return problems;
}

const ATTRIBUTE_NAME = /^[A-Za-z0-9_.-]+$/u;

function attributeProblems(attributes: AlertAttributes): string[] {
  const problems: string[] = [];
  if (!(SEVERITIES as readonly string[]).includes(attributes.severity)) {
    problems.push(`severity must be one of ${SEVERITIES.join(', ')}`);
  }
  if (attributes.source === undefined) problems.push('attribute source is required');
  const present = Object.entries(attributes).filter(([, value]) => value !== undefined);
  if (present.length > SNS_LIMITS.maxAttributes) {
    // More than 10 are dropped for SQS subscriptions with raw message delivery.
    problems.push(`${present.length} message attributes, at most ${SNS_LIMITS.maxAttributes}`);
  }
  for (const [name, value] of present)
    problems.push(...attributeNameProblems(name), ...valueProblems(name, value));
  return problems;
}

function attributeNameProblems(name: string): string[] {
  const ok =
    name.length <= SNS_LIMITS.attributeNameMaxChars &&
    ATTRIBUTE_NAME.test(name) &&
    !name.startsWith('.') &&
    !name.endsWith('.') &&
    !name.includes('..') &&
    !/^(aws|amazon)\./iu.test(name);
  return ok
    ? []
    : [
        `attribute name "${name}" is not valid (letters, digits, _ - and single inner dots, ` +
          'up to 256, not starting with AWS. or Amazon.)',
      ];
}

function valueProblems(name: string, value: string | undefined): string[] {
  if (typeof value !== 'string' || value === '') return [`attribute ${name} must be a non-empty string`];
  return isSnsText(value) ? [] : [`attribute ${name} has control characters or invalid UTF-16`];
}

function messageAttributes(attributes: AlertAttributes): SnsPublishFields['MessageAttributes'] {
  const entries = Object.entries(attributes).filter(
    (entry): entry is [string, string] => entry[1] !== undefined,
  );
  return Object.fromEntries(
    entries.map(([name, value]) => [name, { DataType: 'String', StringValue: value }]),
  );
}

// Name, DataType and value all count towards the message size limit.
function attributeBytes(attributes: AlertAttributes): number {
  return Object.entries(attributes)
    .filter(([, value]) => value !== undefined)
    .reduce(
      (sum, [name, value]) =>
        sum + Buffer.byteLength(name) + 'String'.length + Buffer.byteLength(value ?? ''),
      0,
    );
}

// The characters SNS and SQS accept in text: tab, line feed, carriage return, and everything from
// U+0020 up except lone surrogates and U+FFFE/U+FFFF.
function isSnsText(text: string): boolean {
  return /^[\t\n\r\x20-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]*$/u.test(text);
}

function isPlainObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Printable ASCII within SNS's subject limit: other characters become ?, a longer subject ends in "...". */
export function fitSnsSubject(subject: string): string {
  const clean = subject.replace(/[^\x20-\x7e]/gu, '?');
  const max = SNS_LIMITS.subjectMaxChars;
  return clean.length <= max ? clean : `${clean.slice(0, max - 3)}...`;
}
