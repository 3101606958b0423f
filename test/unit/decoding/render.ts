/**
 * The other direction, for tests: renders decoded values as contrib/test_decoding/test_decoding.c
 * writes them (PostgreSQL 17), so property tests can check parse(render(x)) == x.
 * Written from the C code, not from the parser: quote_identifier (ruleutils.c), print_literal,
 * tuple_to_stringinfo, pg_decode_change/truncate/message, pg_output_begin, pg_decode_commit_txn.
 */
import {
  type Column,
  type DecodedLine,
  type RelationName,
  UNCHANGED_TOAST,
} from '../../../src/core/decoding/index.js';

/**
 * Keywords quote_identifier quotes: every category but UNRESERVED_KEYWORD. PostgreSQL 17's list,
 * `SELECT word FROM pg_get_keywords() WHERE catcode <> 'U'`; the integration test checks it
 * against the server.
 */
export const QUOTED_KEYWORDS: ReadonlySet<string> = new Set(
  (
    'all analyse analyze and any array as asc asymmetric authorization between bigint binary bit boolean ' +
    'both case cast char character check coalesce collate collation column concurrently constraint create ' +
    'cross current_catalog current_date current_role current_schema current_time current_timestamp ' +
    'current_user dec decimal default deferrable desc distinct do else end except exists extract false ' +
    'fetch float for foreign freeze from full grant greatest group grouping having ilike in initially inner ' +
    'inout int integer intersect interval into is isnull join json json_array json_arrayagg json_exists ' +
    'json_object json_objectagg json_query json_scalar json_serialize json_table json_value lateral leading ' +
    'least left like limit localtime localtimestamp merge_action national natural nchar none normalize not ' +
    'notnull null nullif numeric offset on only or order out outer overlaps overlay placing position ' +
    'precision primary real references returning right row select session_user setof similar smallint some ' +
    'substring symmetric system_user table tablesample then time timestamp to trailing treat trim true union ' +
    'unique user using values varchar variadic verbose when where window with xmlattributes xmlconcat ' +
    'xmlelement xmlexists xmlforest xmlnamespaces xmlparse xmlpi xmlroot xmlserialize xmltable'
  ).split(' '),
);

/** quote_identifier: bare only if [a-z_][a-z0-9_]* and not a non-unreserved keyword. */
export function quoteIdentifier(ident: string): string {
  const safe = /^[a-z_][a-z0-9_]*$/.test(ident) && !QUOTED_KEYWORDS.has(ident);
  return safe ? ident : `"${ident.replaceAll('"', '""')}"`;
}

/** Types print_literal writes without quotes (INT2/4/8, OID, FLOAT4/8, NUMERIC), by format_type_be name. */
const BARE_TYPES = new Set(['smallint', 'integer', 'bigint', 'oid', 'real', 'double precision', 'numeric']);
const BIT_TYPES = new Set(['bit', 'bit varying']);

/**
 * print_literal for a value whose type is `type`. `value` is the model's value: the output
 * function's text, except for boolean where it is what test_decoding prints (true/false).
 */
export function printLiteral(type: string, value: string): string {
  if (BARE_TYPES.has(type)) return value;
  if (BIT_TYPES.has(type)) return `B'${value}'`;
  if (type === 'boolean') return value === 'true' ? 'true' : 'false';
  return `'${value.replaceAll("'", "''")}'`;
}

function renderColumns(columns: readonly Column[]): string {
  let out = '';
  for (const { name, type, value } of columns) {
    out += ` ${quoteIdentifier(name)}[${type}]:`;
    if (value === null) out += 'null';
    else if (value === UNCHANGED_TOAST) out += 'unchanged-toast-datum';
    else out += printLiteral(type, value);
  }
  return out;
}

function qualified({ schema, table }: RelationName): string {
  return `${quoteIdentifier(schema)}.${quoteIdentifier(table)}`;
}

function utf8Bytes(text: string): number {
  return new TextEncoder().encode(text).length;
}

/** One `data` line, as test_decoding writes it. */
export function renderLine(line: DecodedLine): string {
  switch (line.kind) {
    case 'begin':
      return line.xid === undefined ? 'BEGIN' : `BEGIN ${line.xid}`;
    case 'commit':
      return (
        (line.xid === undefined ? 'COMMIT' : `COMMIT ${line.xid}`) +
        (line.commitTime === undefined ? '' : ` (at ${line.commitTime})`)
      );
    case 'insert':
      return `table ${qualified(line)}: INSERT:${line.newTuple ? renderColumns(line.newTuple) : ' (no-tuple-data)'}`;
    case 'update': {
      let out = `table ${qualified(line)}: UPDATE:`;
      if (line.oldKey) out += ` old-key:${renderColumns(line.oldKey)} new-tuple:`;
      return out + (line.newTuple ? renderColumns(line.newTuple) : ' (no-tuple-data)');
    }
    case 'delete':
      return `table ${qualified(line)}: DELETE:${line.key ? renderColumns(line.key) : ' (no-tuple-data)'}`;
    case 'truncate': {
      const flags =
        line.restartSeqs || line.cascade
          ? `${line.restartSeqs ? ' restart_seqs' : ''}${line.cascade ? ' cascade' : ''}`
          : ' (no-flags)';
      return `table ${line.relations.map(qualified).join(', ')}: TRUNCATE:${flags}`;
    }
    case 'message':
      return (
        `message: transactional: ${line.transactional ? 1 : 0} prefix: ${line.prefix}, ` +
        `sz: ${utf8Bytes(line.content)} content:${line.content}`
      );
  }
}
