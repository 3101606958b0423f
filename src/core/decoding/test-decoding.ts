/**
 * Parser for the `data` column of pg_logical_slot_get_changes / _peek_changes with the
 * `test_decoding` plugin, following contrib/test_decoding/test_decoding.c (PostgreSQL 17):
 *
 *   BEGIN 740                                           pg_output_begin (include-xids, the default)
 *   COMMIT 740 (at 2024-05-01 10:00:00.1+00)            pg_decode_commit_txn (include-timestamp)
 *   table public.t: INSERT: id[integer]:1 v[text]:'a''b' pg_decode_change + tuple_to_stringinfo
 *   table public.t: UPDATE: old-key: id[integer]:1 new-tuple: id[integer]:2 v[text]:unchanged-toast-datum
 *   table public.t: DELETE: (no-tuple-data)
 *   table public.a, public.b: TRUNCATE: restart_seqs cascade            pg_decode_truncate
 *   message: transactional: 1 prefix: p, sz: 3 content:abc             pg_decode_message
 *
 * Identifiers come from quote_identifier (bare only when [a-z_][a-z0-9_]* and not a keyword),
 * types from format_type_be (no typmod), values from print_literal: integers, oid, floats and
 * numeric bare, bool as true/false, bit/varbit as B'...', everything else single-quoted with `'`
 * doubled (backslashes as they are). NULL prints `null`, an untouched TOASTed value
 * `unchanged-toast-datum`. Old-key and DELETE tuples skip NULL columns.
 */
import { DecodingParseError } from './errors.js';
import {
  type Column,
  type DecodedLine,
  type MessageChange,
  type RelationName,
  UNCHANGED_TOAST,
  type UnchangedToast,
} from './types.js';

export { DecodingParseError, type DecodingRowContext } from './errors.js';
export * from './types.js';

const SPACE = 0x20;
const DQUOTE = 0x22;
const SQUOTE = 0x27;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;

const NO_TUPLE_DATA = ' (no-tuple-data)';
const NEW_TUPLE = ' new-tuple:';
const OLD_KEY = ' old-key:';
const XID = /^[0-9]{1,10}$/;
// Everything print_literal writes without quotes: int2/4/8, oid, float4/8 and numeric output
// (incl. NaN, Infinity, -Infinity, exponents) and bool as true/false.
const BARE = /^(?:true|false|NaN|[+-]?Infinity|[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)$/;
const UNSUPPORTED: readonly (readonly [string, string])[] = [
  ['PREPARE TRANSACTION ', 'two-phase'],
  ['COMMIT PREPARED ', 'two-phase'],
  ['ROLLBACK PREPARED ', 'two-phase'],
  ['opening a streamed block', 'streaming'],
  ['closing a streamed block', 'streaming'],
  ['streaming ', 'streaming'],
  ['aborting streamed', 'streaming'],
  ['preparing streamed', 'streaming'],
  ['committing streamed', 'streaming'],
];

/** Parses one `data` line of test_decoding output. Throws DecodingParseError on anything else. */
export function parseChange(line: string): DecodedLine {
  if (typeof line !== 'string') {
    throw new DecodingParseError(`expected a string, got ${line === null ? 'null' : typeof line}`, '', 0);
  }
  if (line.startsWith('table ')) return new LineScanner(line, 6).tableLine();
  if (line.startsWith('BEGIN')) return beginLine(line);
  if (line.startsWith('message: ')) return messageLine(line);
  for (const [prefix, feature] of UNSUPPORTED) {
    if (line.startsWith(prefix)) {
      throw new DecodingParseError(
        `${feature} output (${JSON.stringify(prefix.trim())}) is not supported`,
        line,
        0,
        undefined,
        feature === 'two-phase'
          ? 'Decode from a slot created without two_phase (pg_create_logical_replication_slot(..., twophase => false))'
          : "Read changes without the 'stream-changes' option: only whole committed transactions can be applied",
      );
    }
  }
  if (line.startsWith('COMMIT')) return commitLine(line);
  throw new DecodingParseError('expected BEGIN, COMMIT, "table " or "message: "', line, 0);
}

function beginLine(line: string): DecodedLine {
  if (line.length === 5) return { kind: 'begin' };
  if (line.charCodeAt(5) === SPACE && XID.test(line.slice(6))) return { kind: 'begin', xid: line.slice(6) };
  throw new DecodingParseError('expected "BEGIN" or "BEGIN <xid>"', line, 5);
}

function commitLine(line: string): DecodedLine {
  let pos = 6;
  let xid: string | undefined;
  if (line.charCodeAt(pos) === SPACE && line.charCodeAt(pos + 1) !== 0x28 /* ( */) {
    let end = line.indexOf(' ', pos + 1);
    if (end < 0) end = line.length;
    xid = line.slice(pos + 1, end);
    if (!XID.test(xid)) throw new DecodingParseError('expected a transaction id after COMMIT', line, pos + 1);
    pos = end;
  }
  let commitTime: string | undefined;
  if (pos < line.length) {
    if (!line.startsWith(' (at ', pos) || !line.endsWith(')') || line.length - 1 <= pos + 5) {
      throw new DecodingParseError('expected " (at <commit time>)" or the end of the line', line, pos);
    }
    commitTime = line.slice(pos + 5, -1);
  }
  return {
    kind: 'commit',
    ...(xid === undefined ? {} : { xid }),
    ...(commitTime === undefined ? {} : { commitTime }),
  };
}

/**
 * `message: transactional: %d prefix: %s, sz: %zu content:` followed by the raw content.
 * The prefix is printed unescaped, so `, sz: ` inside it is told apart by checking `sz`
 * (the content's length in bytes) against what follows; the leftmost consistent split wins.
 */
function messageLine(line: string): MessageChange {
  const head = 'message: transactional: ';
  if (!line.startsWith(head)) throw new DecodingParseError('expected "message: transactional: "', line, 9);
  const flag = line.charCodeAt(head.length);
  if ((flag !== 0x30 && flag !== 0x31) || !line.startsWith(' prefix: ', head.length + 1)) {
    throw new DecodingParseError('expected "0 prefix: " or "1 prefix: "', line, head.length);
  }
  const prefixStart = head.length + 10;
  let mismatch = -1;
  // Bytes of line[0, scanned): kept as the candidates move right, so a prefix full of
  // ", sz: " look-alikes costs one pass over the line, not one per candidate.
  let scanned = 0;
  let scannedBytes = 0;
  let totalBytes = -1;
  for (let at = line.indexOf(', sz: ', prefixStart); at >= 0; at = line.indexOf(', sz: ', at + 1)) {
    let p = at + 6;
    const digits = p;
    while (p < line.length && line.charCodeAt(p) >= 0x30 && line.charCodeAt(p) <= 0x39) p += 1;
    if (p === digits || p - digits > 20 || !line.startsWith(' content:', p)) continue;
    const contentStart = p + 9;
    if (totalBytes < 0) totalBytes = utf8Length(line, 0, line.length);
    scannedBytes += utf8Length(line, scanned, contentStart);
    scanned = contentStart;
    if (totalBytes - scannedBytes === Number(line.slice(digits, p))) {
      return {
        kind: 'message',
        transactional: flag === 0x31,
        prefix: line.slice(prefixStart, at),
        content: line.slice(contentStart),
      };
    }
    if (mismatch < 0) mismatch = at;
  }
  if (mismatch >= 0) {
    throw new DecodingParseError(
      'message content length does not match its sz (content not valid UTF-8 text?)',
      line,
      mismatch,
      undefined,
      'Emit logical messages as UTF-8 text, or read binary ones with pg_logical_slot_get_binary_changes',
    );
  }
  throw new DecodingParseError('expected ", sz: <bytes> content:" after the prefix', line, prefixStart);
}

/**
 * Bytes of the UTF-8 encoding of text[from, to) (a lone surrogate counts as U+FFFD, like
 * TextEncoder). Callers cut only at ASCII characters, so no pair is split.
 */
function utf8Length(text: string, from: number, to: number): number {
  let bytes = 0;
  for (let i = from; i < to; i += 1) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < to) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 4;
        i += 1;
      } else bytes += 3;
    } else bytes += 3;
  }
  return bytes;
}

/** A cursor over one `table ...` line. Every method consumes input or throws, so nothing loops. */
class LineScanner {
  constructor(
    private readonly line: string,
    private pos: number,
  ) {}

  tableLine(): DecodedLine {
    const relations: RelationName[] = [this.relation()];
    while (this.line.startsWith(', ', this.pos)) {
      this.pos += 2;
      relations.push(this.relation());
    }
    this.expect(': ');
    const actionAt = this.pos;
    if (this.line.startsWith('TRUNCATE:', this.pos)) {
      this.pos += 9;
      return { kind: 'truncate', relations, ...this.truncateFlags() };
    }
    const [relation] = relations;
    if (relation === undefined || relations.length > 1) {
      throw this.fail('expected TRUNCATE after a list of tables', actionAt);
    }
    const { schema, table } = relation;
    if (this.line.startsWith('INSERT:', this.pos)) {
      this.pos += 7;
      if (this.restIs(NO_TUPLE_DATA)) return { kind: 'insert', schema, table };
      return { kind: 'insert', schema, table, newTuple: this.columns(false) };
    }
    if (this.line.startsWith('UPDATE:', this.pos)) {
      this.pos += 7;
      let oldKey: Column[] | undefined;
      if (this.line.startsWith(OLD_KEY, this.pos)) {
        this.pos += OLD_KEY.length;
        oldKey = this.columns(true);
        this.expect(NEW_TUPLE);
      }
      const base =
        oldKey === undefined
          ? { kind: 'update' as const, schema, table }
          : { kind: 'update' as const, schema, table, oldKey };
      if (this.restIs(NO_TUPLE_DATA)) return base;
      return { ...base, newTuple: this.columns(false) };
    }
    if (this.line.startsWith('DELETE:', this.pos)) {
      this.pos += 7;
      if (this.restIs(NO_TUPLE_DATA)) return { kind: 'delete', schema, table, key: null };
      return { kind: 'delete', schema, table, key: this.columns(false) };
    }
    throw this.fail('expected INSERT:, UPDATE:, DELETE: or TRUNCATE:');
  }

  private truncateFlags(): { restartSeqs: boolean; cascade: boolean } {
    switch (this.rest()) {
      case ' (no-flags)':
        return { restartSeqs: false, cascade: false };
      case ' restart_seqs':
        return { restartSeqs: true, cascade: false };
      case ' cascade':
        return { restartSeqs: false, cascade: true };
      case ' restart_seqs cascade':
        return { restartSeqs: true, cascade: true };
      default:
        throw this.fail('expected " (no-flags)", " restart_seqs", " cascade" or " restart_seqs cascade"');
    }
  }

  private relation(): RelationName {
    const schema = this.identifier();
    this.expect('.');
    return { schema, table: this.identifier() };
  }

  /** ` name[type]:value` repeated to the end of the line, or (stopAtNewTuple) up to ` new-tuple:`. */
  private columns(stopAtNewTuple: boolean): Column[] {
    const columns: Column[] = [];
    const { line } = this;
    while (this.pos < line.length) {
      if (stopAtNewTuple && line.startsWith(NEW_TUPLE, this.pos)) break;
      this.expect(' ');
      const name = this.identifier();
      this.expect('[');
      const type = this.typeName();
      this.expect(':');
      columns.push({ name, type, value: this.value() });
    }
    return columns;
  }

  /** quote_identifier output: `"..."` with `""` for `"`, or a bare [a-z_][a-z0-9_]*. */
  private identifier(): string {
    const { line } = this;
    const start = this.pos;
    if (line.charCodeAt(start) === DQUOTE) {
      let text = '';
      let from = start + 1;
      for (;;) {
        const close = line.indexOf('"', from);
        if (close < 0) throw this.fail('unterminated quoted identifier', start);
        if (line.charCodeAt(close + 1) === DQUOTE) {
          text += line.slice(from, close + 1);
          from = close + 2;
        } else {
          text += line.slice(from, close);
          this.pos = close + 1;
          return text;
        }
      }
    }
    let end = start;
    for (; end < line.length; end += 1) {
      const c = line.charCodeAt(end);
      const lower = c >= 0x61 && c <= 0x7a;
      if (!(lower || c === 0x5f || (end > start && c >= 0x30 && c <= 0x39))) break;
    }
    if (end === start) throw this.fail('expected an identifier');
    this.pos = end;
    return line.slice(start, end);
  }

  /** format_type_be output up to the `]` that closes it: may hold `[]`, `(`...`)` and quoted names. */
  private typeName(): string {
    const { line } = this;
    const start = this.pos;
    let depth = 0;
    for (let p = start; p < line.length; p += 1) {
      const c = line.charCodeAt(p);
      if (c === DQUOTE) {
        // A quoted name inside a type: skip to its closing quote ("" stays inside).
        for (p += 1; ; p += 1) {
          if (p >= line.length) throw this.fail('unterminated quoted name in a type', start);
          if (line.charCodeAt(p) === DQUOTE) {
            if (line.charCodeAt(p + 1) === DQUOTE) p += 1;
            else break;
          }
        }
      } else if (c === LBRACKET) depth += 1;
      else if (c === RBRACKET) {
        if (depth === 0) {
          if (p === start) throw this.fail('empty type name', start);
          this.pos = p + 1;
          return line.slice(start, p);
        }
        depth -= 1;
      }
    }
    throw this.fail('unterminated type name (no closing "]")', start);
  }

  private value(): string | null | UnchangedToast {
    const { line } = this;
    const start = this.pos;
    const c = line.charCodeAt(start);
    if (c === SQUOTE) return this.quoted(start + 1);
    if (c === 0x42 /* B */ && line.charCodeAt(start + 1) === SQUOTE) {
      const close = line.indexOf("'", start + 2);
      if (close < 0) throw this.fail("unterminated bit string B'...'", start);
      const bits = line.slice(start + 2, close);
      if (!/^[01]*$/.test(bits)) throw this.fail('a bit string holds only 0 and 1', start);
      this.pos = close + 1;
      return bits;
    }
    let end = line.indexOf(' ', start);
    if (end < 0) end = line.length;
    const token = line.slice(start, end);
    this.pos = end;
    if (token === 'null') return null;
    if (token === 'unchanged-toast-datum') return UNCHANGED_TOAST;
    if (BARE.test(token)) return token;
    throw this.fail(
      "expected a value: 'quoted', a number, true/false, B'bits', null or unchanged-toast-datum",
      start,
    );
  }

  /** A single-quoted literal from `from` (just past the opening quote); `''` stands for `'`. */
  private quoted(from: number): string {
    const { line } = this;
    let text = '';
    for (;;) {
      const close = line.indexOf("'", from);
      if (close < 0) throw this.fail('unterminated quoted value', from - 1);
      if (line.charCodeAt(close + 1) === SQUOTE) {
        text += line.slice(from, close + 1);
        from = close + 2;
      } else {
        this.pos = close + 1;
        return text + line.slice(from, close);
      }
    }
  }

  private rest(): string {
    return this.line.slice(this.pos);
  }

  private restIs(text: string): boolean {
    return this.line.length - this.pos === text.length && this.line.startsWith(text, this.pos);
  }

  private expect(text: string): void {
    if (!this.line.startsWith(text, this.pos)) throw this.fail(`expected ${JSON.stringify(text)}`);
    this.pos += text.length;
  }

  private fail(reason: string, at = this.pos): DecodingParseError {
    return new DecodingParseError(reason, this.line, at);
  }
}
