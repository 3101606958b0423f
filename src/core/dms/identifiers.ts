import { createHash } from 'node:crypto';
import { InvalidInputError } from '../errors.js';
import { formatLsn, parseLsn } from '../lsn.js';

/**
 * Deterministic DMS identifiers, so a re-run of a step finds what the previous run created.
 *
 * DMS rules (CreateEndpoint EndpointIdentifier and CreateReplicationTask ReplicationTaskIdentifier in
 * the DMS API reference and SDK model docs; the 1-255 length for endpoints is the Terraform AWS
 * provider's documented aws_dms_endpoint endpoint_id constraint, the same as tasks'):
 *   1-255 characters; the first a letter; only ASCII letters, digits and hyphens;
 *   no trailing hyphen; no two consecutive hyphens.
 */
export const DMS_IDENTIFIER_MAX_LENGTH = 255;

const HASH_LENGTH = 8;
// A separator hyphen plus the hash are always appended, so the readable part gets the rest.
const READABLE_MAX_LENGTH = DMS_IDENTIFIER_MAX_LENGTH - 1 - HASH_LENGTH;

interface Rule {
  readonly broken: (value: string) => boolean;
  readonly says: string;
}

const RULES: readonly Rule[] = [
  { broken: (v) => v.length === 0, says: 'must not be empty' },
  {
    broken: (v) => v.length > DMS_IDENTIFIER_MAX_LENGTH,
    says: `must be at most ${DMS_IDENTIFIER_MAX_LENGTH} characters`,
  },
  { broken: (v) => !/^[A-Za-z]/.test(v), says: 'must start with an ASCII letter' },
  { broken: (v) => !/^[A-Za-z0-9-]*$/.test(v), says: 'must contain only ASCII letters, digits and hyphens' },
  { broken: (v) => v.endsWith('-'), says: 'must not end with a hyphen' },
  { broken: (v) => v.includes('--'), says: 'must not contain two consecutive hyphens' },
];

/** Checks a DMS endpoint or task identifier, naming `field` and the first rule it breaks. */
export function validateDmsIdentifier(value: unknown, field: string): string {
  if (typeof value !== 'string') {
    throw new InvalidInputError(field, `${String(value)} is not a string`, REMEDY);
  }
  const rule = RULES.find((r) => r.broken(value));
  if (rule) throw new InvalidInputError(field, `${JSON.stringify(value)} ${rule.says}`, REMEDY);
  return value;
}

const REMEDY =
  'Use 1 to 255 ASCII letters, digits and hyphens, starting with a letter, with no trailing or double hyphen';

export interface EndpointIdentifierInput {
  readonly prefix: string;
  readonly sourceName: string;
  readonly slotName: string;
}

export interface TaskIdentifierInput extends EndpointIdentifierInput {
  /** An LSN; normalised first, so 4af/b00000d0 and 4AF/B00000D0 name the same task. */
  readonly startPosition?: string;
}

/** `<prefix>-src-<source>-<slot>-<hash>`: one source endpoint per source database and slot. */
export function sourceEndpointIdentifier(input: EndpointIdentifierInput): string {
  return buildIdentifier(['src', input.prefix, input.sourceName, input.slotName]);
}

/**
 * `<prefix>-cdc-<source>-<slot>[-<lsn>]-<hash>`. The start position is part of the identity because a
 * new task from the slot (recovery) must never be mistaken for the task that started elsewhere.
 */
export function cdcTaskIdentifier(input: TaskIdentifierInput): string {
  const position =
    input.startPosition === undefined ? [] : [formatLsn(parseLsn(input.startPosition, 'startPosition'))];
  return buildIdentifier(['cdc', input.prefix, input.sourceName, input.slotName, ...position]);
}

/**
 * Readable part (sanitised, truncated) plus a hash of the exact inputs. The hash is always there:
 * sanitising is lossy (`a_b`, `a-b` and `A_B` read the same) and so is truncation, and without it
 * two sources could silently share one endpoint.
 */
function buildIdentifier(parts: readonly [kind: string, prefix: string, ...rest: string[]]): string {
  const [kind, prefix, ...rest] = parts;
  const readable = truncate(ensureLetterFirst(sanitise([prefix, kind, ...rest].join('-'))));
  return `${readable}-${shortHash(parts)}`;
}

/** Lower-case ASCII letters and digits, every other run of characters one hyphen, none at the ends. */
function sanitise(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

function ensureLetterFirst(text: string): string {
  // The kind tag is never empty, so text is non-empty; only an odd prefix (e.g. "9x") needs this.
  return /^[a-z]/.test(text) ? text : `dms-${text}`;
}

function truncate(text: string): string {
  return text.slice(0, READABLE_MAX_LENGTH).replace(/-+$/, '');
}

function shortHash(parts: readonly string[]): string {
  // JSON of the array keeps part boundaries, so ("a-b", "c") and ("a", "b-c") hash differently.
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, HASH_LENGTH);
}

/**
 * The ReplicationInstanceIdentifier dimension value DMS publishes task metrics under. DMS stores an
 * instance identifier in lower case (CreateReplicationInstance), and CloudWatch matches dimension
 * values case-sensitively, so the identifier as a person typed it ("DMS-Prod-1") would find nothing.
 */
export function metricInstanceIdentifier(identifier: string): string {
  return identifier.toLowerCase();
}
