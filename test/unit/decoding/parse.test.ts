import { describe, expect, it } from 'vitest';
import {
  type Column,
  castableType,
  type DecodedLine,
  DecodingParseError,
  parseChange,
  UNCHANGED_TOAST,
} from '../../../src/core/decoding/index.js';
import { OrchestratorError } from '../../../src/core/errors.js';
import { thrown } from '../../support/thrown.js';

const col = (name: string, type: string, value: Column['value']): Column => ({ name, type, value });

describe('parseChange: transaction boundaries', () => {
  it.each<[string, DecodedLine]>([
    ['BEGIN 740', { kind: 'begin', xid: '740' }],
    ['BEGIN', { kind: 'begin' }],
    ['BEGIN 4294967295', { kind: 'begin', xid: '4294967295' }],
    ['COMMIT 740', { kind: 'commit', xid: '740' }],
    ['COMMIT', { kind: 'commit' }],
    [
      'COMMIT 740 (at 2026-11-21 23:45:59.342565+00)',
      { kind: 'commit', xid: '740', commitTime: '2026-11-21 23:45:59.342565+00' },
    ],
    ['COMMIT (at 2024-03-04 05:06:07+05:30)', { kind: 'commit', commitTime: '2024-03-04 05:06:07+05:30' }],
  ])('%j', (line, expected) => {
    expect(parseChange(line)).toEqual(expected);
  });
});

describe('parseChange: row changes', () => {
  it.each<[string, string, DecodedLine]>([
    [
      'insert with a doubled quote',
      `table public.items: INSERT: id[integer]:1 name[text]:'it''s'`,
      {
        kind: 'insert',
        schema: 'public',
        table: 'items',
        newTuple: [col('id', 'integer', '1'), col('name', 'text', "it's")],
      },
    ],
    [
      'update changing the key',
      `table public.items: UPDATE: old-key: id[integer]:1 new-tuple: id[integer]:2 name[text]:'x'`,
      {
        kind: 'update',
        schema: 'public',
        table: 'items',
        oldKey: [col('id', 'integer', '1')],
        newTuple: [col('id', 'integer', '2'), col('name', 'text', 'x')],
      },
    ],
    [
      'update keeping the key (no old-key)',
      `table public.items: UPDATE: id[integer]:1 name[text]:null`,
      {
        kind: 'update',
        schema: 'public',
        table: 'items',
        newTuple: [col('id', 'integer', '1'), col('name', 'text', null)],
      },
    ],
    [
      'update under REPLICA IDENTITY FULL (old NULLs left out by the server)',
      `table public.full_t: UPDATE: old-key: id[integer]:2 new-tuple: id[integer]:2 v[text]:'z'`,
      {
        kind: 'update',
        schema: 'public',
        table: 'full_t',
        oldKey: [col('id', 'integer', '2')],
        newTuple: [col('id', 'integer', '2'), col('v', 'text', 'z')],
      },
    ],
    [
      'update of an all-NULL FULL row: empty old-key',
      `table public.f: UPDATE: old-key: new-tuple: v[text]:'a'`,
      { kind: 'update', schema: 'public', table: 'f', oldKey: [], newTuple: [col('v', 'text', 'a')] },
    ],
    [
      'update leaving a TOASTed column alone',
      `table public.big: UPDATE: old-key: id[integer]:1 new-tuple: id[integer]:2 small[text]:'t' large[text]:unchanged-toast-datum`,
      {
        kind: 'update',
        schema: 'public',
        table: 'big',
        oldKey: [col('id', 'integer', '1')],
        newTuple: [
          col('id', 'integer', '2'),
          col('small', 'text', 't'),
          col('large', 'text', UNCHANGED_TOAST),
        ],
      },
    ],
    [
      'update with no new tuple',
      `table public.t: UPDATE: (no-tuple-data)`,
      { kind: 'update', schema: 'public', table: 't' },
    ],
    [
      'update with an old key and no new tuple',
      `table public.t: UPDATE: old-key: id[integer]:1 new-tuple: (no-tuple-data)`,
      { kind: 'update', schema: 'public', table: 't', oldKey: [col('id', 'integer', '1')] },
    ],
    [
      'delete by key',
      `table public.items: DELETE: id[integer]:1`,
      { kind: 'delete', schema: 'public', table: 'items', key: [col('id', 'integer', '1')] },
    ],
    [
      'delete without replica identity',
      `table public.nokey: DELETE: (no-tuple-data)`,
      { kind: 'delete', schema: 'public', table: 'nokey', key: null },
    ],
    [
      'insert with no tuple data',
      `table public.t: INSERT: (no-tuple-data)`,
      { kind: 'insert', schema: 'public', table: 't' },
    ],
    [
      'insert into a table without columns',
      `table public.nocols: INSERT:`,
      { kind: 'insert', schema: 'public', table: 'nocols', newTuple: [] },
    ],
    [
      'quoted schema, table and column names',
      `table "My Schema"."Odd ""Name""": INSERT: "Weird Col"[text]:'a' "user"[integer]:3 "select"[text]:'s'`,
      {
        kind: 'insert',
        schema: 'My Schema',
        table: 'Odd "Name"',
        newTuple: [col('Weird Col', 'text', 'a'), col('user', 'integer', '3'), col('select', 'text', 's')],
      },
    ],
    [
      'a quoted column called new-tuple inside old-key',
      `table public.t: UPDATE: old-key: "new-tuple"[text]:' new-tuple: ' new-tuple: "new-tuple"[text]:'b'`,
      {
        kind: 'update',
        schema: 'public',
        table: 't',
        oldKey: [col('new-tuple', 'text', ' new-tuple: ')],
        newTuple: [col('new-tuple', 'text', 'b')],
      },
    ],
  ])('%s', (_label, line, expected) => {
    expect(parseChange(line)).toEqual(expected);
  });
});

describe('parseChange: types and values', () => {
  const one = (typeAndValue: string): Column => {
    const parsed = parseChange(`table public.t: INSERT: c[${typeAndValue}`);
    if (parsed.kind !== 'insert' || parsed.newTuple?.length !== 1 || !parsed.newTuple[0]) {
      throw new Error(`expected one column, got ${JSON.stringify(parsed)}`);
    }
    return parsed.newTuple[0];
  };

  it.each<[string, string, Column['value']]>([
    // print_literal leaves these bare (INT2/4/8, OID, FLOAT4/8, NUMERIC), special values included.
    ['smallint]:-32768', 'smallint', '-32768'],
    ['bigint]:9223372036854775807', 'bigint', '9223372036854775807'],
    ['oid]:42', 'oid', '42'],
    ['numeric]:12.50', 'numeric', '12.50'],
    ['numeric]:NaN', 'numeric', 'NaN'],
    ['numeric]:-Infinity', 'numeric', '-Infinity'],
    ['real]:NaN', 'real', 'NaN'],
    ['double precision]:1e+308', 'double precision', '1e+308'],
    ['double precision]:-1.5e-07', 'double precision', '-1.5e-07'],
    ['double precision]:Infinity', 'double precision', 'Infinity'],
    ['double precision]:-0', 'double precision', '-0'],
    // BOOLOID: true/false; BITOID/VARBITOID: B'...'.
    ['boolean]:true', 'boolean', 'true'],
    ['boolean]:false', 'boolean', 'false'],
    ["bit]:B'1010'", 'bit', '1010'],
    ["bit varying]:B''", 'bit varying', ''],
    // Everything else is single-quoted, ' doubled, backslashes and newlines as they are.
    ["text]:'it''s a\nline: [x] \"q\" \\ back'", 'text', 'it\'s a\nline: [x] "q" \\ back'],
    ["text]:''", 'text', ''],
    ["text]:''''", 'text', "'"],
    ["text]:'null'", 'text', 'null'],
    ["text]:'unchanged-toast-datum'", 'text', 'unchanged-toast-datum'],
    ["character]:'ab '", 'character', 'ab '],
    ["character varying]:'v''c'", 'character varying', "v'c"],
    [
      "timestamp with time zone]:'2024-03-04 02:06:07+00'",
      'timestamp with time zone',
      '2024-03-04 02:06:07+00',
    ],
    ["interval]:'1 mon 2 days 00:00:03'", 'interval', '1 mon 2 days 00:00:03'],
    ["bytea]:'\\xdeadbeef'", 'bytea', '\\xdeadbeef'],
    ["integer[]]:'{1,NULL,3}'", 'integer[]', '{1,NULL,3}'],
    ['text[]]:\'{"a b",c\'\'d,"e\\"f",NULL,"NULL"}\'', 'text[]', '{"a b",c\'d,"e\\"f",NULL,"NULL"}'],
    ["tsvector]:'''a'':1 ''b'':2'", 'tsvector', "'a':1 'b':2"],
    ["money]:'$12.34'", 'money', '$12.34'],
    ['jsonb]:\'{"k": "v"}\'', 'jsonb', '{"k": "v"}'],
    ['"char"]:\'x\'', '"char"', 'x'],
    // A domain over integer is quoted (its type is the domain's, not INT4OID).
    ["posint]:'5'", 'posint', '5'],
    // Types outside the decoding session's search_path arrive schema-qualified, quoted if needed.
    ['hidden."Color]x"]:\'red\'', 'hidden."Color]x"', 'red'],
    ["hidden.plain[]]:'{a}'", 'hidden.plain[]', '{a}'],
    ['"My Schema"."a""b[]"[]]:\'{}\'', '"My Schema"."a""b[]"[]', '{}'],
    // Typmods are never printed by format_type_be, but such a type name still parses.
    ["numeric(12,2)]:'1.00'", 'numeric(12,2)', '1.00'],
    ['integer]:null', 'integer', null],
    ['text]:unchanged-toast-datum', 'text', UNCHANGED_TOAST],
  ])('%j', (input, type, value) => {
    expect(one(input)).toEqual({ name: 'c', type, value });
  });

  it('keeps a value that is megabytes long intact', () => {
    const big = `${"x'".repeat(500_000)}\n`;
    expect(one(`text]:'${big.replaceAll("'", "''")}'`).value).toBe(big);
  });
});

describe('parseChange: TRUNCATE and messages', () => {
  it.each<[string, DecodedLine]>([
    [
      'table public.big: TRUNCATE: (no-flags)',
      {
        kind: 'truncate',
        relations: [{ schema: 'public', table: 'big' }],
        restartSeqs: false,
        cascade: false,
      },
    ],
    [
      'table public.full_t, public.nokey: TRUNCATE: restart_seqs cascade',
      {
        kind: 'truncate',
        relations: [
          { schema: 'public', table: 'full_t' },
          { schema: 'public', table: 'nokey' },
        ],
        restartSeqs: true,
        cascade: true,
      },
    ],
    [
      'table "A, B"."c: d": TRUNCATE: restart_seqs',
      { kind: 'truncate', relations: [{ schema: 'A, B', table: 'c: d' }], restartSeqs: true, cascade: false },
    ],
    [
      'table public.a: TRUNCATE: cascade',
      { kind: 'truncate', relations: [{ schema: 'public', table: 'a' }], restartSeqs: false, cascade: true },
    ],
    [
      'message: transactional: 1 prefix: p, sz: 3 content:abc',
      { kind: 'message', transactional: true, prefix: 'p', content: 'abc' },
    ],
    [
      'message: transactional: 0 prefix: nt, sz: 11 content:line1\nline2',
      { kind: 'message', transactional: false, prefix: 'nt', content: 'line1\nline2' },
    ],
    [
      'message: transactional: 1 prefix: , sz: 0 content:',
      { kind: 'message', transactional: true, prefix: '', content: '' },
    ],
    [
      // sz counts bytes: 'é' is 2, '😀' is 4.
      'message: transactional: 1 prefix: u, sz: 6 content:é😀',
      { kind: 'message', transactional: true, prefix: 'u', content: 'é😀' },
    ],
    [
      // The prefix is printed unescaped; sz tells which ", sz: " is the real one.
      'message: transactional: 1 prefix: a, sz: 99 content:b, sz: 1 content:c',
      { kind: 'message', transactional: true, prefix: 'a, sz: 99 content:b', content: 'c' },
    ],
    [
      // Captured from PostgreSQL 17, where two splits fit sz: the leftmost one is taken.
      'message: transactional: 1 prefix: pre, sz: 9 content:x, sz: 20 content:a, sz: 3 content:abc',
      {
        kind: 'message',
        transactional: true,
        prefix: 'pre, sz: 9 content:x',
        content: 'a, sz: 3 content:abc',
      },
    ],
  ])('%j', (line, expected) => {
    expect(parseChange(line)).toEqual(expected);
  });
});

describe('parseChange: errors', () => {
  it.each([
    ['', 0],
    ['begin 1', 0],
    ['BEGIN x', 5],
    ['BEGIN 1 2', 5],
    ['COMMIT x', 7],
    ['COMMIT 1 (at 2024', 8],
    ['COMMITTED', 6],
    ['table public: INSERT:', 12],
    ['table Public.t: INSERT:', 6],
    ['table public.t INSERT:', 14],
    ['table public.t: UPSERT: a[int]:1', 16],
    ['table public.t: INSERT: a[integer]:', 35],
    ['table public.t: INSERT: a[integer]:1x', 35],
    ['table public.t: INSERT: a[integer]:1  b[integer]:2', 37],
    ["table public.t: INSERT: a[text]:'unterminated", 32],
    ["table public.t: INSERT: a[text]:'x'y", 35],
    ['table public.t: INSERT: a[text:1', 26],
    ['table public.t: INSERT: a[]:1', 26],
    ['table public.t: INSERT: "a[text]:1', 24],
    ["table public.t: INSERT: a[bit]:B'102'", 31],
    ['table public.t: INSERT: a[integer]:NULL', 35],
    ['table public.t: UPDATE: old-key: a[integer]:1', 45],
    ['table public.a, public.b: INSERT: x[integer]:1', 26],
    ['table public.t: TRUNCATE: (no-flags) cascade', 25],
    ['message: transactional: 2 prefix: p, sz: 1 content:x', 24],
    ['message: transactional: 1 prefix: p, sz: 2 content:x', 35],
    ['message: transactional: 1 prefix: p sz: 1 content:x', 34],
  ])('%j fails at offset %i with a DecodingParseError', (line, offset) => {
    const error = thrown(() => parseChange(line));
    expect(error).toBeInstanceOf(DecodingParseError);
    expect(error).toBeInstanceOf(OrchestratorError);
    expect(error).toMatchObject({ name: 'DecodingParseError', offset });
    expect((error as DecodingParseError).message).toContain(`offset ${offset}`);
    expect((error as DecodingParseError).remedy).toMatch(/test_decoding|UTF-8/);
  });

  it('quotes a short excerpt around the offset, escaping newlines', () => {
    const line = `table public.t: INSERT: a[text]:'${'v'.repeat(100)}' b[integer]:\nboom`;
    const error = thrown(() => parseChange(line)) as DecodingParseError;
    expect(error.offset).toBe(line.indexOf('\nboom'));
    expect(error.excerpt).toBe(line.slice(error.offset - 16, error.offset + 24));
    expect(error.message).toContain(`..."${'v'.repeat(3)}' b[integer]:\\nboom"`);
  });

  it.each([
    ["PREPARE TRANSACTION 'g1', txid 740", 'two_phase'],
    ["COMMIT PREPARED 'g1', txid 740", 'two_phase'],
    ["ROLLBACK PREPARED 'g1', txid 740", 'two_phase'],
    ['opening a streamed block for transaction TXN 740', 'stream-changes'],
    ['streaming change for TXN 740', 'stream-changes'],
    ['committing streamed transaction TXN 740', 'stream-changes'],
  ])('names the option behind unsupported output %j', (line, option) => {
    const error = thrown(() => parseChange(line)) as DecodingParseError;
    expect(error).toBeInstanceOf(DecodingParseError);
    expect(error.remedy).toContain(option);
  });

  it('rejects a non-string with DecodingParseError', () => {
    expect(() => parseChange(null as unknown as string)).toThrow(DecodingParseError);
  });
});

describe('castableType', () => {
  it.each([
    ['character', 'bpchar'],
    ['character[]', 'bpchar[]'],
    ['bit', 'bit varying'],
    ['bit[][]', 'bit varying[][]'],
    ['character varying', 'character varying'],
    ['bit varying', 'bit varying'],
    ['numeric', 'numeric'],
    ['"char"', '"char"'],
    ['public.character', 'public.character'],
    ['hidden."Color]x"[]', 'hidden."Color]x"[]'],
  ])('%s -> %s', (printed, cast) => {
    expect(castableType(printed)).toBe(cast);
  });
});
