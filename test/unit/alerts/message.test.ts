import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluateSource, evaluateUnreachable, type Observation } from '../../../src/core/alerts/evaluate.js';
import { buildAlertMessage, fitSubject, PAYLOAD_SCHEMA } from '../../../src/core/alerts/message.js';
import {
  parseAlertMessage,
  SNS_LIMITS,
  toSnsPublishFields,
  validateAlertMessage,
} from '../../../src/core/alerts/sns-message.js';
import type { AlertStateRecord } from '../../../src/ports/alert-state.js';
import { GiB, measurement, slot, source, T0 } from './fixtures.js';

function observation(metric: string, extra: Parameters<typeof slot>[0] = {}): Observation {
  const found = evaluateSource(source(), measurement({ slots: [slot(extra)] })).find(
    (o) => o.metric === metric,
  );
  if (!found) throw new Error(`no ${metric} observation`);
  return found;
}

const warning: AlertStateRecord = {
  state: 'WARNING',
  since: T0 - 30 * 60_000,
  lastNotifiedAt: T0 - 30 * 60_000,
  lastValue: Math.round(18.1 * GiB),
  version: 7,
};

describe('buildAlertMessage', () => {
  it('WARNING -> CRITICAL on retained WAL: the issue example subject, numbers, trend, cause, remedy, payload, attributes', () => {
    const o = observation('retainedWal', {
      retained: Math.round(21.3 * GiB),
      active: false,
      inactiveSeconds: 900,
    });
    const message = buildAlertMessage(o, 'ALERT', warning, T0);

    expect(message.subject).toBe('[CRITICAL] orders-db slot dms_slot: retained WAL 21.3 GiB >= 20 GiB');
    expect(message.attributes).toEqual({
      severity: 'CRITICAL',
      source: 'orders-db',
      metric: 'retainedWal',
      slot: 'dms_slot',
    });
    expect(message.body).toContain(
      'CRITICAL: retained WAL of slot dms_slot on orders-db is 21.3 GiB (22,870,700,851 bytes), at or above the critical threshold of 20 GiB (warning 5 GiB, critical 20 GiB).',
    );
    expect(message.body).toContain('Trend: up 3.2 GiB since the previous check (was 18.1 GiB).');
    expect(message.body).toContain('State: CRITICAL since 2026-03-01T10:00:00.000Z (was WARNING).');
    expect(message.body).toContain('inactive for 15 min');
    expect(message.body).toMatch(/Likely cause: restart_lsn does not move/);
    expect(message.body).toMatch(/Remedy: .*resume-processing.*never restart it/);
    expect(message.payload).toMatchObject({
      schema: PAYLOAD_SCHEMA,
      kind: 'ALERT',
      severity: 'CRITICAL',
      source: 'orders-db',
      slot: 'dms_slot',
      metric: 'retainedWal',
      level: 'CRITICAL',
      previousLevel: 'WARNING',
      value: Math.round(21.3 * GiB),
      unit: 'bytes',
      threshold: { level: 'CRITICAL', value: 20 * GiB },
      thresholds: { warning: 5 * GiB, critical: 20 * GiB },
      trend: {
        previousValue: Math.round(18.1 * GiB),
        delta: Math.round(21.3 * GiB) - Math.round(18.1 * GiB),
      },
      key: 'orders-db#dms_slot#retainedWal',
    });

    // What SNS gets, and what an SQS/HTTPS subscriber reads back.
    expect(validateAlertMessage(message)).toEqual([]);
    const published = parseAlertMessage(toSnsPublishFields(message).Message);
    expect(published.payload).toEqual(JSON.parse(JSON.stringify(message.payload)));
  });

  it('RESOLVED says what it is back to and how long it lasted, without cause or remedy', () => {
    const o = observation('retainedWal', { retained: 1 * GiB });
    const message = buildAlertMessage(o, 'RESOLVED', { ...warning, state: 'CRITICAL' }, T0);
    expect(message.subject).toBe('[RESOLVED] orders-db slot dms_slot: retained WAL 1 GiB < 5 GiB');
    expect(message.attributes.severity).toBe('RESOLVED');
    expect(message.body).toContain(
      'RESOLVED: retained WAL of slot dms_slot on orders-db is back to 1 GiB (1,073,741,824 bytes) (warning 5 GiB, critical 20 GiB); it was CRITICAL since 2026-03-01T09:30:00.000Z (30 min).',
    );
    expect(message.body).not.toContain('Remedy:');
    expect(message.payload).toMatchObject({ kind: 'RESOLVED', cause: null, remedy: null });
  });

  it('a REMINDER says for how long it has been critical', () => {
    const o = observation('retainedWal', { retained: 25 * GiB });
    const critical = { ...warning, state: 'CRITICAL' as const, since: T0 - 2 * 3600_000 };
    expect(buildAlertMessage(o, 'REMINDER', critical, T0).subject).toBe(
      '[CRITICAL] orders-db slot dms_slot: retained WAL 25 GiB >= 20 GiB, for 2 h',
    );
  });

  it('a source that cannot be checked, and its recovery', () => {
    const [o] = evaluateUnreachable(source(), 'SourceUnreachableError: cannot reach dms@db:5432/orders', T0);
    if (!o) throw new Error('no observation');
    const message = buildAlertMessage(o, 'ALERT', undefined, T0);
    expect(message.subject).toBe(
      '[CRITICAL] orders-db: cannot be checked: SourceUnreachableError: cannot reach dms@db:5432/orders',
    );
    expect(message.attributes).toEqual({ severity: 'CRITICAL', source: 'orders-db', metric: 'sourceCheck' });
    expect(validateAlertMessage(message)).toEqual([]);
  });

  it('wal_status lost names the invalidation', () => {
    const o = observation('walStatus', { walStatus: 'lost', invalidationReason: 'wal_removed' });
    const message = buildAlertMessage(o, 'ALERT', undefined, T0);
    expect(message.subject).toBe(
      '[CRITICAL] orders-db slot dms_slot: wal_status lost (invalidated: wal_removed)',
    );
    expect(message.body).toMatch(
      /Remedy: .*lost: the changes between the slot's confirmed_flush_lsn and now/,
    );
  });

  it('property: every subject is printable ASCII under 100 characters, whatever the names and the error', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/),
        fc.stringMatching(/^[a-z0-9_]{1,63}$/),
        fc.string({ maxLength: 300 }),
        (name, slotName, error) => {
          const [o] = evaluateUnreachable(source({ name }), error, T0);
          if (!o) throw new Error('no observation');
          for (const candidate of [o, { ...o, slot: slotName }]) {
            const { subject } = buildAlertMessage(candidate, 'ALERT', undefined, T0);
            expect(subject.length).toBeLessThanOrEqual(SNS_LIMITS.subjectMaxChars);
            expect(subject).toMatch(/^\[CRITICAL\] [\x20-\x7e]*$/);
          }
        },
      ),
    );
  });

  it('fitSubject shortens the scope in the middle first, then cuts the rest', () => {
    const long = `${'a'.repeat(63)} slot ${'b'.repeat(63)}`;
    const subject = fitSubject('[WARNING] ', long, ': lag 2 GiB >= 1 GiB');
    expect(subject.length).toBeLessThanOrEqual(99);
    expect(subject).toMatch(/^\[WARNING\] a+\.\.\.b+: lag 2 GiB >= 1 GiB$/);
  });
});
