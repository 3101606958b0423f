import { setTimeout as sleep } from 'node:timers/promises';
import { isRecord } from './definition.js';
import { StatesRuntimeFailure } from './task-errors.js';

/**
 * A Wait rewritten by prepareTiming: wait the scaled duration, then pass the input through. Only
 * durations are scaled: a Timestamp names a moment of the outside world (a task's stop time, say),
 * which real PostgreSQL and the local engine reach on the real clock, so it is waited for as is.
 */
export async function scaledWait(input: unknown, timeScale: number, signal: AbortSignal): Promise<unknown> {
  const request = isRecord(input) ? input : {};
  const ms = waitMilliseconds(request) * ('seconds' in request ? timeScale : 1);
  if (ms > 0 && !signal.aborted) {
    await sleep(ms, undefined, { signal: signal }).catch(() => undefined);
  }
  return request.input ?? null;
}

function waitMilliseconds(request: Record<string, unknown>): number {
  if ('seconds' in request) {
    const seconds = request.seconds;
    if (typeof seconds !== 'number' || !Number.isInteger(seconds) || seconds < 0) {
      throw new StatesRuntimeFailure(
        `Wait: seconds must be a non-negative integer, got ${JSON.stringify(seconds)}`,
      );
    }
    return seconds * 1000;
  }
  const at = typeof request.timestamp === 'string' ? Date.parse(request.timestamp) : Number.NaN;
  if (Number.isNaN(at)) {
    throw new StatesRuntimeFailure(`Wait: not a timestamp: ${JSON.stringify(request.timestamp)}`);
  }
  return Math.max(0, at - Date.now());
}
