import type { TableFact } from './facts.js';
import { compileNamePattern, type SelectionRule, type TableMappings } from './table-mappings.js';

/** What selection needs of a table; the row-count verification passes catalog rows with just these. */
export type ScopedTable = Pick<TableFact, 'schema' | 'name' | 'extensionMember'>;

export interface Scope<T extends ScopedTable = TableFact> {
  /** The tables the task would read, in catalog order. */
  readonly tables: readonly T[];
  readonly source: 'table-mappings' | 'all-user-tables';
  /** include/explicit rules that selected no table: usually a typo in a schema or table name. */
  readonly unmatchedRules: readonly SelectionRule[];
}

interface CompiledRule {
  readonly rule: SelectionRule;
  readonly schema: RegExp;
  readonly table: RegExp;
}

/**
 * The tables a DMS task with these mappings selects: a table is in when an include or explicit rule
 * matches it and no exclude rule does, whatever the rule order. Rules for views only select nothing
 * here (DMS CDC captures tables). Without mappings: every user table, as `%`.`%` would, less the ones
 * extensions own and DMS's own awsdms_* artifacts, which are not data to migrate.
 */
export function selectScope<T extends ScopedTable>(
  tables: readonly T[],
  mappings: TableMappings | undefined,
): Scope<T> {
  if (!mappings) {
    return {
      tables: tables.filter((t) => !t.extensionMember && !t.name.startsWith('awsdms_')),
      source: 'all-user-tables',
      unmatchedRules: [],
    };
  }
  const rules = mappings.selectionRules.filter((r) => r.tableType !== 'view').map(compile);
  const includes = rules.filter((r) => r.rule.action !== 'exclude');
  const excludes = rules.filter((r) => r.rule.action === 'exclude');
  const matched = new Set<CompiledRule>();
  const selected = tables.filter((table) => {
    const including = includes.filter((r) => matches(r, table));
    for (const r of including) matched.add(r);
    return including.length > 0 && !excludes.some((r) => matches(r, table));
  });
  return {
    tables: selected,
    source: 'table-mappings',
    unmatchedRules: includes.filter((r) => !matched.has(r)).map((r) => r.rule),
  };
}

function compile(rule: SelectionRule): CompiledRule {
  // An explicit rule names one object exactly: its % and _ are not wildcards.
  const wildcards = rule.action !== 'explicit';
  return {
    rule,
    schema: compileNamePattern(rule.schemaName, wildcards),
    table: compileNamePattern(rule.tableName, wildcards),
  };
}

function matches(rule: CompiledRule, table: ScopedTable): boolean {
  return rule.schema.test(table.schema) && rule.table.test(table.name);
}

export function qualifiedName(table: { readonly schema: string; readonly name: string }): string {
  return `${table.schema}.${table.name}`;
}
