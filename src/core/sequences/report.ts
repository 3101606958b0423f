import { OrchestratorError } from '../errors.js';
import type { SyncAction, SyncStep } from './plan.js';

/** Steps after which the target sequence stands at or past the source: nothing left to do. */
const DONE: ReadonlySet<SyncAction> = new Set(['set', 'in-step', 'target-ahead']);

export interface SyncSummary {
  readonly sequences: number;
  readonly set: number;
  readonly inStep: number;
  readonly targetAhead: number;
  /** Left behind the source: missing, unreadable, not writable or out of range on the target. */
  readonly notSynced: number;
}

export function summarizeSync(steps: readonly SyncStep[]): SyncSummary {
  const count = (action: SyncAction) => steps.filter((s) => s.action === action).length;
  return {
    sequences: steps.length,
    set: count('set'),
    inStep: count('in-step'),
    targetAhead: count('target-ahead'),
    notSynced: stepsNotSynced(steps).length,
  };
}

export function stepsNotSynced(steps: readonly SyncStep[]): SyncStep[] {
  return steps.filter((s) => !DONE.has(s.action));
}

/** A step as shown: the setval arguments repeat schema, name and target value, so they are left out. */
export function withoutSetval({ setval: _, ...step }: SyncStep): Omit<SyncStep, 'setval'> {
  return step;
}

/** A state's result stays far under Step Functions' 256 KB: the steps that did something, at most this many. */
const MAX_LISTED = 100;

export interface SyncSequencesResult {
  readonly summary: SyncSummary;
  /** The sequences set or found ahead (at most MAX_LISTED); in-step ones are only counted. */
  readonly sequences: readonly Omit<SyncStep, 'setval'>[];
}

/** The sync step's result; SequencesNotSyncedError when any sequence is left behind the source. */
export function syncedSequences(steps: readonly SyncStep[]): SyncSequencesResult {
  const failed = stepsNotSynced(steps);
  if (failed.length > 0) throw new SequencesNotSyncedError(failed);
  const listed = steps.filter((s) => s.action !== 'in-step').slice(0, MAX_LISTED);
  return { summary: summarizeSync(steps), sequences: listed.map(withoutSetval) };
}

/** Some target sequences could not be brought to the source's position: they would hand out used keys. */
export class SequencesNotSyncedError extends OrchestratorError {
  override readonly name = 'SequencesNotSyncedError';
  readonly steps: readonly SyncStep[];

  constructor(steps: readonly SyncStep[]) {
    const shown = steps
      .slice(0, 10)
      .map((s) => `${s.name} (${s.action})`)
      .join(', ');
    const more = steps.length > 10 ? ` and ${steps.length - 10} more` : '';
    super(
      `${steps.length} target sequence${steps.length === 1 ? '' : 's'} could not be set to the source's value: ${shown}${more}`,
      'Create the missing sequences on the target, GRANT SELECT, UPDATE ON SEQUENCE ... to the target role ' +
        '(SELECT on the source), or lower the gap; then run `dms-cdc sequences sync` (it only moves sequences forward)',
    );
    this.steps = steps;
  }
}
