/**
 * EventBridge event-pattern matching, as the Amazon EventBridge User Guide documents it ("Event patterns",
 * "Content filtering in Amazon EventBridge event patterns"). No maintained JavaScript implementation is on
 * the registry (AWS's own is the Java `event-ruler`), so this small matcher covers the documented
 * semantics the stack's rules use and a little more, with its own tests (test/deploy/events.test.ts):
 *   - a pattern is an object; every field it names must match (AND); `$or` takes a list of sub-patterns;
 *   - a leaf is a list of conditions, any of which matches (OR); an event field holding a list matches
 *     when any of its elements does;
 *   - conditions: a string, number, boolean or null matched exactly (case-sensitive); `prefix`, `suffix`,
 *     `equals-ignore-case`, `wildcard` (`*` is any run of characters, `\*` a literal star),
 *     `anything-but` (a value, a list, or `{ prefix }`/`{ suffix }`), `numeric` (operator/value pairs),
 *     `exists` (true: the field is present and not an object; false: absent);
 *   - a field the event lacks matches only `{ "exists": false }`.
 */
type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const MISSING = Symbol('missing');

export function matchesPattern(pattern: Json, event: Json): boolean {
  if (pattern === null || typeof pattern !== 'object' || Array.isArray(pattern))
    throw new Error(`an event pattern is an object: ${JSON.stringify(pattern)}`);
  return matchObject(pattern, event);
}

function matchObject(pattern: { [key: string]: Json }, value: Json | typeof MISSING): boolean {
  return Object.entries(pattern).every(([key, sub]) => {
    if (key === '$or') {
      if (!Array.isArray(sub)) throw new Error('$or takes a list of patterns');
      return sub.some((alternative) => matchObject(alternative as { [key: string]: Json }, value));
    }
    const field =
      value !== MISSING &&
      value !== null &&
      typeof value === 'object' &&
      !Array.isArray(value) &&
      key in value
        ? (value[key] as Json)
        : MISSING;
    if (Array.isArray(sub)) return matchLeaf(sub, field);
    if (sub !== null && typeof sub === 'object') return matchObject(sub, field);
    throw new Error(`pattern field ${key} must be a list of conditions or an object`);
  });
}

function matchLeaf(conditions: Json[], field: Json | typeof MISSING): boolean {
  if (conditions.length === 0) throw new Error('an empty list of conditions matches nothing AWS accepts');
  return conditions.some((condition) => {
    if (condition !== null && typeof condition === 'object' && !Array.isArray(condition)) {
      if ('exists' in condition) {
        const present =
          field !== MISSING && !(field !== null && typeof field === 'object' && !Array.isArray(field));
        return condition.exists === present;
      }
      if (field === MISSING) return false;
      return values(field).some((v) => matchOperator(condition, v));
    }
    if (field === MISSING) return false;
    return values(field).some((v) => v === condition);
  });
}

function values(field: Json): Json[] {
  return Array.isArray(field) ? field : [field];
}

function matchOperator(condition: { [key: string]: Json }, value: Json): boolean {
  const [operator, argument] = Object.entries(condition)[0] as [string, Json];
  switch (operator) {
    case 'prefix':
      if (argument !== null && typeof argument === 'object' && !Array.isArray(argument))
        return (
          typeof value === 'string' &&
          value.toLowerCase().startsWith(String(argument['equals-ignore-case']).toLowerCase())
        );
      return typeof value === 'string' && value.startsWith(String(argument));
    case 'suffix':
      return typeof value === 'string' && value.endsWith(String(argument));
    case 'equals-ignore-case':
      return typeof value === 'string' && value.toLowerCase() === String(argument).toLowerCase();
    case 'wildcard':
      return typeof value === 'string' && wildcard(String(argument)).test(value);
    case 'anything-but': {
      if (argument !== null && typeof argument === 'object' && !Array.isArray(argument))
        return !matchOperator(argument, value);
      return !values(argument).some((excluded) => excluded === value);
    }
    case 'numeric':
      return typeof value === 'number' && numeric(argument as (string | number)[], value);
    default:
      throw new Error(`content filter ${operator} is not modelled`);
  }
}

function wildcard(text: string): RegExp {
  let source = '';
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i] as string;
    if (c === '\\' && text[i + 1] === '*') {
      source += '\\*';
      i += 1;
    } else if (c === '*') source += '.*';
    else source += c.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`, 's');
}

function numeric(spec: (string | number)[], value: number): boolean {
  for (let i = 0; i < spec.length; i += 2) {
    const op = String(spec[i]);
    const bound = Number(spec[i + 1]);
    const ok =
      op === '='
        ? value === bound
        : op === '<'
          ? value < bound
          : op === '<='
            ? value <= bound
            : op === '>'
              ? value > bound
              : op === '>='
                ? value >= bound
                : false;
    if (!ok) return false;
  }
  return true;
}
