import type { AlertLevel, AlertStateRecord, AlertStateUpdate } from '../../ports/alert-state.js';
import type { Observation } from './evaluate.js';
import { heldLevel } from './hysteresis.js';

/**
 * ALERT: the level changed to WARNING or CRITICAL (up or down); RESOLVED: back to OK;
 * REMINDER: still CRITICAL and the re-notification interval has passed.
 */
export type NotificationKind = 'ALERT' | 'REMINDER' | 'RESOLVED';

export interface Decision {
  /** What to store (compare-and-set on the version read); null: nothing worth a write. */
  readonly write: AlertStateUpdate | null;
  readonly notify: NotificationKind | null;
  /** The level the metric stands at after hysteresis and the notification interval. */
  readonly level: AlertLevel;
}

/** How eagerly levels change: hysteresis around thresholds and a minimum time between notifications. */
export interface DamperPolicy {
  /** A level is left only this far (percent of its threshold) on the good side of it. */
  readonly hysteresisPercent: number;
  /** A step down, back to OK, or up from a recent resolution waits this long after the last notification. */
  readonly minNotifyMs: number;
}

const NO_DAMPING: DamperPolicy = { hysteresisPercent: 0, minNotifyMs: 0 };

/**
 * The alerting rule, pure: from the stored state and a new observation, what to store and whether
 * to notify.
 *
 * - OK stays OK: nothing is written (a healthy metric costs one read per check, no write).
 * - A change of level is stored with `since` = now and notified: WARNING/CRITICAL as an ALERT, OK as
 *   RESOLVED.
 * - WARNING or CRITICAL that persists is rewritten with the new value (so the next message can give
 *   the trend since the previous check); CRITICAL is notified again once `renotifyMs` has passed
 *   since the last notification.
 * - Damping: a level is held until the value is past its hysteresis bound (heldLevel), and a change
 *   is held back while the last notification is younger than minNotifyMs, so flapping gives one
 *   message. Only a rise to CRITICAL never waits: that is the alert the whole check exists for.
 */
export function decide(
  observation: Observation,
  previous: AlertStateRecord | undefined,
  now: number,
  renotifyMs: number,
  policy: DamperPolicy = NO_DAMPING,
): Decision {
  const before: AlertLevel = previous?.state ?? 'OK';
  const level = dampedLevel(observation, previous, now, policy);
  const value = observation.value;
  if (level === before) {
    if (before === 'OK' || !previous) return { write: null, notify: null, level };
    const due =
      before === 'CRITICAL' &&
      (previous.lastNotifiedAt === null || now - previous.lastNotifiedAt >= renotifyMs);
    return {
      write: {
        state: before,
        since: previous.since,
        lastNotifiedAt: due ? now : previous.lastNotifiedAt,
        lastValue: value,
      },
      notify: due ? (previous.lastNotifiedAt === null ? 'ALERT' : 'REMINDER') : null,
      level,
    };
  }
  return {
    write: { state: level, since: now, lastNotifiedAt: now, lastValue: value },
    notify: level === 'OK' ? 'RESOLVED' : 'ALERT',
    level,
  };
}

function dampedLevel(
  observation: Observation,
  previous: AlertStateRecord | undefined,
  now: number,
  policy: DamperPolicy,
): AlertLevel {
  const before: AlertLevel = previous?.state ?? 'OK';
  const level = heldLevel(observation, before, policy.hysteresisPercent);
  if (level === before || level === 'CRITICAL') return level;
  const last = previous?.lastNotifiedAt ?? null;
  // No minimum interval holds nothing back, even behind a notification another checker stamped
  // with a clock running ahead of this one.
  const recent = policy.minNotifyMs > 0 && last !== null && now - last < policy.minNotifyMs;
  return recent ? before : level;
}
