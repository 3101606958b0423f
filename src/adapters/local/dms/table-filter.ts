import { selectScope } from '../../../core/preflight/scope.js';
import { parseTableMappings } from '../../../core/preflight/table-mappings.js';

export type TableFilter = (schema: string, table: string) => boolean;

/**
 * Which tables a task applies, from its TableMappings selection rules: DMS's rule, the same one
 * preflight scopes by (selectScope), asked once per table and remembered.
 */
export function tableFilter(tableMappings: string): TableFilter {
  const mappings = parseTableMappings(JSON.parse(tableMappings));
  const cache = new Map<string, boolean>();
  return (schema, name) => {
    const key = `${schema}\u0000${name}`;
    let selected = cache.get(key);
    if (selected === undefined) {
      selected = selectScope([{ schema, name, extensionMember: false }], mappings).tables.length > 0;
      cache.set(key, selected);
    }
    return selected;
  };
}
