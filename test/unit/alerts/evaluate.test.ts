import { describe, expect, it } from 'vitest';
import { evaluateSource, evaluateUnreachable, levelOf } from '../../../src/core/alerts/evaluate.js';
import { toHealthReport } from '../../../src/core/health/report.js';
import { GiB, MiB, measurement, slot, source, T0 } from './fixtures.js';

const byMetric = (observations: ReturnType<typeof evaluateSource>) =>
  Object.fromEntries(observations.map((o) => [`${o.slot ?? o.task ?? '-'}/${o.metric}`, o]));

describe('levelOf', () => {
  it.each([
    [99, 'OK'],
    [100, 'WARNING'],
    [199, 'WARNING'],
    [200, 'CRITICAL'],
  ])('value %d against 100/200 is %s (at the threshold counts)', (value, level) => {
    expect(levelOf(value, { warning: 100, critical: 200 })).toBe(level);
  });

  it('a level switched off (null) is skipped', () => {
    expect(levelOf(150, { warning: null, critical: 200 })).toBe('OK');
    expect(levelOf(250, { warning: 100, critical: null })).toBe('WARNING');
  });
});

describe('evaluateSource', () => {
  it('judges every metric of a slot and of the source, keyed source#slot#metric', () => {
    const observations = evaluateSource(
      source({ walDiskCapacityBytes: '100MB' }),
      measurement({
        slots: [
          slot({ retained: Math.round(21.3 * GiB), lag: 2 * GiB, active: false, inactiveSeconds: 400 }),
        ],
        wal: {
          via: 'pg_ls_waldir',
          bytes: 70 * MiB,
          files: 5,
          capacityBytes: 100 * MiB,
          percent: 70,
          freeStorageBytes: null,
          replicationSlotDiskBytes: null,
        },
      }),
    );
    const m = byMetric(observations);
    expect(Object.keys(m).sort()).toEqual(
      [
        '-/sourceCheck',
        '-/walDiskBytes',
        '-/walDiskPercent',
        'dms_slot/inactiveTime',
        'dms_slot/retainedWal',
        'dms_slot/slotLag',
        'dms_slot/walStatus',
        'dms_slot/xminAge',
      ].sort(),
    );
    expect(m['dms_slot/retainedWal']).toMatchObject({
      key: 'orders-db#dms_slot#retainedWal',
      level: 'CRITICAL',
      summary: 'retained WAL 21.3 GiB >= 20 GiB',
      threshold: { level: 'CRITICAL', value: 20 * GiB },
    });
    expect(m['dms_slot/slotLag']).toMatchObject({ level: 'WARNING', summary: 'lag 2 GiB >= 1 GiB' });
    expect(m['dms_slot/inactiveTime']).toMatchObject({
      level: 'WARNING',
      summary: 'inactive 6 min >= 5 min',
    });
    expect(m['dms_slot/walStatus']).toMatchObject({ level: 'OK', status: 'reserved' });
    expect(m['-/walDiskPercent']).toMatchObject({ level: 'WARNING', summary: 'WAL disk use 70% >= 60%' });
    expect(m['-/walDiskBytes']).toMatchObject({ level: 'OK', summary: 'WAL on disk 70 MiB < 20 GiB' });
    expect(m['-/sourceCheck']).toMatchObject({ key: 'orders-db#-#sourceCheck', level: 'OK' });
  });

  it('wal_status: unreserved warns and lost is critical, with the invalidation reason', () => {
    const observations = evaluateSource(
      source(),
      measurement({
        slots: [
          slot({ name: 'a', walStatus: 'unreserved' }),
          slot({ name: 'b', walStatus: 'lost', invalidationReason: 'wal_removed' }),
          slot({ name: 'c', walStatus: 'extended' }),
        ],
      }),
    );
    const m = byMetric(observations);
    expect(m['a/walStatus']).toMatchObject({ level: 'WARNING', summary: 'wal_status unreserved' });
    expect(m['b/walStatus']).toMatchObject({
      level: 'CRITICAL',
      summary: 'wal_status lost (invalidated: wal_removed)',
    });
    expect(m['c/walStatus']).toMatchObject({ level: 'OK' });
  });

  it('an active slot is inactive for 0 s; an unknown inactivity (before 17) and missing values are not judged', () => {
    const m = byMetric(
      evaluateSource(
        source(),
        measurement({
          slots: [
            slot({ name: 'live', active: true }),
            slot({ name: 'old', active: false, inactiveSeconds: null, xminAge: null }),
          ],
          wal: null,
        }),
      ),
    );
    expect(m['live/inactiveTime']).toMatchObject({ level: 'OK', value: 0 });
    expect(m['old/inactiveTime']).toBeUndefined();
    expect(m['old/xminAge']).toBeUndefined();
    expect(m['-/walDiskBytes']).toBeUndefined();
  });

  it('xmin age and DMS latency per task (keyed by the task resource ID)', () => {
    const task = {
      taskArn: 'arn:aws:dms:eu-west-1:123456789012:task:ABCDEF',
      taskId: 'ABCDEF',
      replicationInstanceIdentifier: 'dms-prod-1',
    };
    const m = byMetric(
      evaluateSource(
        source(),
        measurement({
          slots: [slot({ xminAge: 1_200_000_000 })],
          dms: [{ task, cdcLatencySource: 2000, cdcLatencyTarget: null }],
        }),
      ),
    );
    expect(m['dms_slot/xminAge']).toMatchObject({
      level: 'CRITICAL',
      summary: 'xmin age 1,200,000,000 xids >= 1,000,000,000 xids',
    });
    expect(m['ABCDEF/cdcLatencySource']).toMatchObject({
      key: 'orders-db#task:ABCDEF#cdcLatencySource',
      task: 'ABCDEF',
      level: 'CRITICAL',
      summary: 'CDCLatencySource 33 min >= 30 min',
    });
    expect(m['ABCDEF/cdcLatencyTarget']).toBeUndefined();
  });

  it('a configured slot the server does not have is CRITICAL slotMissing; one it has is OK (so its return resolves)', () => {
    const m = byMetric(
      evaluateSource(
        source({ slots: ['gone', 'dms_slot'] }),
        measurement({ slots: [slot()], missingSlots: ['gone'] }),
      ),
    );
    expect(m['gone/slotMissing']).toMatchObject({ level: 'CRITICAL', key: 'orders-db#gone#slotMissing' });
    expect(m['dms_slot/slotMissing']).toMatchObject({ level: 'OK', summary: 'slot exists again' });
    // With every logical slot selected there is no list to miss from.
    expect(byMetric(evaluateSource(source(), measurement()))['dms_slot/slotMissing']).toBeUndefined();
  });

  it('a source that cannot be measured is one CRITICAL sourceCheck observation', () => {
    expect(evaluateUnreachable(source(), 'SourceUnreachableError: connect ECONNREFUSED', T0)).toEqual([
      expect.objectContaining({
        key: 'orders-db#-#sourceCheck',
        level: 'CRITICAL',
        status: 'SourceUnreachableError: connect ECONNREFUSED',
        summary: 'cannot be checked: SourceUnreachableError: connect ECONNREFUSED',
      }),
    ]);
  });
});

describe('toHealthReport', () => {
  it('has exactly the documented shape, the worst level per slot and overall', () => {
    const s = source({ slots: ['dms_slot', 'gone'], thresholds: { retainedWal: { warning: '1MB' } } });
    const m = measurement({ slots: [slot({ retained: 3 * MiB, lag: 2 * MiB })], missingSlots: ['gone'] });
    const report = toHealthReport('orders-db', m, evaluateSource(s, m));
    expect(report).toEqual({
      source: 'orders-db',
      slots: [
        {
          slot: 'dms_slot',
          active: true,
          walStatus: 'reserved',
          lagBytes: 2 * MiB,
          retainedBytes: 3 * MiB,
          safeWalBytes: null,
          invalidationReason: null,
          state: 'WARNING',
          breaches: [
            {
              metric: 'retainedWal',
              level: 'WARNING',
              value: 3 * MiB,
              threshold: 1 * MiB,
              message: 'retained WAL 3 MiB >= 1 MiB',
            },
          ],
        },
        {
          slot: 'gone',
          active: false,
          walStatus: null,
          lagBytes: null,
          retainedBytes: null,
          safeWalBytes: null,
          invalidationReason: null,
          state: 'CRITICAL',
          breaches: [
            {
              metric: 'slotMissing',
              level: 'CRITICAL',
              value: 'missing',
              threshold: null,
              message: 'slot does not exist',
            },
          ],
        },
      ],
      wal: { bytes: 64 * MiB, files: 4 },
      // The fixture says nothing about max_slot_wal_keep_size, and no history gave a rate.
      maxSlotWalKeepSize: 'not available',
      walRateBytesPerSecond: null,
      state: 'CRITICAL',
    });
  });
});
