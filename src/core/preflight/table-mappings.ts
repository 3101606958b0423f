import * as z from 'zod';
import { InvalidInputError, OrchestratorError } from '../errors.js';

/**
 * The selection rules of a DMS table-mapping document, the part that decides which tables a task
 * reads. Transformation and table-settings rules do not change the scope and are ignored.
 */
export interface SelectionRule {
  readonly ruleName: string;
  readonly action: 'include' | 'exclude' | 'explicit';
  readonly schemaName: string;
  readonly tableName: string;
  readonly tableType: 'table' | 'view' | 'all';
}

export interface TableMappings {
  readonly selectionRules: readonly SelectionRule[];
}

/** DMS's own limits are larger; a document past these is a mistake, refused before it costs memory. */
export const TABLE_MAPPINGS_LIMITS = { maxBytes: 1_048_576, maxRules: 10_000 } as const;

const Name = z.union([z.string(), z.number()]).transform(String);

const SelectionRuleInput = z.object({
  'rule-type': z.literal('selection'),
  'rule-id': Name,
  'rule-name': Name.optional(),
  'rule-action': z.enum(['include', 'exclude', 'explicit']),
  'object-locator': z.object({
    'schema-name': z.string().min(1),
    'table-name': z.string().min(1),
    'table-type': z.enum(['table', 'view', 'all']).optional(),
  }),
});

const DocumentInput = z.object({
  rules: z
    .array(z.object({ 'rule-type': z.string() }).loose())
    .max(TABLE_MAPPINGS_LIMITS.maxRules, `more than ${TABLE_MAPPINGS_LIMITS.maxRules} rules`),
});

/** Parses a table-mapping document given as JSON text, refusing one over the size limit unread. */
export function parseTableMappingsText(text: string, field = 'tableMappings'): TableMappings {
  if (Buffer.byteLength(text, 'utf8') > TABLE_MAPPINGS_LIMITS.maxBytes) throw tooLarge(field);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new InvalidInputError(field, 'is not JSON', 'Give the table mappings as a JSON document');
  }
  return parseTableMappings(json, field);
}

export function tooLarge(field: string): InvalidInputError {
  return new InvalidInputError(
    field,
    `is larger than ${TABLE_MAPPINGS_LIMITS.maxBytes / 1_048_576} MB`,
    `Keep table mappings under 1 MB and ${TABLE_MAPPINGS_LIMITS.maxRules} rules: select whole schemas with % patterns instead of one rule per table`,
  );
}

/** Parses a table-mapping document (the JSON DMS takes as `TableMappings`). */
export function parseTableMappings(json: unknown, field = 'tableMappings'): TableMappings {
  const document = DocumentInput.safeParse(json);
  if (!document.success) throw invalid(field, document.error);
  const selectionRules = document.data.rules.flatMap((rule, index) => {
    if (rule['rule-type'] !== 'selection') return [];
    const parsed = SelectionRuleInput.safeParse(rule);
    if (!parsed.success) throw invalid(`${field}.rules[${index}]`, parsed.error);
    const locator = parsed.data['object-locator'];
    const selection: SelectionRule = {
      ruleName: parsed.data['rule-name'] ?? parsed.data['rule-id'],
      action: parsed.data['rule-action'],
      schemaName: locator['schema-name'],
      tableName: locator['table-name'],
      tableType: locator['table-type'] ?? 'table',
    };
    // Every pattern compiles here, so a malformed one is named with its rule before anything runs.
    const wildcards = selection.action !== 'explicit';
    for (const [key, pattern] of [
      ['schema-name', selection.schemaName],
      ['table-name', selection.tableName],
    ] as const) {
      const where = `${field}.rules[${index}].object-locator.${key}`;
      try {
        compileNamePattern(pattern, wildcards, where);
      } catch (error) {
        if (error instanceof TableMappingPatternError)
          throw new TableMappingPatternError(where, selection.ruleName, error.problem);
        throw error;
      }
    }
    return [selection];
  });
  return { selectionRules };
}

function invalid(field: string, error: z.ZodError): InvalidInputError {
  const issue = error.issues[0];
  const where = issue && issue.path.length > 0 ? `${field}.${issue.path.join('.')}` : field;
  return new InvalidInputError(
    where,
    issue?.message ?? 'is not a DMS table-mapping document',
    'Give the same JSON as the task TableMappings: {"rules": [{"rule-type": "selection", "rule-id": "1", ' +
      '"rule-name": "1", "object-locator": {"schema-name": "public", "table-name": "%"}, "rule-action": "include"}]}',
  );
}

/**
 * A schema or table name pattern DMS could not read the way it was meant: an unclosed or empty
 * bracket class, or a reversed range. Names the rule and the field, never the file's content.
 */
export class TableMappingPatternError extends OrchestratorError {
  override readonly name = 'TableMappingPatternError';

  constructor(
    readonly field: string,
    readonly ruleName: string | undefined,
    readonly problem: string,
  ) {
    super(
      `${field}${ruleName === undefined ? '' : ` (rule ${quoteShort(ruleName)})`}: ${problem}`,
      'In DMS patterns % is any run of characters, _ one character, [ab] one of a or b, [a-d] a range, ' +
        '[_] a literal underscore and [[] a literal [; close every [ with ] and write ranges low to high',
    );
  }
}

/**
 * Compiles a DMS name pattern (AWS DMS user guide, "Wildcards in table mapping"): `%` any run of
 * characters, `_` one character, `[_]` a literal underscore, `[ab]` a set and `[a-d]` a range;
 * everything else, `-`, quotes, spaces, `.`, `]`, matches itself, case-sensitively (PostgreSQL keeps
 * the case of quoted names, and DMS compares the names as stored). A `[` always opens a class
 * (`[[]` is a literal `[`): one never closed, an empty class or a reversed range is a
 * TableMappingPatternError, never a crash.
 */
export function compileNamePattern(pattern: string, wildcards = true, field = 'pattern'): RegExp {
  const chars = Array.from(pattern);
  if (!wildcards) return new RegExp(`^${chars.map(escapeLiteral).join('')}$`, 'su');
  let source = '';
  for (let i = 0; i < chars.length; i += 1) {
    const char = chars[i] as string;
    if (char === '%') source += '.*';
    else if (char === '_') source += '.';
    else if (char === '[') {
      const close = chars.indexOf(']', i + 1);
      if (close < 0) {
        throw new TableMappingPatternError(
          field,
          undefined,
          `the [ at character ${i + 1} opens a class that is never closed`,
        );
      }
      if (close === i + 1) {
        throw new TableMappingPatternError(
          field,
          undefined,
          `the [] at character ${i + 1} is an empty class`,
        );
      }
      source += bracket(chars.slice(i + 1, close), i + 2, field);
      i = close;
    } else source += escapeLiteral(char);
  }
  return new RegExp(`^${source}$`, 'su');
}

// Inside brackets only ranges are special; every other character (including % and _) is literal.
function bracket(body: readonly string[], position: number, field: string): string {
  const parts: string[] = [];
  for (let i = 0; i < body.length; i += 1) {
    const from = body[i] as string;
    const to = body[i + 2];
    if (body[i + 1] === '-' && to !== undefined) {
      if ((from.codePointAt(0) ?? 0) > (to.codePointAt(0) ?? 0)) {
        throw new TableMappingPatternError(
          field,
          undefined,
          `the range at character ${position + i} runs from high to low`,
        );
      }
      parts.push(`${escapeClass(from)}-${escapeClass(to)}`);
      i += 2;
    } else parts.push(escapeClass(from));
  }
  return `[${parts.join('')}]`;
}

// With the u flag only syntax characters may be escaped outside a class: not '-', not quotes.
function escapeLiteral(char: string): string {
  return /[\\^$.*+?()[\]{}|/]/.test(char) ? `\\${char}` : char;
}

function escapeClass(char: string): string {
  return /[\]\\^[-]/.test(char) ? `\\${char}` : char;
}

function quoteShort(text: string): string {
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
}
