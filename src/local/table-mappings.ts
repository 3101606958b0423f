/**
 * DMS table mappings as the local rigs, rehearsals and tests write them: selection rules only
 * (the JSON DMS takes as TableMappings). One builder so every caller spells a rule the same way.
 */
export interface SelectionRuleOptions {
  readonly id?: number | string;
  /** rule-name; the id when not given. */
  readonly name?: string;
  readonly schema: string;
  /** table-name, a DMS pattern: every table of the schema when not given. */
  readonly table?: string;
  readonly action?: 'include' | 'exclude' | 'explicit';
}

export function selectionRule({
  id = 1,
  name,
  schema,
  table = '%',
  action = 'include',
}: SelectionRuleOptions) {
  return {
    'rule-type': 'selection',
    'rule-id': String(id),
    'rule-name': name ?? String(id),
    'object-locator': { 'schema-name': schema, 'table-name': table },
    'rule-action': action,
  };
}

/** Table mappings made of these selection rules, as an object (JSON.stringify it where DMS wants text). */
export function selectionMappings(...rules: readonly SelectionRuleOptions[]) {
  return { rules: rules.map((rule) => selectionRule(rule)) };
}
