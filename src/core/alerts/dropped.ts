import type { AlertLevel, AlertStateRecord } from '../../ports/alert-state.js';
import type { AlertMessage } from '../../ports/alerts.js';
import { alertKey } from './evaluate.js';
import { fitSubject, PAYLOAD_SCHEMA } from './message.js';
import { METRIC_INFO, type MetricName } from './metrics.js';
import type { AlertDeps, SentAlert } from './notify.js';

/** Every per-slot metric that can hold an alert (slotMissing belongs to configured slots, alerted apart). */
const SLOT_METRICS = (Object.keys(METRIC_INFO) as MetricName[]).filter(
  (metric) => METRIC_INFO[metric].scope === 'slot' && metric !== 'slotMissing',
);

/**
 * A slot that was there at the previous check and is gone now was dropped: nothing will measure it
 * again, so its open alerts would stay WARNING or CRITICAL forever. Each one is set back to OK
 * (compare-and-set, quietly) and one RESOLVED message per slot says it was dropped and which alerts
 * that closes. Another check that got there first leaves nothing to close: no message. If the message
 * cannot be sent, the states are put back so the next check (which still sees the slot in the
 * history) sends it again.
 */
export async function resolveDroppedSlot(
  source: string,
  slot: string,
  deps: AlertDeps,
): Promise<SentAlert | null> {
  const now = deps.clock.now();
  const open: { key: string; metric: MetricName; record: AlertStateRecord }[] = [];
  for (const metric of SLOT_METRICS) {
    const key = alertKey(source, slot, undefined, metric);
    const record = await deps.state.get(key);
    if (record && record.state !== 'OK') open.push({ key, metric, record });
  }
  const closed: typeof open = [];
  for (const entry of open) {
    const quiet = { state: 'OK' as const, since: now, lastNotifiedAt: now, lastValue: null };
    if (await deps.state.transition(entry.key, entry.record.version, quiet)) closed.push(entry);
  }
  if (closed.length === 0) return null;
  const message = droppedMessage(source, slot, closed, now);
  try {
    const { messageId } = await deps.alerts.publish(message);
    return { kind: 'RESOLVED', severity: 'RESOLVED', subject: message.subject, messageId };
  } catch (error) {
    for (const { key, record } of closed) {
      const { version: _, ...back } = record;
      await deps.state.transition(key, record.version + 1, back).catch(() => false);
    }
    throw error;
  }
}

function droppedMessage(
  source: string,
  slot: string,
  closed: readonly { metric: MetricName; record: AlertStateRecord }[],
  now: number,
): AlertMessage {
  const listed = closed.map(({ metric, record }) => `${METRIC_INFO[metric].label} ${record.state}`);
  const levels: Record<string, AlertLevel> = {};
  for (const { metric, record } of closed) levels[metric] = record.state;
  return {
    subject: fitSubject('[RESOLVED] ', `${source} slot ${slot}`, ': slot dropped'),
    body: [
      `RESOLVED: slot ${slot} on ${source} no longer exists (dropped since the previous check); its alerts are closed: ${listed.join(', ')}.`,
      'If the slot was dropped by mistake while a DMS task still needed it, run `dms-cdc recover` for that task: the changes since its confirmed_flush_lsn are not on the target.',
      `Checked at ${new Date(now).toISOString()}.`,
    ].join('\n\n'),
    payload: {
      schema: PAYLOAD_SCHEMA,
      kind: 'RESOLVED',
      severity: 'RESOLVED',
      source,
      slot,
      metric: 'slotDropped',
      closed: levels,
      at: new Date(now).toISOString(),
    },
    attributes: { severity: 'RESOLVED', source, slot, metric: 'slotDropped' },
  };
}
