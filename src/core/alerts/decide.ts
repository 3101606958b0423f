import type { AlertLevel, AlertStateRecord, AlertStateUpdate } from '../../ports/alert-state.js';
import type { Observation } from './evaluate.js';

/**
 * ALERT: the level changed to WARNING or CRITICAL (up or down); RESOLVED: back to OK;
 * REMINDER: still CRITICAL and the re-notification interval has passed.
 */
export type NotificationKind = 'ALERT' | 'REMINDER' | 'RESOLVED';

export interface Decision {
  /** What to store (compare-and-set on the version read); null: nothing worth a write. */
  readonly write: AlertStateUpdate | null;
  readonly notify: NotificationKind | null;
}

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
 */
export function decide(
  observation: Observation,
  previous: AlertStateRecord | undefined,
  now: number,
  renotifyMs: number,
): Decision {
  const before: AlertLevel = previous?.state ?? 'OK';
  const value = observation.value;
  if (observation.level === before) {
    if (before === 'OK' || !previous) return { write: null, notify: null };
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
    };
  }
  return {
    write: { state: observation.level, since: now, lastNotifiedAt: now, lastValue: value },
    notify: observation.level === 'OK' ? 'RESOLVED' : 'ALERT',
  };
}
