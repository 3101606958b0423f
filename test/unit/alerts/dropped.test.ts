import { describe, expect, it } from 'vitest';
import { MemoryAlertStateStore } from '../../../src/adapters/local/alert-state-store.js';
import { resolveDroppedSlot } from '../../../src/core/alerts/dropped.js';
import type { AlertMessage, Alerts } from '../../../src/ports/alerts.js';
import { T0 } from './fixtures.js';

const clock = { now: () => T0, sleep: async () => {} };

function recorder(fail = false): Alerts & { sent: AlertMessage[] } {
  const sent: AlertMessage[] = [];
  return {
    sent,
    async publish(message) {
      if (fail) throw Object.assign(new Error('topic gone'), { name: 'NotFoundException' });
      sent.push(message);
      return { messageId: `m-${sent.length}` };
    },
  };
}

async function withOpenAlerts() {
  const state = new MemoryAlertStateStore();
  await state.transition('orders-db#gone#safeWal', null, {
    state: 'CRITICAL',
    since: T0 - 1000,
    lastNotifiedAt: T0 - 1000,
    lastValue: 1,
  });
  await state.transition('orders-db#gone#slotLag', null, {
    state: 'OK',
    since: T0 - 1000,
    lastNotifiedAt: null,
    lastValue: null,
  });
  return state;
}

describe('resolveDroppedSlot', () => {
  it('closes the open alerts of a dropped slot with one RESOLVED message; a second run sends nothing', async () => {
    const state = await withOpenAlerts();
    const alerts = recorder();
    const sent = await resolveDroppedSlot('orders-db', 'gone', { state, alerts, clock });
    expect(sent).toEqual({
      kind: 'RESOLVED',
      severity: 'RESOLVED',
      subject: '[RESOLVED] orders-db slot gone: slot dropped',
      messageId: 'm-1',
    });
    expect(alerts.sent[0]?.body).toContain('its alerts are closed: safe WAL CRITICAL.');
    expect(alerts.sent[0]?.attributes).toEqual({
      severity: 'RESOLVED',
      source: 'orders-db',
      slot: 'gone',
      metric: 'slotDropped',
    });
    expect((await state.get('orders-db#gone#safeWal'))?.state).toBe('OK');
    expect(await resolveDroppedSlot('orders-db', 'gone', { state, alerts, clock })).toBeNull();
    expect(alerts.sent).toHaveLength(1);
  });

  it('a message that cannot be sent puts the alerts back, so the next check sends it', async () => {
    const state = await withOpenAlerts();
    await expect(
      resolveDroppedSlot('orders-db', 'gone', { state, alerts: recorder(true), clock }),
    ).rejects.toThrow('topic gone');
    expect(await state.get('orders-db#gone#safeWal')).toMatchObject({ state: 'CRITICAL', since: T0 - 1000 });
    const alerts = recorder();
    expect(await resolveDroppedSlot('orders-db', 'gone', { state, alerts, clock })).not.toBeNull();
  });
});
