import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';

/** The slice of the Amazon States Language the runner reads; everything else passes through untouched. */
export interface AslState {
  readonly Type: string;
  readonly [field: string]: unknown;
}

export interface AslDefinition {
  readonly StartAt: string;
  readonly States: Readonly<Record<string, AslState>>;
  readonly [field: string]: unknown;
}

/** A state found anywhere in the machine, including Parallel branches and Map processors. */
export interface VisitedState {
  readonly name: string;
  readonly state: AslState;
  /** Where it sits, for error messages: `States.Fanout.ItemProcessor.States.Check`. */
  readonly path: string;
}

export interface LoadedDefinition {
  /** The definition as it would be deployed: placeholders replaced, nothing else changed. */
  readonly definition: AslDefinition;
  /** The state machine's name for the context object (the file name without `.asl.json`). */
  readonly name: string;
}

export class DefinitionError extends Error {
  override readonly name = 'DefinitionError';
}

/** Reads a definition file as text: substitution happens on the text, as CloudFormation does it. */
export async function readDefinitionText(path: string): Promise<{ text: string; name: string }> {
  const text = await readFile(path, 'utf8');
  return { text, name: basename(path).replace(/\.asl\.json$|\.json$/u, '') };
}

export function parseDefinition(text: string, origin: string): AslDefinition {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new DefinitionError(`${origin}: not valid JSON after substitution: ${(error as Error).message}`);
  }
  if (!isRecord(parsed) || typeof parsed.StartAt !== 'string' || !isRecord(parsed.States)) {
    throw new DefinitionError(`${origin}: not a state machine (StartAt and States are required)`);
  }
  return parsed as unknown as AslDefinition;
}

/** Every state, depth first, with the nested machines of Parallel and Map states. */
export function* visitStates(machine: AslDefinition, prefix = 'States'): Generator<VisitedState> {
  for (const [name, state] of Object.entries(machine.States)) {
    const path = `${prefix}.${name}`;
    yield { name, state, path };
    for (const [label, nested] of nestedMachines(state)) {
      yield* visitStates(nested, `${path}.${label}.States`);
    }
  }
}

/** The machines nested in one state: Parallel `Branches`, Map `ItemProcessor` (or legacy `Iterator`). */
export function nestedMachines(state: AslState): Array<[string, AslDefinition]> {
  const found: Array<[string, AslDefinition]> = [];
  if (Array.isArray(state.Branches)) {
    state.Branches.forEach((branch, index) => {
      if (isMachine(branch)) found.push([`Branches[${index}]`, branch]);
    });
  }
  for (const field of ['ItemProcessor', 'Iterator'] as const) {
    const nested = state[field];
    if (isMachine(nested)) found.push([field, nested]);
  }
  return found;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isMachine(value: unknown): value is AslDefinition {
  return isRecord(value) && typeof value.StartAt === 'string' && isRecord(value.States);
}
