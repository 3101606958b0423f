import { at, isObject, text } from '../json-read.js';

/**
 * Which stage of the cutover machine a failed execution stopped at, read back from the results its
 * states left in the execution state (the failure notification names it).
 */

/** The machine's stages in order, each with the state that proves it finished. */
export const CUTOVER_STAGES = [
  'PlanCutover',
  'FindTask',
  'Preflight',
  'EnsureSlot',
  'CreateSourceEndpoint',
  'TestConnection',
  'CreateCdcTask',
  'WaitForReady',
  'StartTask',
  'WaitForRunning',
  'CatchUp',
  'Approval',
  'ConfirmRunning',
  'WaitForQuiet',
  'StopTask',
  'WaitForStop',
  'VerifyRowCounts',
] as const;
export type CutoverStage = (typeof CUTOVER_STAGES)[number] | 'NotifySuccess';

/**
 * The stage that failed: the first one without a result after the last one with a result (a later
 * result proves the earlier stages ran, even one whose record a newer definition renamed). Approval,
 * the quiet wait, the stop and the verification count only when the plan asks for them; when every
 * stage finished, the failure was the success notification itself.
 */
export function failedStage(state: unknown): CutoverStage {
  const plan = at(state, 'plan');
  const steps = at(state, 'steps');
  const polls = at(state, 'polls');
  const mode = text(at(plan, 'end', 'mode'));
  const quietEnd = mode === 'stop-when-quiet';
  const stops = at(plan, 'end', 'stops') === true;
  const finished: Record<(typeof CUTOVER_STAGES)[number], boolean> = {
    PlanCutover: isObject(plan),
    FindTask: isObject(at(steps, 'existing')),
    Preflight: isObject(at(steps, 'preflight')),
    EnsureSlot: isObject(at(steps, 'slot')),
    CreateSourceEndpoint: isObject(at(steps, 'endpoint')),
    TestConnection: at(steps, 'connection', 'done') === true,
    CreateCdcTask: isObject(at(steps, 'task')),
    WaitForReady: at(polls, 'ready', 'done') === true,
    StartTask: isObject(at(steps, 'started')),
    WaitForRunning: at(polls, 'running', 'done') === true,
    CatchUp: at(polls, 'catchUp', 'caughtUp') === true,
    Approval: at(plan, 'approval', 'required') !== true || at(steps, 'approval') !== undefined,
    ConfirmRunning: mode !== 'continuous' || at(polls, 'final', 'done') === true,
    WaitForQuiet: !quietEnd || at(polls, 'quiet', 'caughtUp') === true,
    StopTask: !quietEnd || isObject(at(steps, 'stop')),
    WaitForStop:
      !stops || (at(polls, 'stopped', 'done') === true && stoppedAsAsked(mode, at(polls, 'stopped'))),
    VerifyRowCounts: at(plan, 'verify', 'rowCounts') !== true || isObject(at(steps, 'verify')),
  };
  const applies = (stage: (typeof CUTOVER_STAGES)[number]) =>
    (stage !== 'Approval' || at(plan, 'approval', 'required') === true) &&
    (stage !== 'ConfirmRunning' || mode === 'continuous') &&
    ((stage !== 'WaitForQuiet' && stage !== 'StopTask') || quietEnd) &&
    (stage !== 'WaitForStop' || stops) &&
    (stage !== 'VerifyRowCounts' || at(plan, 'verify', 'rowCounts') === true);
  const last = CUTOVER_STAGES.reduce(
    (found, stage, i) => (applies(stage) && finished[stage] ? i : found),
    -1,
  );
  return CUTOVER_STAGES.slice(last + 1).find((stage) => !finished[stage]) ?? 'NotifySuccess';
}

/** The stop the plan asked for, as the stop poll reported it (the ASL's StoppedWhereAsked, read back). */
function stoppedAsAsked(mode: string | null, poll: unknown): boolean {
  const code = text(at(poll, 'stopCode'));
  if (mode === 'stop-at-position') return code?.startsWith('STOPPED_AT_') === true;
  return code === null || code === 'NORMAL';
}
