import cutoverDefinition from '../../../statemachines/cutover.asl.json' with { type: 'json' };
import recoverDefinition from '../../../statemachines/recover.asl.json' with { type: 'json' };

/**
 * The state machines as deployed (statemachines/*.asl.json, bundled with the code that reads them, no
 * file is opened at run time): the one source of state names, their order and what each records. The
 * core reads names from here instead of keeping a copy that could drift from the definition.
 */

/** The part of an Amazon States Language state the core reads. */
export interface AslState {
  readonly Type: string;
  readonly Next?: string;
  readonly ResultPath?: string | null;
  readonly Parameters?: unknown;
  readonly Catch?: readonly { readonly Next: string }[];
}

export interface AslMachine {
  readonly StartAt: string;
  readonly States: Readonly<Record<string, AslState>>;
}

export const CUTOVER_MACHINE: AslMachine = cutoverDefinition;
export const RECOVER_MACHINE: AslMachine = recoverDefinition;

/** A state the core relies on: a definition without it fails loudly when the module loads. */
export function stateOf(machine: AslMachine, name: string): AslState {
  const state = machine.States[name];
  if (!state) throw new Error(`state machine definition has no state ${name}`);
  return state;
}

/** `$.steps.slot` as the keys `at()` takes: ['steps', 'slot']. */
export function resultKeys(resultPath: string): string[] {
  return resultPath
    .replace(/^\$\.?/, '')
    .split('.')
    .filter(Boolean);
}
