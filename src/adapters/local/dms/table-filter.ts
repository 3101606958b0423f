import { compileNamePattern, parseTableMappings } from '../../../core/preflight/table-mappings.js';

export type TableFilter = (schema: string, table: string) => boolean;

/**
 * Which tables a task applies, from its TableMappings selection rules: included by an include or
 * explicit rule and excluded by no exclude rule (DMS's rule, whatever the order).
 */
export function tableFilter(tableMappings: string): TableFilter {
  const { selectionRules } = parseTableMappings(JSON.parse(tableMappings));
  const rules = selectionRules
    .filter((r) => r.tableType !== 'view')
    .map((r) => ({
      exclude: r.action === 'exclude',
      schema: compileNamePattern(r.schemaName, r.action !== 'explicit'),
      table: compileNamePattern(r.tableName, r.action !== 'explicit'),
    }));
  const cache = new Map<string, boolean>();
  return (schema, table) => {
    const key = `${schema}\u0000${table}`;
    let selected = cache.get(key);
    if (selected === undefined) {
      const hits = rules.filter((r) => r.schema.test(schema) && r.table.test(table));
      selected = hits.some((r) => !r.exclude) && !hits.some((r) => r.exclude);
      cache.set(key, selected);
    }
    return selected;
  };
}
