import { at, isObject, text } from '../json-read.js';
import { CUTOVER_MACHINE, resultKeys, stateOf } from '../statemachines/asl.js';

/**
 * Which stage of the cutover machine a failed execution stopped at, read back from the results its
 * states left in the execution state (the failure notification names it). The stages come from the
 * definition itself (statemachines/cutover.asl.json): every Task whose failure the machine reports
 * (its Catch goes where the first state's does), in the order the definition lists them, once per result it
 * records (a retry loop's second Task, TestConnectionAgain, records the same result as the first).
 */

/** A Task state's name: a stage, or the success notification when every stage finished. */
export type CutoverStage = string;

interface Evidence {
  /** The stage is part of this run's plan (approval, the quiet wait, the stop and the verification are optional). */
  applies(plan: unknown): boolean;
  /** The stage's result proves it finished: a poll that is done, not only one that ran. */
  finished(result: unknown, plan: unknown): boolean;
}

const endMode = (plan: unknown) => text(at(plan, 'end', 'mode'));
const quietEnd = (plan: unknown) => endMode(plan) === 'stop-when-quiet';
const always = () => true;
const done = (result: unknown) => at(result, 'done') === true;
const caughtUp = (result: unknown) => at(result, 'caughtUp') === true;

/**
 * How a result proves its stage finished, by the result path the ASL writes it to. A stage not listed
 * here finished when its result is an object.
 */
export const EVIDENCE: Readonly<Record<string, Evidence>> = {
  '$.steps.connection': { applies: always, finished: done },
  '$.polls.ready': { applies: always, finished: done },
  '$.polls.running': { applies: always, finished: done },
  '$.polls.catchUp': { applies: always, finished: caughtUp },
  '$.steps.approval': {
    applies: (plan) => at(plan, 'approval', 'required') === true,
    finished: (result) => result !== undefined,
  },
  '$.polls.final': { applies: (plan) => endMode(plan) === 'continuous', finished: done },
  '$.polls.quiet': { applies: quietEnd, finished: caughtUp },
  '$.steps.stop': { applies: quietEnd, finished: isObject },
  '$.polls.stopped': {
    applies: (plan) => at(plan, 'end', 'stops') === true,
    finished: (result, plan) => done(result) && stoppedAsAsked(endMode(plan), result),
  },
  '$.steps.sequences': { applies: (plan) => at(plan, 'sequences', 'sync') === true, finished: isObject },
  '$.steps.verify': { applies: (plan) => at(plan, 'verify', 'rowCounts') === true, finished: isObject },
};

/** Where a failure is reported: the state the first state's Catch goes to. */
const FAILURE_HANDLER = stateOf(CUTOVER_MACHINE, CUTOVER_MACHINE.StartAt).Catch?.[0]?.Next;

/** The success notification: the Task whose next state ends the execution in success. */
const SUCCESS_NOTIFICATION = Object.entries(CUTOVER_MACHINE.States).find(
  ([, state]) => state.Type === 'Task' && CUTOVER_MACHINE.States[state.Next ?? '']?.Type === 'Succeed',
)?.[0];

/** The machine's stages in order, each with the result path that proves it finished. */
export const CUTOVER_STAGES: readonly { readonly name: string; readonly resultPath: string }[] = stagesOf();

function stagesOf() {
  const seen = new Set<string>();
  const stages: { name: string; resultPath: string }[] = [];
  for (const [name, state] of Object.entries(CUTOVER_MACHINE.States)) {
    const reported = state.Catch?.some((c) => c.Next === FAILURE_HANDLER) === true;
    const resultPath = state.ResultPath;
    if (state.Type !== 'Task' || !reported || typeof resultPath !== 'string' || seen.has(resultPath))
      continue;
    seen.add(resultPath);
    stages.push({ name, resultPath });
  }
  return stages;
}

/**
 * The stage that failed: the first one without a result after the last one with a result (a later
 * result proves the earlier stages ran, even one whose record a newer definition renamed). Stages the
 * plan does not ask for count as finished; when every stage finished, the failure was the success
 * notification itself.
 */
export function failedStage(state: unknown): CutoverStage {
  const plan = at(state, 'plan');
  const evidence = (resultPath: string): Evidence =>
    EVIDENCE[resultPath] ?? { applies: always, finished: isObject };
  const finished = CUTOVER_STAGES.map(({ resultPath }) => {
    const { applies, finished: proves } = evidence(resultPath);
    const ran = proves(at(state, ...resultKeys(resultPath)), plan);
    return { applies: applies(plan), finished: !applies(plan) || ran };
  });
  const last = finished.reduce((found, stage, i) => (stage.applies && stage.finished ? i : found), -1);
  const failed = CUTOVER_STAGES.slice(last + 1).find((_, i) => finished[last + 1 + i]?.finished !== true);
  return failed?.name ?? SUCCESS_NOTIFICATION ?? 'the success notification';
}

/** The stop the plan asked for, as the stop poll reported it (the ASL's StoppedWhereAsked, read back). */
function stoppedAsAsked(mode: string | null, poll: unknown): boolean {
  const code = text(at(poll, 'stopCode'));
  if (mode === 'stop-at-position') return code?.startsWith('STOPPED_AT_') === true;
  return code === null || code === 'NORMAL';
}
