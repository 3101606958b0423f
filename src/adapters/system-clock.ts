import type { Clock } from '../ports/clock.js';

/** The Clock of a real run: wall time and timers. */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};
