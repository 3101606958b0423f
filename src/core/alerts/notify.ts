import type { AlertLevel, AlertState, AlertStateRecord, AlertStateUpdate } from '../../ports/alert-state.js';
import type { Alerts, Severity } from '../../ports/alerts.js';
import type { Clock } from '../../ports/clock.js';
import { OrchestratorError } from '../errors.js';
import { describeError } from '../health/check.js';
import { type DamperPolicy, decide, type NotificationKind } from './decide.js';
import type { Observation } from './evaluate.js';
import { buildAlertMessage } from './message.js';
import type { MetricName } from './metrics.js';

export interface AlertDeps {
  readonly state: AlertState;
  readonly alerts: Alerts;
  readonly clock: Clock;
}

export interface SentAlert {
  readonly kind: NotificationKind;
  readonly severity: Severity;
  readonly subject: string;
  readonly messageId: string;
}

export interface ObservationOutcome {
  readonly key: string;
  readonly metric: MetricName;
  readonly slot: string | undefined;
  readonly level: AlertLevel;
  /** The observation's summary (its own level's words, even when hysteresis held another level). */
  readonly summary: string;
  readonly sent: SentAlert | null;
  /** Another run wrote this key between our read and our write: it decided, we stayed quiet. */
  readonly lostRace: boolean;
}

/** One or more alerts could not be stored or published; the state of each was left as it was. */
export class AlertDeliveryError extends OrchestratorError {
  override readonly name = 'AlertDeliveryError';

  constructor(readonly failures: readonly { readonly key: string; readonly error: string }[]) {
    super(
      `${failures.length} alert(s) not delivered: ${failures.map((f) => `${f.key}: ${f.error}`).join('; ')}`,
      'Check the SNS topic and the alert-state table (permissions, KMS key, throttling); the next scheduled ' +
        'check sends them again, since their state was not advanced',
    );
  }
}

/** How many alert-state reads and writes run at once for one source. */
const CONCURRENCY = 16;

/**
 * Stores and notifies what changed. For each observation: read its state, decide, write with a
 * compare-and-set on the version read, and publish only if the write won. Two overlapping checks
 * read the same version; one write wins and publishes, the other learns it lost and stays quiet
 * (the winner saw a reading from the same moment). If publishing fails after the write, the state
 * is put back so the next check tries again, and AlertDeliveryError is thrown once every
 * observation has been processed.
 */
export async function processObservations(
  observations: readonly Observation[],
  renotifyMinutes: number,
  deps: AlertDeps,
  policy?: DamperPolicy,
): Promise<ObservationOutcome[]> {
  const renotifyMs = renotifyMinutes * 60_000;
  const settled = await mapLimit(observations, CONCURRENCY, (observation) =>
    processOne(observation, renotifyMs, deps, policy),
  );
  const failures: { key: string; error: string }[] = [];
  const outcomes: ObservationOutcome[] = [];
  settled.forEach((result, index) => {
    if (result.status === 'fulfilled') outcomes.push(result.value);
    else failures.push({ key: observations[index]?.key ?? '?', error: describeError(result.reason) });
  });
  if (failures.length > 0) throw new AlertDeliveryError(failures);
  return outcomes;
}

async function processOne(
  observation: Observation,
  renotifyMs: number,
  deps: AlertDeps,
  policy: DamperPolicy | undefined,
): Promise<ObservationOutcome> {
  const previous = await deps.state.get(observation.key);
  const now = deps.clock.now();
  const decision = decide(observation, previous, now, renotifyMs, policy);
  const base = {
    key: observation.key,
    metric: observation.metric,
    slot: observation.slot,
    level: decision.level,
    summary: observation.summary,
  };
  if (!decision.write) return { ...base, sent: null, lostRace: false };
  const expected = previous?.version ?? null;
  const won = await deps.state.transition(observation.key, expected, decision.write);
  if (!won) return { ...base, sent: null, lostRace: true };
  if (!decision.notify) return { ...base, sent: null, lostRace: false };
  // A held level (hysteresis) is the level the message speaks of.
  const message = buildAlertMessage(
    { ...observation, level: decision.level },
    decision.notify,
    previous,
    now,
  );
  try {
    const { messageId } = await deps.alerts.publish(message);
    return {
      ...base,
      sent: {
        kind: decision.notify,
        severity: message.attributes.severity,
        subject: message.subject,
        messageId,
      },
      lostRace: false,
    };
  } catch (error) {
    await restore(deps.state, observation.key, (expected ?? 0) + 1, previous, now);
    throw error;
  }
}

// Puts back what was there before our write (a record that did not exist becomes a quiet OK one),
// unless someone wrote after us; either way the next check decides again and notifies.
async function restore(
  state: AlertState,
  key: string,
  ourVersion: number,
  previous: AlertStateRecord | undefined,
  now: number,
): Promise<void> {
  const back: AlertStateUpdate = previous
    ? {
        state: previous.state,
        since: previous.since,
        lastNotifiedAt: previous.lastNotifiedAt,
        lastValue: previous.lastValue,
      }
    : { state: 'OK', since: now, lastNotifiedAt: null, lastValue: null };
  await state.transition(key, ourVersion, back).catch(() => false);
}

/** Like Promise.allSettled over `items`, with at most `limit` calls in flight. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<R>,
): Promise<PromiseSettledResult<R>[]> {
  const results: PromiseSettledResult<R>[] = new Array(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next;
      next += 1;
      try {
        results[index] = { status: 'fulfilled', value: await work(items[index] as T) };
      } catch (reason) {
        results[index] = { status: 'rejected', reason };
      }
    }
  });
  await Promise.all(lanes);
  return results;
}
