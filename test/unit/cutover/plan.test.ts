import { describe, expect, it } from 'vitest';
import { planCutover } from '../../../src/core/cutover/plan.js';
import { InvalidInputError } from '../../../src/core/errors.js';

const NOW = new Date('2026-11-21T10:00:00.000Z');
const SECRET = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:dms-cdc/orders-AbCdEf';
const MAPPINGS = {
  rules: [
    {
      'rule-type': 'selection',
      'rule-id': '1',
      'rule-name': '1',
      'object-locator': { 'schema-name': 'public', 'table-name': '%' },
      'rule-action': 'include',
    },
  ],
};

function input(overrides: Record<string, unknown> = {}) {
  return {
    name: 'orders',
    source: { secretArn: SECRET, database: 'orders', sslMode: 'require' },
    slot: { name: 'dms_orders' },
    replicationInstanceArn: 'arn:aws:dms:eu-west-1:123456789012:rep:ABCDEF',
    target: { endpointArn: 'arn:aws:dms:eu-west-1:123456789012:endpoint:TARGET' },
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
      stopAtPosition: false,
      stopWaitUntil: null,
      verify: { rowCounts: false },
      target: { secretArn: null, database: null },
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

  it('verifies row counts only when a target connection is given', () => {
    const plan = planCutover(
      input({ target: { endpointArn: 'arn:aws:dms:eu-west-1:123456789012:endpoint:T', secretArn: SECRET } }),
      NOW,
    );
    expect(plan.verify.rowCounts).toBe(true);
    expect(plan.target).toEqual({ secretArn: SECRET, database: 'orders' });
  });

  it('carries a stop position to the task and tells the machine to wait for it', () => {
    const plan = planCutover(input({ cdcStopPosition: 'commit_time:2026-11-21T12:00:00' }), NOW);
    expect(plan.stopAtPosition).toBe(true);
    expect(plan.stopWaitUntil).toBe('2026-11-21T12:00:00Z');
    expect(plan.calls.createCdcTask).toMatchObject({ cdcStopPosition: 'commit_time:2026-11-21T12:00:00' });
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
