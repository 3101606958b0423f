import * as z from 'zod';
import { InvalidInputError } from '../errors.js';

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

const DocumentInput = z.object({ rules: z.array(z.object({ 'rule-type': z.string() }).loose()) });

/** Parses a table-mapping document (the JSON DMS takes as `TableMappings`). */
export function parseTableMappings(json: unknown, field = 'tableMappings'): TableMappings {
  const document = DocumentInput.safeParse(json);
  if (!document.success) throw invalid(field, document.error);
  const selectionRules = document.data.rules.flatMap((rule, index) => {
    if (rule['rule-type'] !== 'selection') return [];
    const parsed = SelectionRuleInput.safeParse(rule);
    if (!parsed.success) throw invalid(`${field}.rules[${index}]`, parsed.error);
    const locator = parsed.data['object-locator'];
    return [
      {
        ruleName: parsed.data['rule-name'] ?? parsed.data['rule-id'],
        action: parsed.data['rule-action'],
        schemaName: locator['schema-name'],
        tableName: locator['table-name'],
        tableType: locator['table-type'] ?? 'table',
      },
    ];
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
 * Compiles a DMS name pattern: `%` any run of characters, `_` one character, `[_]` a literal
 * underscore, `[ab]` and `[a-d]` a set or range; everything else matches itself, case-sensitively
 * (PostgreSQL keeps the case of quoted names, and DMS compares the names as stored).
 */
export function compileNamePattern(pattern: string, wildcards = true): RegExp {
  if (!wildcards) return new RegExp(`^${escapeRegExp(pattern)}$`, 'u');
  let source = '';
  for (let i = 0; i < pattern.length; i += 1) {
    const char = pattern[i] as string;
    if (char === '%') source += '.*';
    else if (char === '_') source += '.';
    else if (char === '[') {
      const close = pattern.indexOf(']', i + 1);
      if (close <= i + 1) {
        source += '\\[';
        continue;
      }
      source += bracket(pattern.slice(i + 1, close));
      i = close;
    } else source += escapeRegExp(char);
  }
  return new RegExp(`^${source}$`, 'su');
}

// Inside brackets only ranges are special; every other character (including % and _) is literal.
function bracket(body: string): string {
  const parts: string[] = [];
  for (let i = 0; i < body.length; i += 1) {
    const from = body[i] as string;
    const to = body[i + 2];
    if (body[i + 1] === '-' && to !== undefined) {
      parts.push(`${escapeClass(from)}-${escapeClass(to)}`);
      i += 2;
    } else parts.push(escapeClass(from));
  }
  return `[${parts.join('')}]`;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}

function escapeClass(char: string): string {
  return /[\]\\^-]/.test(char) ? `\\${char}` : char;
}
