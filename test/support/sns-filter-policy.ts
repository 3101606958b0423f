/**
 * Amazon SNS subscription filter policies, MessageAttributes scope (the default), evaluated as SNS
 * documents them ("Amazon SNS message filtering"): every top-level key must match (AND); a key's
 * array matches when one of its entries does (OR); `$or` holds policies of which one must match, and
 * combines with the keys beside it; a missing attribute matches only `{"exists": false}`. String
 * attributes only (what the orchestrator publishes). An operator not written here throws, so a test
 * never passes on a policy it did not understand.
 */

export type FilterPolicy = { readonly [key: string]: unknown };
export type MessageAttributes = Readonly<
  Record<string, { readonly DataType: string; readonly StringValue?: string }>
>;

export function matchesFilterPolicy(policy: FilterPolicy, attributes: MessageAttributes): boolean {
  return Object.entries(policy).every(([key, rules]) =>
    key === '$or' ? anyPolicy(rules, attributes) : matchesKey(key, rules, attributes),
  );
}

function anyPolicy(policies: unknown, attributes: MessageAttributes): boolean {
  if (!Array.isArray(policies) || policies.length < 2)
    throw new Error('$or needs an array of at least two policies');
  return policies.some((p) => matchesFilterPolicy(asPolicy(p), attributes));
}

function matchesKey(key: string, rules: unknown, attributes: MessageAttributes): boolean {
  if (!Array.isArray(rules)) {
    // A nested object would filter on the message body (FilterPolicyScope MessageBody), not attributes.
    throw new Error(`filter policy key ${key} must be an array of rules`);
  }
  const attribute = attributes[key];
  if (attribute !== undefined && attribute.DataType !== 'String') {
    throw new Error(`attribute ${key}: only String attributes are evaluated here`);
  }
  return rules.some((rule) => matchesRule(rule, attribute?.StringValue));
}

function matchesRule(rule: unknown, value: string | undefined): boolean {
  if (typeof rule === 'string') return value === rule;
  if (rule === null || typeof rule !== 'object' || Array.isArray(rule)) {
    throw new Error(`unsupported filter rule ${JSON.stringify(rule)}`);
  }
  const entries = Object.entries(rule);
  if (entries.length !== 1) throw new Error(`a filter rule has one operator: ${JSON.stringify(rule)}`);
  const [operator, operand] = entries[0] as [string, unknown];
  if (operator === 'exists') return operand === (value !== undefined);
  if (value === undefined) return false;
  switch (operator) {
    case 'prefix':
      return value.startsWith(String(operand));
    case 'suffix':
      return value.endsWith(String(operand));
    case 'equals-ignore-case':
      return value.toLowerCase() === String(operand).toLowerCase();
    case 'anything-but':
      return !anythingButExcludes(operand, value);
    default:
      throw new Error(`filter operator ${operator} is not evaluated here`);
  }
}

function anythingButExcludes(operand: unknown, value: string): boolean {
  if (typeof operand === 'string') return value === operand;
  if (Array.isArray(operand)) return operand.includes(value);
  if (operand !== null && typeof operand === 'object' && 'prefix' in operand) {
    return value.startsWith(String((operand as { prefix: unknown }).prefix));
  }
  throw new Error(`unsupported anything-but operand ${JSON.stringify(operand)}`);
}

function asPolicy(value: unknown): FilterPolicy {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new Error('each $or entry must be a filter policy object');
  }
  return value as FilterPolicy;
}
