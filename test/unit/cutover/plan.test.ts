import { describe, expect, it } from 'vitest';
import { planCutover } from '../../../src/core/cutover/plan.js';
import { InvalidInputError } from '../../../src/core/errors.js';
import { selectionMappings } from '../../../src/local/table-mappings.js';

const NOW = new Date('2026-11-21T10:00:00.000Z');
const SECRET = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:dms-cdc/orders-AbCdEf';
const MAPPINGS = selectionMappings({ schema: 'public' });

function input(overrides: Record<string, unknown> = {}) {
  return {
    name: 'orders',
    source: { secretArn: SECRET, database: 'orders', sslMode: 'require' },
    slot: { name: 'dms_orders' },
    replicationInstanceArn: 'arn:aws:dms:eu-west-1:123456789012:rep:ABCDEF',
    target: { endpointArn: 'arn:aws:dms:eu-west-1:123456789012:endpoint:TARGET', secretArn: SECRET },
    tableMappings: MAPPINGS,
    ...overrides,
  };
}

describe('planCutover', () => {
  it('fills every default and derives the fixed payload of each step', () => {
    const plan = planCutover(input(), NOW);
    expect(plan).toMatchObject({
      identifierPrefix: 'orders',
      sourceName: 'orders',
      slot: { name: 'dms_orders', plugin: 'test-decoding' },
      thresholds: {
        maxLagBytes: 16 * 1024 * 1024,
        maxLatencySeconds: 30,
        consecutivePolls: 3,
        pollSeconds: 30,
        catchUpTimeoutSeconds: 14_400,
        runningTimeoutSeconds: 1800,
        stopTimeoutSeconds: 86_400,
      },
      approval: { required: false },
      end: { mode: 'stop-when-quiet', stops: true, stopWaitUntil: null },
      verify: { rowCounts: true },
      target: { secretArn: SECRET, database: 'orders' },
      startedAt: '2026-11-21T10:00:00.000Z',
    });
    expect(plan.calls.ensureSlot).toEqual({
      sourceSecretArn: SECRET,
      database: 'orders',
      slotName: 'dms_orders',
      plugin: 'test-decoding',
      allowCreate: false,
      failover: false,
      timeoutSeconds: 30,
    });
    expect(plan.calls.createSourceEndpoint).toMatchObject({
      identifierPrefix: 'orders',
      sslMode: 'require',
      heartbeat: { enabled: true, frequencyMinutes: 5 },
    });
    expect(plan.calls.createCdcTask).not.toHaveProperty('cdcStopPosition');
    expect(plan.calls.testConnection).toEqual({
      replicationInstanceArn: 'arn:aws:dms:eu-west-1:123456789012:rep:ABCDEF',
    });
  });

  it('continuous replication needs no target connection and verifies nothing', () => {
    const plan = planCutover(
      input({
        target: { endpointArn: 'arn:aws:dms:eu-west-1:123456789012:endpoint:T' },
        end: { mode: 'continuous' },
      }),
      NOW,
    );
    expect(plan.end).toEqual({ mode: 'continuous', stops: false, stopWaitUntil: null });
    expect(plan.verify.rowCounts).toBe(false);
    expect(plan.target).toEqual({ secretArn: null, database: null });
  });

  it('sets the target sequences after a stop by default, with the gap asked for; never for continuous replication', () => {
    expect(planCutover(input(), NOW).sequences).toEqual({ sync: true, gap: 0 });
    expect(planCutover(input({ sequences: { gap: 1000 } }), NOW).sequences).toEqual({
      sync: true,
      gap: 1000,
    });
    expect(planCutover(input({ sequences: { sync: false } }), NOW).sequences).toEqual({
      sync: false,
      gap: 0,
    });
    expect(planCutover(input({ end: { mode: 'continuous' } }), NOW).sequences).toEqual({
      sync: false,
      gap: 0,
    });
  });

  it.each([
    [{ gap: -1 }, 'sequences.gap'],
    [{ gap: 1.5 }, 'sequences.gap'],
    [{ gap: 1_000_000_001 }, 'sequences.gap'],
    [{ sync: 'yes' }, 'sequences.sync'],
    [{ sink: true }, 'sequences.sink'],
  ])('refuses sequences %j, naming %s', (sequences, field) => {
    expect(() => planCutover(input({ sequences }), NOW)).toThrow(
      expect.objectContaining({ name: 'InvalidInputError', field }),
    );
  });

  it('carries a stop position to the task and tells the machine to wait for it', () => {
    const plan = planCutover(input({ cdcStopPosition: 'commit_time:2026-11-21T12:00:00' }), NOW);
    expect(plan.end).toEqual({
      mode: 'stop-at-position',
      stops: true,
      stopWaitUntil: '2026-11-21T12:00:00Z',
    });
    expect(plan.calls.createCdcTask).toMatchObject({ cdcStopPosition: 'commit_time:2026-11-21T12:00:00' });
  });

  it('gives the quiet wait the catch-up thresholds with its own poll count and deadline', () => {
    const plan = planCutover(input({ end: { quietPolls: 5, quietTimeoutSeconds: 600 } }), NOW);
    expect(plan.calls.quiet.thresholds).toEqual({
      ...plan.thresholds,
      consecutivePolls: 5,
      catchUpTimeoutSeconds: 600,
    });
  });

  it('derives the pglogical replication set from the table mappings', () => {
    const plan = planCutover(input({ slot: { name: 'dms_orders', plugin: 'pglogical' } }), NOW);
    expect(plan.calls.ensureSlot).toMatchObject({
      plugin: 'pglogical',
      pglogical: { tableMappings: MAPPINGS },
    });
  });

  it.each([
    [{ end: { mode: 'stop-at-position' } }, 'end.mode', /needs cdcStopPosition/],
    [
      { end: { mode: 'continuous' }, cdcStopPosition: 'commit_time:2026-11-21T12:00:00' },
      'cdcStopPosition',
      /does not wait for/,
    ],
    [
      { target: { endpointArn: 'arn:aws:dms:eu-west-1:123456789012:endpoint:T' } },
      'target.secretArn',
      /verified strictly/,
    ],
    [{ verify: { rowCounts: false } }, 'verify.rowCounts', /verified strictly/],
    [{ end: { mode: 'stop-when-quiet', quietPols: 3 } }, 'end.quietPols', /is not a known field/],
  ])('refuses an end it could not keep: %j', (overrides, field, message) => {
    let error: unknown;
    try {
      planCutover(input(overrides), NOW);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error).toMatchObject({ field, message: expect.stringMatching(message) });
  });

  it.each([
    [{ name: '1orders' }, 'name'],
    [{ slot: { name: 'Bad-Slot' } }, 'slot.name'],
    [{ source: { secretArn: 'not-an-arn', database: 'x', sslMode: 'require' } }, 'source.secretArn'],
    [{ replicationInstanceArn: 'arn:aws:dms:eu-west-1:123456789012:task:X' }, 'replicationInstanceArn'],
    [{ thresholds: { pollSeconds: 0 } }, 'thresholds.pollSeconds'],
    [{ cdcStopPosition: '2026-11-21 12:00' }, 'cdcStopPosition'],
    [{ tableMappings: undefined }, 'tableMappings'],
  ])('names the field of a bad input %j', (overrides, field) => {
    const error = (() => {
      try {
        planCutover(input(overrides), NOW);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error).toMatchObject({ field });
  });

  it('asks for the DMS CA certificate when TLS verification is requested', () => {
    expect(() => planCutover(input({ source: { secretArn: SECRET, database: 'orders' } }), NOW)).toThrow(
      /source.certificateArn/,
    );
  });
});
