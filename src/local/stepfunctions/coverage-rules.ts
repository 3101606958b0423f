/**
 * Which rule of a Choice state matches an input, evaluated the way AWS Step Functions does (not the
 * way aws-local-stepfunctions does: where the two differ, the coverage cross-check with the state the
 * run entered next reports it instead of counting a branch that was not taken).
 *
 * The event log names the state entered after a Choice, not the rule that sent it there; two rules
 * can share a Next (cutover's OldTaskStopping), so the rule is found by evaluation.
 */

export class ChoiceEvaluationError extends Error {
  override readonly name = 'ChoiceEvaluationError';
}

/** A path that names nothing in the input: AWS fails the Choice state with States.Runtime. */
export class MissingPathError extends ChoiceEvaluationError {}

/** Where a Choice state sends its input: a rule by index, its Default, or nowhere (States.NoChoiceMatched). */
export type ChoiceOutcome =
  | { readonly kind: 'rule'; readonly index: number; readonly next: string }
  | { readonly kind: 'default'; readonly next: string }
  | { readonly kind: 'none' };

type Rule = Readonly<Record<string, unknown>>;

/** Applies the state's InputPath, then tries each rule in order; the first match wins. */
export function chooseRule(state: Rule, rawInput: unknown): ChoiceOutcome {
  const input = effectiveInput(state, rawInput);
  const rules = Array.isArray(state.Choices) ? (state.Choices as Rule[]) : [];
  for (const [index, rule] of rules.entries()) {
    if (matches(rule, input)) return { kind: 'rule', index, next: String(rule.Next) };
  }
  return typeof state.Default === 'string' ? { kind: 'default', next: state.Default } : { kind: 'none' };
}

function effectiveInput(state: Rule, rawInput: unknown): unknown {
  if (state.InputPath === null) return {};
  if (state.InputPath === undefined) return rawInput;
  return readPath(String(state.InputPath), rawInput);
}

/** One Boolean expression or data-test expression of the ASL. */
export function matches(rule: Rule, input: unknown): boolean {
  if (Array.isArray(rule.And)) return (rule.And as Rule[]).every((r) => matches(r, input));
  if (Array.isArray(rule.Or)) return (rule.Or as Rule[]).some((r) => matches(r, input));
  if (isRule(rule.Not)) return !matches(rule.Not, input);
  if (typeof rule.Variable !== 'string') {
    throw new ChoiceEvaluationError(`a rule with no Variable: ${JSON.stringify(rule)}`);
  }
  const operator = Object.keys(rule).find((key) => key !== 'Variable' && key !== 'Next');
  if (operator === undefined)
    throw new ChoiceEvaluationError(`a rule with no operator: ${JSON.stringify(rule)}`);
  return test(operator, rule.Variable, rule[operator], input);
}

function isRule(value: unknown): value is Rule {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function test(operator: string, variable: string, operand: unknown, input: unknown): boolean {
  // IsPresent is the only test that reads a missing path without failing the state.
  if (operator === 'IsPresent') return lookUp(variable, input).found === operand;
  const value = readPath(variable, input);
  const typeTest = TYPE_TESTS[operator];
  if (typeTest) return typeTest(value) === operand;
  const comparison = parseComparison(operator);
  const against = comparison.path ? readPath(String(operand), input) : operand;
  return compare(comparison, value, against);
}

/** ASL's type tests: `IsNull: false` matches any value that is not null, like AWS. */
const TYPE_TESTS: Readonly<Record<string, (value: unknown) => boolean>> = {
  IsNull: (value) => value === null,
  IsString: (value) => typeof value === 'string',
  IsNumeric: (value) => typeof value === 'number',
  IsBoolean: (value) => typeof value === 'boolean',
  IsTimestamp: (value) => timestamp(value) !== undefined,
};

type Family = 'String' | 'Numeric' | 'Boolean' | 'Timestamp';
type Relation = 'Equals' | 'LessThan' | 'GreaterThan' | 'LessThanEquals' | 'GreaterThanEquals' | 'Matches';

interface Comparison {
  readonly family: Family;
  readonly relation: Relation;
  /** The ...Path variant: the operand is a path into the input. */
  readonly path: boolean;
}

const COMPARISON =
  /^(String|Numeric|Boolean|Timestamp)(Equals|LessThanEquals|GreaterThanEquals|LessThan|GreaterThan|Matches)(Path)?$/u;

function parseComparison(operator: string): Comparison {
  const found = COMPARISON.exec(operator);
  const family = found?.[1] as Family | undefined;
  const relation = found?.[2] as Relation | undefined;
  const valid =
    family !== undefined &&
    relation !== undefined &&
    (relation === 'Matches'
      ? family === 'String' && !found?.[3]
      : family !== 'Boolean' || relation === 'Equals');
  if (!valid) throw new ChoiceEvaluationError(`unknown Choice operator ${operator}`);
  return { family, relation, path: found?.[3] === 'Path' };
}

/** A comparison of values of different types is false in AWS (no coercion, unlike JavaScript's <). */
function compare({ family, relation }: Comparison, value: unknown, operand: unknown): boolean {
  if (relation === 'Matches') {
    return typeof value === 'string' && typeof operand === 'string' && wildcard(operand).test(value);
  }
  const pair = comparable(family, value, operand);
  if (pair === undefined) return false;
  const [a, b] = pair;
  switch (relation) {
    case 'Equals':
      return a === b;
    case 'LessThan':
      return a < b;
    case 'GreaterThan':
      return a > b;
    case 'LessThanEquals':
      return a <= b;
    case 'GreaterThanEquals':
      return a >= b;
  }
}

type Pair = readonly [string, string] | readonly [number, number] | readonly [boolean, boolean];

function comparable(family: Family, value: unknown, operand: unknown): Pair | undefined {
  switch (family) {
    case 'String':
      return typeof value === 'string' && typeof operand === 'string' ? [value, operand] : undefined;
    case 'Numeric':
      return typeof value === 'number' && typeof operand === 'number' ? [value, operand] : undefined;
    case 'Boolean':
      return typeof value === 'boolean' && typeof operand === 'boolean' ? [value, operand] : undefined;
    case 'Timestamp': {
      const a = timestamp(value);
      const b = timestamp(operand);
      return a === undefined || b === undefined ? undefined : [a, b];
    }
  }
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/iu;

function timestamp(value: unknown): number | undefined {
  if (typeof value !== 'string' || !RFC3339.test(value)) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

/** StringMatches: `*` matches any run of characters, `\*` a literal star, `\\` a backslash. */
export function wildcard(pattern: string): RegExp {
  let source = '';
  for (let i = 0; i < pattern.length; i += 1) {
    const char = pattern[i] as string;
    if (char === '\\' && i + 1 < pattern.length) {
      i += 1;
      source += escapeRegExp(pattern[i] as string);
    } else {
      source += char === '*' ? '.*' : escapeRegExp(char);
    }
  }
  return new RegExp(`^${source}$`, 'su');
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/gu, '\\$&');
}

/** The value a Reference Path names; a missing one fails the Choice state as in AWS. */
export function readPath(path: string, input: unknown): unknown {
  const found = lookUp(path, input);
  if (!found.found) throw new MissingPathError(`${path} names nothing in the Choice state's input`);
  return found.value;
}

/**
 * Reads a Reference Path (`$`, `$.a.b`, `$['a b']`, `$.list[0]`): the only paths a Choice's Variable
 * may use. The context object (`$$`) is not in the event log, so a rule reading it cannot be evaluated.
 */
export function lookUp(path: string, input: unknown): { found: boolean; value?: unknown } {
  if (path.startsWith('$$'))
    throw new ChoiceEvaluationError(`${path}: the context object is not in the event log`);
  let value = input;
  for (const segment of pathSegments(path)) {
    const next = child(value, segment);
    if (!next.found) return next;
    value = next.value;
  }
  return { found: true, value };
}

function child(value: unknown, segment: string | number): { found: boolean; value?: unknown } {
  if (typeof segment === 'number') {
    return Array.isArray(value) && segment < value.length
      ? { found: true, value: value[segment] }
      : { found: false };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value) || !Object.hasOwn(value, segment)) {
    return { found: false };
  }
  return { found: true, value: (value as Record<string, unknown>)[segment] };
}

const SEGMENT = /\.([^.[\]]+)|\['((?:[^'\\]|\\.)*)'\]|\[(\d+)\]/uy;

export function pathSegments(path: string): Array<string | number> {
  if (!path.startsWith('$')) throw new ChoiceEvaluationError(`${path} is not a reference path`);
  const segments: Array<string | number> = [];
  SEGMENT.lastIndex = 1;
  while (SEGMENT.lastIndex < path.length) {
    const at = SEGMENT.lastIndex;
    const found = SEGMENT.exec(path);
    if (found === null)
      throw new ChoiceEvaluationError(`${path}: cannot read the path at "${path.slice(at)}"`);
    const [, name, quoted, index] = found;
    if (name !== undefined) segments.push(name);
    else if (quoted !== undefined) segments.push(quoted.replace(/\\(.)/gu, '$1'));
    else segments.push(Number(index));
  }
  return segments;
}
