import { describe, expect, it } from 'vitest';
import { buildQueries } from '../../../src/adapters/aws/cloudwatch.js';
import { InvalidInputError } from '../../../src/core/errors.js';
import {
  DEFAULT_RENOTIFY_MINUTES,
  DEFAULT_THRESHOLDS,
  parseHealthConfig,
  resolveSource,
  SourceCheckInputSchema,
} from '../../../src/core/health/config.js';

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;
const SECRET = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:dms-cdc/orders-AbCdEf';
const TASK = 'arn:aws:dms:eu-west-1:123456789012:task:UPIIRRYFTHAI7AAEHCM6X5CAFXH2ODSHQ7M3WUA';

describe('health-check configuration', () => {
  it('fills every documented default for a minimal source', () => {
    const config = parseHealthConfig({ sources: [{ name: 'orders-db', secretArn: SECRET }] });
    const source = resolveSource(config.sources[0] as never);
    expect(source).toEqual({
      name: 'orders-db',
      secretArn: SECRET,
      url: undefined,
      database: undefined,
      slots: 'logical',
      dmsTasks: [],
      rdsInstanceId: undefined,
      walDiskCapacityBytes: undefined,
      thresholds: DEFAULT_THRESHOLDS,
      renotifyMinutes: DEFAULT_RENOTIFY_MINUTES,
      hysteresisPercent: 10,
      minNotifyMinutes: 10,
    });
    expect(DEFAULT_THRESHOLDS).toEqual({
      slotLag: { warning: 1 * GiB, critical: 5 * GiB },
      retainedWal: { warning: 5 * GiB, critical: 20 * GiB },
      walDiskBytes: { warning: 20 * GiB, critical: 50 * GiB },
      walDiskPercent: { warning: 60, critical: 80 },
      inactiveTime: { warning: 300, critical: 1800 },
      xminAge: { warning: 200_000_000, critical: 1_000_000_000 },
      cdcLatencySource: { warning: 300, critical: 1800 },
      cdcLatencyTarget: { warning: 300, critical: 1800 },
      safeWalForecast: { warning: 6 * 3600, critical: 3600 },
      walDiskForecast: { warning: 6 * 3600, critical: 3600 },
      idleTimeoutLeft: { warning: 6 * 3600, critical: 3600 },
      walStatus: { warning: ['unreserved'], critical: ['lost'] },
      safeWal: { warning: { percent: 50 }, critical: { percent: 20 } },
    });
    expect(DEFAULT_RENOTIFY_MINUTES).toBe(60);
  });

  it('merges thresholds per level: built-in, then document defaults, then the source; null switches a level off', () => {
    const config = parseHealthConfig({
      defaults: {
        thresholds: { retainedWal: { warning: '2GB' }, inactiveTime: { critical: '1h' } },
        renotifyMinutes: 15,
      },
      sources: [
        {
          name: 'orders-db',
          url: 'postgres://dms@db.internal:5432/orders',
          slots: ['dms_orders_slot'],
          dmsTasks: [{ taskArn: TASK, replicationInstanceIdentifier: 'dms-prod-1' }],
          rdsInstanceId: 'orders-db-prod',
          walDiskCapacityBytes: '500GB',
          thresholds: {
            retainedWal: { critical: '10GiB' },
            slotLag: { warning: null },
            walStatus: { warning: ['unreserved', 'extended'] },
          },
          renotifyMinutes: 5,
        },
      ],
    });
    const source = resolveSource(config.sources[0] as never, config.defaults);
    expect(source.thresholds.retainedWal).toEqual({ warning: 2 * GiB, critical: 10 * GiB });
    expect(source.thresholds.slotLag).toEqual({ warning: null, critical: 5 * GiB });
    expect(source.thresholds.inactiveTime).toEqual({ warning: 300, critical: 3600 });
    expect(source.thresholds.walStatus).toEqual({ warning: ['unreserved', 'extended'], critical: ['lost'] });
    expect(source.renotifyMinutes).toBe(5);
    expect(source.walDiskCapacityBytes).toBe(500 * GiB);
    expect(source.dmsTasks).toEqual([
      {
        taskArn: TASK,
        taskId: 'UPIIRRYFTHAI7AAEHCM6X5CAFXH2ODSHQ7M3WUA',
        replicationInstanceIdentifier: 'dms-prod-1',
      },
    ]);
  });

  it('lowers the replication instance identifier, as DMS stores it and CloudWatch publishes its metrics', () => {
    const config = parseHealthConfig({
      sources: [
        {
          name: 'orders-db',
          secretArn: SECRET,
          dmsTasks: [{ taskArn: TASK, replicationInstanceIdentifier: 'DMS-Prod-1' }],
        },
      ],
    });
    const source = resolveSource(config.sources[0] as never);
    expect(source.dmsTasks[0]?.replicationInstanceIdentifier).toBe('dms-prod-1');
    // The dimension the health check then asks CloudWatch for.
    const dimensions = buildQueries(undefined, source.dmsTasks).map((q) => q.MetricStat?.Metric?.Dimensions);
    expect(dimensions[0]).toContainEqual({ Name: 'ReplicationInstanceIdentifier', Value: 'dms-prod-1' });
  });

  it('takes the renotify interval from the document defaults when the source has none', () => {
    const config = parseHealthConfig({
      defaults: { renotifyMinutes: 15 },
      sources: [{ name: 'a', secretArn: SECRET }],
    });
    expect(resolveSource(config.sources[0] as never, config.defaults).renotifyMinutes).toBe(15);
  });

  const withSource = (extra: Record<string, unknown>) => ({
    sources: [{ name: 'a', secretArn: SECRET, ...extra }],
  });
  it.each([
    { field: 'config.sources', document: { sources: [] } },
    { field: 'config.sources.0.secretArn', document: { sources: [{ name: 'a' }] } },
    { field: 'config.sources.0.name', document: { sources: [{ name: 'bad name!', secretArn: SECRET }] } },
    { field: 'config.sources.0.secretArn', document: { sources: [{ name: 'a', secretArn: 'not-an-arn' }] } },
    { field: 'config.sources.0.slots.0', document: withSource({ slots: ['Bad-Slot'] }) },
    {
      field: 'config.sources.0.thresholds.retainedWal.warning',
      document: withSource({ thresholds: { retainedWal: { warning: 'lots' } } }),
    },
    {
      field: 'config.sources.0.thresholds.walDiskPercent.warning',
      document: withSource({ thresholds: { walDiskPercent: { warning: 120 } } }),
    },
    {
      field: 'config.sources.0.thresholds.lagg',
      document: withSource({ thresholds: { lagg: { warning: 1 } } }),
    },
    {
      field: 'config.sources.0.dmsTasks.0.replicationInstanceIdentifier',
      document: withSource({ dmsTasks: [{ taskArn: TASK, replicationInstanceIdentifier: 'arn:x' }] }),
    },
    {
      field: 'config.sources.1',
      document: {
        sources: [
          { name: 'a', secretArn: SECRET },
          { name: 'a', secretArn: SECRET },
        ],
      },
    },
  ])('refuses an invalid document, naming $field', ({ field, document }) => {
    try {
      parseHealthConfig(document);
      expect.unreachable('the configuration was accepted');
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidInputError);
      expect((error as InvalidInputError).field).toBe(field);
    }
  });

  it('refuses a warning above the critical once merged', () => {
    const config = parseHealthConfig({
      sources: [{ name: 'a', secretArn: SECRET, thresholds: { slotLag: { warning: '8GB' } } }],
    });
    expect(() => resolveSource(config.sources[0] as never)).toThrow(
      /warning 8589934592 is above critical 5368709120/,
    );
  });

  it('reads one Map item: a source and the shared defaults', () => {
    const parsed = SourceCheckInputSchema.parse({
      source: { name: 'a', secretArn: SECRET, thresholds: { retainedWal: { warning: 512 * MiB } } },
      defaults: {},
    });
    expect(resolveSource(parsed.source, parsed.defaults).thresholds.retainedWal.warning).toBe(512 * MiB);
  });
});
