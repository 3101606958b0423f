import type { AlertLevel } from '../../ports/alert-state.js';
import type { Observation } from './evaluate.js';
import { LEVEL_RANK, LOWER_IS_WORSE } from './metrics.js';

/**
 * The level an observation stands at given the level stored before it. A level is entered at its
 * threshold but left only once the value is `percent` of that threshold on the good side of it
 * (below 90% of it for "higher is worse" at 10%, above 110% for "less is worse"), so a value
 * wandering around a threshold does not alert, resolve and alert again. Status metrics and
 * observations without a value (no forecast: nothing shrinks) take their own level.
 */
export function heldLevel(observation: Observation, before: AlertLevel, percent: number): AlertLevel {
  const value = observation.value;
  const thresholds = observation.thresholds;
  if (LEVEL_RANK[observation.level] >= LEVEL_RANK[before]) return observation.level;
  if (value === null || thresholds === null || !('warning' in thresholds)) return observation.level;
  const { warning, critical } = thresholds;
  // Status thresholds are lists; a null level is one switched off, which the loop below skips
  // (typeof null is 'object', so testing for objects would leave every such metric unheld).
  if (!isLevel(warning) || !isLevel(critical)) return observation.level;
  const lower = LOWER_IS_WORSE.has(observation.metric);
  const candidates: [AlertLevel, number | null][] = [
    ['CRITICAL', critical],
    ['WARNING', warning],
  ];
  for (const [level, threshold] of candidates) {
    if (LEVEL_RANK[level] > LEVEL_RANK[before] || LEVEL_RANK[level] <= LEVEL_RANK[observation.level])
      continue;
    if (threshold === null) continue;
    const margin = (Math.abs(threshold) * percent) / 100;
    if (lower ? value <= threshold + margin : value >= threshold - margin) return level;
  }
  return observation.level;
}

function isLevel(threshold: number | null | readonly unknown[]): threshold is number | null {
  return !Array.isArray(threshold);
}
