import { type AslDefinition, visitStates } from './definition.js';

/**
 * In-memory adjustments that make a definition run locally the way it runs in AWS, only faster when
 * asked. The file on disk is never touched; these apply to a copy.
 *
 * - Timers: Node's setTimeout fires at once for delays over 2^31-1 ms, and aws-local-stepfunctions
 *   gives every Task a 60 s timeout when the state has none (AWS has no default). Tasks without a
 *   timeout get the longest delay a timer can hold, and longer ones are clamped to it.
 * - Retry: IntervalSeconds and MaxDelaySeconds are multiplied by `timeScale`, keeping BackoffRate
 *   and MaxAttempts, so the log shows the same attempts at the same relative spacing;
 *   `maxRetryIntervalMs` caps any single pause. (The library's own retryIntervalOverrides replace
 *   the computed pause with a constant, which would hide the backoff.)
 * - Wait: with a timeScale other than 1, each Wait becomes a Task run by a local timer that scales
 *   Seconds and SecondsPath; a Timestamp or TimestampPath is a moment on the real clock and is
 *   waited for unscaled (see local-wait.ts). The
 *   library's waitTimeOverrides only take a fixed number of milliseconds per state, which cannot
 *   scale a duration read from the input. The event log still reports these states as Wait.
 */
export const MAX_TIMER_SECONDS = Math.floor((2 ** 31 - 1) / 1000);
export const LOCAL_WAIT_RESOURCE = 'arn:aws:states:::local:wait';

export interface TimingOptions {
  /** Multiplier for Wait durations and Retry intervals: 0.001 turns a 30 s wait into 30 ms. */
  readonly timeScale: number;
  readonly maxRetryIntervalMs: number | undefined;
}

export interface PreparedTiming {
  readonly definition: AslDefinition;
  /** Names of Wait states that now run as local-timer Tasks. */
  readonly rewrittenWaits: ReadonlySet<string>;
}

type MutableState = Record<string, unknown>;

export function prepareTiming(definition: AslDefinition, options: TimingOptions): PreparedTiming {
  const copy = structuredClone(definition) as AslDefinition & MutableState;
  clampMachineTimeout(copy);
  const rewrittenWaits = new Set<string>();
  for (const { name, state } of visitStates(copy)) {
    const mutable = state as MutableState;
    if (state.Type === 'Task') defaultTaskTimeout(mutable);
    if (Array.isArray(state.Retry)) scaleRetriers(state.Retry, options);
    if (state.Type === 'Wait' && options.timeScale !== 1) {
      rewriteWait(mutable);
      rewrittenWaits.add(name);
    }
  }
  return { definition: copy, rewrittenWaits };
}

function clampMachineTimeout(machine: MutableState): void {
  if (typeof machine.TimeoutSeconds === 'number') {
    machine.TimeoutSeconds = Math.min(machine.TimeoutSeconds, MAX_TIMER_SECONDS);
  }
}

function defaultTaskTimeout(state: MutableState): void {
  if (typeof state.TimeoutSeconds === 'number') {
    state.TimeoutSeconds = Math.min(state.TimeoutSeconds, MAX_TIMER_SECONDS);
  } else if (state.TimeoutSecondsPath === undefined) {
    state.TimeoutSeconds = MAX_TIMER_SECONDS;
  }
}

// ASL defaults (States Language spec, Retry): IntervalSeconds 1, MaxDelaySeconds unbounded.
function scaleRetriers(retriers: unknown[], options: TimingOptions): void {
  const capSeconds =
    options.maxRetryIntervalMs === undefined ? Number.POSITIVE_INFINITY : options.maxRetryIntervalMs / 1000;
  for (const retrier of retriers as MutableState[]) {
    const interval =
      (typeof retrier.IntervalSeconds === 'number' ? retrier.IntervalSeconds : 1) * options.timeScale;
    const maxDelay =
      typeof retrier.MaxDelaySeconds === 'number'
        ? retrier.MaxDelaySeconds * options.timeScale
        : Number.POSITIVE_INFINITY;
    const cap = Math.min(maxDelay, capSeconds);
    // The library treats a MaxDelaySeconds of 0 as "no maximum", so a zero cap zeroes the interval.
    retrier.IntervalSeconds = cap <= 0 ? 0 : Math.min(interval, cap);
    if (Number.isFinite(cap) && cap > 0) retrier.MaxDelaySeconds = cap;
    else delete retrier.MaxDelaySeconds;
  }
}

/** The Wait's duration goes into Parameters, so the library evaluates paths (including `$$`). */
function rewriteWait(state: MutableState): void {
  const parameters: MutableState = { 'input.$': '$' };
  if (state.Seconds !== undefined) parameters.seconds = state.Seconds;
  if (state.SecondsPath !== undefined) parameters['seconds.$'] = state.SecondsPath;
  if (state.Timestamp !== undefined) parameters.timestamp = state.Timestamp;
  if (state.TimestampPath !== undefined) parameters['timestamp.$'] = state.TimestampPath;
  for (const field of ['Seconds', 'SecondsPath', 'Timestamp', 'TimestampPath']) delete state[field];
  state.Type = 'Task';
  state.Resource = LOCAL_WAIT_RESOURCE;
  state.Parameters = parameters;
  state.TimeoutSeconds = MAX_TIMER_SECONDS;
}
