import { ChoiceEvaluationError, type ChoiceOutcome, chooseRule } from './coverage-rules.js';
import { type AslDefinition, type AslState, visitStates } from './definition.js';
import type { ExecutionEvent } from './events.js';

/**
 * Path coverage of a state machine: states entered, Choice rules taken (each entry of `Choices` and
 * the `Default`) and Catch entries taken. Items are named like the ASL they point at, which is what
 * a person reads in the report and writes in the pending list: `Route` (a state),
 * `Route.Choices[2]`, `Route.Default`, `Decide.Catch[0]`.
 */
export type CoverageKind = 'states' | 'choices' | 'catches';

export const COVERAGE_KINDS: readonly CoverageKind[] = ['states', 'choices', 'catches'];

export interface CoverageItem {
  readonly kind: CoverageKind;
  readonly key: string;
  readonly state: string;
  /** choices: the rule's index in `Choices`, or 'Default'; catches: the entry's index in `Catch`. */
  readonly index?: number | 'Default';
}

export const stateKey = (state: string) => state;
export const choiceKey = (state: string, rule: number | 'Default') =>
  rule === 'Default' ? `${state}.Default` : `${state}.Choices[${rule}]`;
export const catchKey = (state: string, index: number) => `${state}.Catch[${index}]`;

/** Everything there is to cover in a definition, Map and Parallel inner states included. */
export function coverageItems(definition: AslDefinition): CoverageItem[] {
  const items: CoverageItem[] = [];
  for (const { name, state } of visitStates(definition)) {
    items.push({ kind: 'states', key: stateKey(name), state: name });
    choiceRules(state).forEach((_, index) => {
      items.push({ kind: 'choices', key: choiceKey(name, index), state: name, index });
    });
    if (typeof state.Default === 'string' && state.Type === 'Choice') {
      items.push({ kind: 'choices', key: choiceKey(name, 'Default'), state: name, index: 'Default' });
    }
    catchers(state).forEach((_, index) => {
      items.push({ kind: 'catches', key: catchKey(name, index), state: name, index });
    });
  }
  return items;
}

function choiceRules(state: AslState): unknown[] {
  return state.Type === 'Choice' && Array.isArray(state.Choices) ? state.Choices : [];
}

interface Catcher {
  readonly ErrorEquals?: readonly string[];
  readonly Next?: string;
}

function catchers(state: AslState): Catcher[] {
  return Array.isArray(state.Catch) ? (state.Catch as Catcher[]) : [];
}

/** What one execution covered, and where the Choice evaluation disagreed with the run. */
export interface ExecutionCoverage {
  readonly covered: string[];
  readonly mismatches: string[];
}

interface Located {
  readonly state: AslState;
  /** The (sub)machine the state belongs to: a Choice's next state is always in the same one. */
  readonly scope: string;
}

/**
 * Reads an execution's event log against its definition: StateEntered names, StateCaught matched to
 * the Catch entry by its ErrorEquals and Next, and each Choice's rule found by evaluating the rules
 * against the state's input, then checked against the state the run entered next.
 */
export function executionCoverage(
  definition: AslDefinition,
  events: readonly ExecutionEvent[],
): ExecutionCoverage {
  const states = locateStates(definition);
  const covered = new Set<string>();
  const mismatches: string[] = [];
  events.forEach((event, position) => {
    const name = event.stateName;
    const located = name === undefined ? undefined : states.get(name);
    if (name === undefined || located === undefined) return;
    if (event.type === 'StateEntered') {
      covered.add(stateKey(name));
      if (located.state.Type === 'Choice') {
        const taken = choiceTaken(name, located, event, nextEntered(events, position, located.scope, states));
        if (taken.key) covered.add(taken.key);
        if (taken.mismatch) mismatches.push(taken.mismatch);
      }
    } else if (event.type === 'StateCaught' && event.caught) {
      const index = catcherIndex(located.state, event.caught);
      if (index >= 0) covered.add(catchKey(name, index));
      else mismatches.push(`${name}: caught by ${JSON.stringify(event.caught)}, which is not in its Catch`);
    }
  });
  return { covered: [...covered], mismatches };
}

function locateStates(definition: AslDefinition): Map<string, Located> {
  const located = new Map<string, Located>();
  for (const { name, state, path } of visitStates(definition)) {
    located.set(name, { state, scope: path.slice(0, path.length - name.length) });
  }
  return located;
}

/**
 * The state the run entered after this Choice: the next StateEntered of the same (sub)machine and the
 * same Map iteration. Other iterations and branches interleave in the log, so order alone is not enough.
 */
function nextEntered(
  events: readonly ExecutionEvent[],
  position: number,
  scope: string,
  states: ReadonlyMap<string, Located>,
): string | undefined {
  const choice = events[position];
  for (let i = position + 1; i < events.length; i += 1) {
    const event = events[i];
    if (event?.type !== 'StateEntered' || event.index !== choice?.index) continue;
    const name = event.stateName;
    if (name !== undefined && states.get(name)?.scope === scope) return name;
  }
  return undefined;
}

/** The rule taken, counted only when the state entered next confirms it. */
function choiceTaken(
  name: string,
  located: Located,
  event: ExecutionEvent,
  next: string | undefined,
): { key?: string; mismatch?: string } {
  let outcome: ChoiceOutcome | { kind: 'error'; message: string };
  try {
    outcome = chooseRule(located.state, event.input);
  } catch (error) {
    if (!(error instanceof ChoiceEvaluationError)) throw error;
    outcome = { kind: 'error', message: error.message };
  }
  if (next === undefined) {
    // The run ended here: stopped, or the state failed (no rule matched, a path was missing).
    return {};
  }
  if (outcome.kind === 'error' || outcome.kind === 'none') {
    const said = outcome.kind === 'error' ? `evaluation failed (${outcome.message})` : 'no rule matches';
    return { mismatch: `${name}: ${said}, but the run entered ${next}` };
  }
  const key = choiceKey(name, outcome.kind === 'rule' ? outcome.index : 'Default');
  if (outcome.next !== next) {
    return { mismatch: `${name}: the rules say ${key} -> ${outcome.next}, but the run entered ${next}` };
  }
  return { key };
}

function catcherIndex(state: AslState, caught: NonNullable<ExecutionEvent['caught']>): number {
  return catchers(state).findIndex(
    (c) => c.Next === caught.next && sameList(c.ErrorEquals ?? [], caught.errorEquals),
  );
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((value, i) => value === b[i]);
}

export interface KindSummary {
  readonly covered: number;
  readonly total: number;
  readonly all: CoverageItem[];
  readonly uncovered: CoverageItem[];
}

export type MachineSummary = Readonly<Record<CoverageKind, KindSummary>> & { readonly name: string };

/** A machine's figures: what its definition holds against the keys the runs covered. */
export function summarize(
  name: string,
  definition: AslDefinition,
  covered: ReadonlySet<string>,
): MachineSummary {
  const items = coverageItems(definition);
  const kind = (k: CoverageKind): KindSummary => {
    const all = items.filter((item) => item.kind === k);
    const uncovered = all.filter((item) => !covered.has(item.key));
    return { covered: all.length - uncovered.length, total: all.length, all, uncovered };
  };
  return { name, states: kind('states'), choices: kind('choices'), catches: kind('catches') };
}

/** Per machine, the union of what every execution covered (executions of other definitions ignored). */
export interface RunCoverage {
  readonly covered: ReadonlyMap<string, ReadonlySet<string>>;
  readonly mismatches: readonly string[];
}

export interface RecordedExecution extends ExecutionCoverage {
  readonly machine: string;
}

export function mergeExecutions(executions: Iterable<RecordedExecution>): RunCoverage {
  const covered = new Map<string, Set<string>>();
  const mismatches = new Set<string>();
  for (const execution of executions) {
    const keys = covered.get(execution.machine) ?? new Set<string>();
    for (const key of execution.covered) keys.add(key);
    covered.set(execution.machine, keys);
    for (const mismatch of execution.mismatches) mismatches.add(`${execution.machine} ${mismatch}`);
  }
  return { covered, mismatches: [...mismatches].sort() };
}
