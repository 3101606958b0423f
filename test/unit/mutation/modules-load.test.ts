import { describe, expect, it } from 'vitest';

/**
 * Every module of the data-safety core loads, and builds its schemas and tables at load time.
 *
 * Imported inside the tests on purpose: a fault in code that runs when a module loads (a zod schema,
 * a constant table) then fails these tests instead of failing the collection of every test file that
 * imports the module, which mutation testing cannot tell from "no test noticed". So this
 * file imports none of these modules statically.
 */
describe('the data-safety core loads', () => {
  it('recovery/input: the recover input schemas parse a minimal input', async () => {
    const { RecoverInput, Replacement, Timing, SlotName } = await import(
      '../../../src/core/recovery/input.js'
    );
    expect(SlotName.parse('dms_slot')).toBe('dms_slot');
    expect(Timing.parse({})).toMatchObject({ pollSeconds: 10, slotWaitTimeoutSeconds: 300 });
    expect(Replacement.parse({ identifierPrefix: 'a', sourceName: 'b' })).toMatchObject({
      plugin: 'test-decoding',
    });
    expect(
      RecoverInput.parse({
        taskArn: 'arn:aws:dms:us-east-1:123456789012:task:T',
        source: { secretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:s', database: 'd' },
        slotName: 's',
      }),
    ).toMatchObject({ failover: false });
  });

  it('recovery/routing: an empty routes configuration parses', async () => {
    const { parseRoutes, Routes, FAILOVER_EVENT_IDS } = await import('../../../src/core/recovery/routing.js');
    expect(parseRoutes('{"routes":[]}')).toEqual([]);
    expect(Routes.parse({ routes: [] })).toEqual({ routes: [] });
    expect(FAILOVER_EVENT_IDS).toEqual({
      'RDS DB Cluster Event': 'RDS-EVENT-0071',
      'RDS DB Instance Event': 'RDS-EVENT-0049',
    });
  });

  it('cutover/input and plan: the cutover input schema parses a minimal input', async () => {
    const { planCutover } = await import('../../../src/core/cutover/plan.js');
    const plan = planCutover(
      {
        name: 'orders',
        source: {
          secretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:s',
          database: 'orders',
          sslMode: 'require',
        },
        slot: { name: 'dms_orders' },
        replicationInstanceArn: 'arn:aws:dms:us-east-1:123456789012:rep:R',
        target: { endpointArn: 'arn:aws:dms:us-east-1:123456789012:endpoint:E' },
        tableMappings: {},
        end: { mode: 'continuous' },
      },
      new Date(0),
    );
    expect(plan.slot).toEqual({ name: 'dms_orders', plugin: 'test-decoding' });
  });

  it('the constant tables of stop reasons, LSNs, starts and notifications', async () => {
    const { STOP_REASON_CODES, parseStopReason } = await import('../../../src/core/stop-reason.js');
    expect(STOP_REASON_CODES).toContain('FATAL_ERROR');
    expect(parseStopReason('Stop Reason NORMAL').code).toBe('NORMAL');
    const { parseLsn } = await import('../../../src/core/lsn.js');
    expect(parseLsn('FFFFFFFF/FFFFFFFF')).toBe((1n << 64n) - 1n);
    const { decideStart } = await import('../../../src/core/cdc/start-rule.js');
    expect(typeof decideStart).toBe('function');
    const { RECOVERY_NOTIFICATION_KINDS } = await import('../../../src/core/recovery/notifications.js');
    expect(RECOVERY_NOTIFICATION_KINDS).toHaveLength(7);
    const { DMS_RECOVERABLE_ERROR_DEFAULTS } = await import('../../../src/core/recovery/dms-restarts.js');
    expect(DMS_RECOVERABLE_ERROR_DEFAULTS).toEqual({ count: -1, intervalSeconds: 5 });
  });
});
