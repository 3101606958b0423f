/** fast-check generators for decoded test_decoding lines (rendered by ./render.ts). */
import fc from 'fast-check';
import {
  type BeginLine,
  type Column,
  type CommitLine,
  type DecodedChange,
  type DecodedLine,
  type DeleteChange,
  type InsertChange,
  type MessageChange,
  type RelationName,
  type TruncateChange,
  UNCHANGED_TOAST,
  type UpdateChange,
} from '../../../src/core/decoding/index.js';
import { quoteIdentifier } from './render.js';

const noNul = (s: string) => !s.includes('\0');

/** Characters that matter to the format: quotes, separators, brackets, spaces, newlines, non-ASCII. */
const trickyChar = fc.constantFrom(
  'a',
  'z',
  'Q',
  '_',
  '0',
  '9',
  ' ',
  '"',
  "'",
  "''",
  ':',
  '[',
  ']',
  '[]',
  '.',
  ',',
  '-',
  '(',
  ')',
  '\\',
  '\n',
  '\t',
  'é',
  '😀',
  ' new-tuple:',
  ' old-key:',
  ', sz: 3 content:',
  'null',
);
const trickyText = fc.array(trickyChar, { maxLength: 12 }).map((parts) => parts.join(''));
/** Any text PostgreSQL can hold (no NUL), including lone surrogates the parser must pass through. */
const anyText = fc.oneof(
  trickyText,
  fc.string({ unit: 'binary', maxLength: 30 }).filter(noNul),
  fc.string({ unit: 'grapheme', maxLength: 30 }),
);

export const identifier: fc.Arbitrary<string> = fc.oneof(
  fc.stringMatching(/^[a-z_][a-z0-9_]{0,15}$/),
  // Keywords quote_identifier quotes (and unreserved ones it leaves bare), and upper case.
  fc.constantFrom(
    'select',
    'user',
    'table',
    'order',
    'char',
    'int',
    'null',
    'true',
    'name',
    'key',
    'Select',
    'USER',
  ),
  fc.constantFrom('My Schema', 'Odd "Name"', 'Weird Col', 'new-tuple', '1st', 'a.b', 'x[y]', ''),
  trickyText.filter((s) => s.length > 0),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 20 }).filter(noNul),
);

/** format_type_be names (with a few typmod forms it never prints but the parser takes). */
const builtinType = fc.constantFrom(
  'smallint',
  'integer',
  'bigint',
  'oid',
  'real',
  'double precision',
  'numeric',
  'boolean',
  'bit',
  'bit varying',
  'text',
  'character',
  'character varying',
  'timestamp without time zone',
  'timestamp with time zone',
  'time with time zone',
  'date',
  'interval',
  'bytea',
  'uuid',
  'json',
  'jsonb',
  'inet',
  'cidr',
  'macaddr',
  'money',
  'tsvector',
  'point',
  '"char"',
  'name',
  'integer[]',
  'text[]',
  'character varying[]',
  'bit varying[]',
  'boolean[]',
  'character varying(20)',
  'numeric(12,2)',
  'timestamp(3) with time zone',
  'numeric(12,2)[]',
);
const userType = fc
  .tuple(fc.option(identifier, { nil: undefined }), identifier, fc.nat({ max: 2 }))
  .map(
    ([schema, name, dims]) =>
      `${schema === undefined ? '' : `${quoteIdentifier(schema)}.`}${quoteIdentifier(name)}${'[]'.repeat(dims)}`,
  );
export const typeName: fc.Arbitrary<string> = fc.oneof({ weight: 3, arbitrary: builtinType }, userType);

const integerText = fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map(String);
const numericText = fc.oneof(
  integerText,
  fc.tuple(integerText, fc.stringMatching(/^[0-9]{1,20}$/)).map(([i, f]) => `${i}.${f}`),
  fc.constantFrom('NaN', 'Infinity', '-Infinity', '0.00', '1e+30', '-1.5e-07'),
);
const floatText = fc.oneof(
  fc.double().map(String),
  fc.float().map(String),
  fc.constantFrom('NaN', 'Infinity', '-Infinity', '-0'),
);

/** A value of `type` as the model holds it (see printLiteral in ./render.ts). */
function valueFor(type: string): fc.Arbitrary<Column['value']> {
  let present: fc.Arbitrary<string>;
  switch (type) {
    case 'smallint':
    case 'integer':
    case 'bigint':
      present = integerText;
      break;
    case 'oid':
      present = fc.nat({ max: 4_294_967_295 }).map(String);
      break;
    case 'real':
    case 'double precision':
      present = floatText;
      break;
    case 'numeric':
      present = numericText;
      break;
    case 'boolean':
      present = fc.constantFrom('true', 'false');
      break;
    case 'bit':
    case 'bit varying':
      present = fc.stringMatching(/^[01]{0,40}$/);
      break;
    default:
      present = anyText;
  }
  return fc.oneof(
    { weight: 8, arbitrary: present },
    { weight: 1, arbitrary: fc.constant(null) },
    { weight: 1, arbitrary: fc.constant(UNCHANGED_TOAST) },
  );
}

export const column: fc.Arbitrary<Column> = fc
  .tuple(identifier, typeName)
  .chain(([name, type]) => valueFor(type).map((value) => ({ name, type, value })));
const columns = fc.array(column, { maxLength: 6 });
const relation: fc.Arbitrary<RelationName> = fc.record({ schema: identifier, table: identifier });
const xid = fc.nat({ max: 4_294_967_295 }).map(String);

export const insert: fc.Arbitrary<InsertChange> = fc
  .tuple(relation, fc.option(columns, { nil: undefined }))
  .map(([r, newTuple]) => ({ kind: 'insert', ...r, ...(newTuple ? { newTuple } : {}) }));
export const update: fc.Arbitrary<UpdateChange> = fc
  .tuple(relation, fc.option(columns, { nil: undefined }), fc.option(columns, { nil: undefined }))
  .map(([r, oldKey, newTuple]) => ({
    kind: 'update',
    ...r,
    ...(oldKey ? { oldKey } : {}),
    ...(newTuple ? { newTuple } : {}),
  }));
export const remove: fc.Arbitrary<DeleteChange> = fc
  .tuple(relation, fc.option(columns, { nil: null }))
  .map(([r, key]) => ({ kind: 'delete', ...r, key }));
export const truncate: fc.Arbitrary<TruncateChange> = fc
  .tuple(fc.array(relation, { minLength: 1, maxLength: 4 }), fc.boolean(), fc.boolean())
  .map(([relations, restartSeqs, cascade]) => ({ kind: 'truncate', relations, restartSeqs, cascade }));

/** Any message; a prefix holding ", sz: " can render ambiguously (see the parser). */
export const anyMessage: fc.Arbitrary<MessageChange> = fc.record({
  kind: fc.constant('message' as const),
  transactional: fc.boolean(),
  prefix: fc.oneof(anyText, fc.constant('p, sz: 1 content:x')),
  content: fc.oneof(anyText, fc.constant('a, sz: 1 content:x')),
});
/** Messages whose prefix cannot be mistaken for the content's start. */
export const message: fc.Arbitrary<MessageChange> = anyMessage.filter((m) => !m.prefix.includes(', sz: '));

export const commitTime = fc
  .date({ min: new Date('1970-01-01'), max: new Date('2200-01-01'), noInvalidDate: true })
  .map((d) => d.toISOString().replace('T', ' ').replace('Z', '+00'));
export const begin: fc.Arbitrary<BeginLine> = fc
  .option(xid, { nil: undefined })
  .map((x) => (x === undefined ? { kind: 'begin' } : { kind: 'begin', xid: x }));
export const commit: fc.Arbitrary<CommitLine> = fc
  .tuple(fc.option(xid, { nil: undefined }), fc.option(commitTime, { nil: undefined }))
  .map(([x, t]) => ({
    kind: 'commit',
    ...(x === undefined ? {} : { xid: x }),
    ...(t === undefined ? {} : { commitTime: t }),
  }));

export const change: fc.Arbitrary<DecodedChange> = fc.oneof(insert, update, remove, truncate, message);
export const line: fc.Arbitrary<DecodedLine> = fc.oneof(change, begin, commit);
