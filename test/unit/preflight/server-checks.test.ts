import { describe, expect, it } from 'vitest';
import {
  compareEngineVersions,
  DMS_POSTGRESQL_SOURCES,
} from '../../../src/core/preflight/dms-source-versions.js';
import { evaluate, findings, severities } from './fixtures/evaluate.js';
import { healthyAurora, healthyRds, healthySelfManaged, setting, withSettings } from './fixtures/facts.js';

const healthy = healthySelfManaged();

describe('a healthy snapshot', () => {
  it.each([
    ['self-managed', healthySelfManaged()],
    ['RDS', healthyRds()],
    ['Aurora', healthyAurora()],
  ])('%s has no blocker and no warning', (_, facts) => {
    expect(evaluate(facts).filter((f) => f.severity !== 'info')).toEqual([]);
  });
});

describe('server.version-supported', () => {
  const at = (versionNum: number, version: string, base = healthySelfManaged()) => ({
    ...base,
    server: { ...base.server, versionNum, version },
  });
  const instance = (version: string) => ({ dmsEngine: { version, from: 'replication-instance' as const } });
  const option = (version: string) => ({ dmsEngine: { version, from: 'option' as const } });

  it('without an engine version: info naming what the major needs, judged against the newest engine listed', () => {
    expect(findings('server.version-supported', healthy)).toEqual([
      expect.objectContaining({
        severity: 'info',
        title:
          'PostgreSQL 17 needs DMS engine 3.6.1 or later; no engine version was given, so this assumes the newest listed (3.6.1)',
      }),
    ]);
    expect(findings('server.version-supported', at(150_018, '15.18'))[0]?.title).toContain(
      'PostgreSQL 15 needs DMS engine 3.5.1 or later',
    );
    expect(findings('server.version-supported', at(120_022, '12.22'))[0]?.title).toContain(
      'PostgreSQL 12 needs DMS engine any;',
    );
  });

  it.each([
    [160_014, '16.14', '3.5.2', '3.5.3'],
    [170_010, '17.10', '3.5.4', '3.6.1'],
    [170_010, '17.10', '3.6.0', '3.6.1'],
    [150_018, '15.18', '3.4.7', '3.5.1'],
    [140_023, '14.23', '3.4.6', '3.4.7'],
    [130_023, '13.23', '3.4.2', '3.4.3'],
  ])(
    'PostgreSQL %i on an instance running DMS %s below the %s it needs: a blocker naming %s',
    (num, version, engine, needed) => {
      const [finding] = findings('server.version-supported', at(num, version), instance(engine));
      expect(finding).toMatchObject({
        severity: 'blocker',
        title: `PostgreSQL ${Math.floor(num / 10_000)} needs DMS engine ${needed} or later; the replication instance runs DMS ${engine}`,
        expected: `a replication instance running DMS ${needed} or later`,
      });
      expect(finding?.remedy).toContain(`--engine-version ${needed}`);
    },
  );

  it('passes silently when the given engine reads the major (at, and above the minimum, compared numerically)', () => {
    expect(severities('server.version-supported', at(160_014, '16.14'), instance('3.5.3'))).toEqual([]);
    expect(severities('server.version-supported', at(160_014, '16.14'), option('3.5.10'))).toEqual([]);
    expect(severities('server.version-supported', at(170_010, '17.10'), option('3.6.1'))).toEqual([]);
    expect(severities('server.version-supported', at(120_022, '12.22'), option('3.4.0'))).toEqual([]);
  });

  it('names where the engine version came from: --dms-version', () => {
    expect(findings('server.version-supported', at(160_014, '16.14'), option('3.5.2'))[0]?.title).toBe(
      'PostgreSQL 16 needs DMS engine 3.5.3 or later; --dms-version 3.5.2',
    );
  });

  it('PostgreSQL 18 is not a supported source yet: a blocker whatever the engine', () => {
    for (const options of [{}, instance('3.6.1'), option('9.9.9')]) {
      const [finding] = findings('server.version-supported', at(180_004, '18.4'), options);
      expect(finding).toMatchObject({
        severity: 'blocker',
        title: 'No DMS engine reads PostgreSQL 18 as a source yet',
      });
    }
  });

  it('refuses below PostgreSQL 12, on every platform', () => {
    for (const [num, version] of [
      [110_022, '11.22'],
      [100_021, '10.21'],
      [90_624, '9.6.24'],
    ] as const) {
      for (const base of [healthySelfManaged(), healthyRds(), healthyAurora()]) {
        const [finding] = findings('server.version-supported', at(num, version, base));
        expect(finding?.severity).toBe('blocker');
        expect(finding?.expected).toBe('PostgreSQL 12 to 17');
      }
    }
  });
});

describe('server.idle-replication-slot-timeout (PostgreSQL 18)', () => {
  const id = 'server.idle-replication-slot-timeout';
  const timeout = (value: string) =>
    withSettings(healthy, { idle_replication_slot_timeout: setting(value, 's') });

  it('says nothing where the parameter is absent (before 18) or 0 (off)', () => {
    expect(findings(id, healthy)).toEqual([]);
    expect(findings(id, timeout('0'))).toEqual([]);
  });

  it('warns when idle slots are invalidated sooner than the longest planned downtime (a day by default)', () => {
    const [finding] = findings(id, timeout('3600'));
    expect(finding).toMatchObject({
      severity: 'warning',
      observed:
        'idle_replication_slot_timeout = 3600s; the longest planned task downtime is 86400 s (default: one day)',
      expected: 'idle_replication_slot_timeout = 0 (off) or at least 86400 s',
    });
    expect(finding?.remedy).toContain("ALTER SYSTEM SET idle_replication_slot_timeout = '0'");
    expect(severities(id, timeout('3600'), { longestDowntimeSeconds: 7200 })).toEqual(['warning']);
  });

  it('only informs when the timeout outlasts the planned downtime', () => {
    const [finding] = findings(id, timeout('7200'), { longestDowntimeSeconds: 3600 });
    expect(finding).toMatchObject({
      severity: 'info',
      title: 'An idle slot is invalidated after 7200 s (idle_replication_slot_timeout)',
    });
  });
});

describe('DMS engine versions', () => {
  it('compare numerically, part by part', () => {
    expect(compareEngineVersions('3.5.10', '3.5.3')).toBe(1);
    expect(compareEngineVersions('3.5.3', '3.5.3.0')).toBe(0);
    expect(compareEngineVersions('3.4.7', '3.5.1')).toBe(-1);
    expect(compareEngineVersions('3.6.1', '3.6.0')).toBe(1);
  });

  it("the table is the AWS page's: 13 3.4.3, 14 3.4.7, 15 3.5.1, 16 3.5.3, 17 3.6.1, 12 any, nothing for 18", () => {
    expect(DMS_POSTGRESQL_SOURCES.minimumEngine).toEqual({
      12: null,
      13: '3.4.3',
      14: '3.4.7',
      15: '3.5.1',
      16: '3.5.3',
      17: '3.6.1',
    });
    expect(DMS_POSTGRESQL_SOURCES.newestEngine).toBe('3.6.1');
  });
});

describe('server.wal-level', () => {
  it('blocks a self-managed server without logical decoding, with the ALTER SYSTEM remedy', () => {
    const [finding] = findings('server.wal-level', withSettings(healthy, { wal_level: setting('replica') }));
    expect(finding).toMatchObject({ severity: 'blocker', observed: 'wal_level = replica' });
    expect(finding?.remedy).toBe("ALTER SYSTEM SET wal_level = 'logical'; then restart PostgreSQL");
  });

  it('says restart when the new value is configured but pending', () => {
    const facts = withSettings(healthy, { wal_level: setting('replica', null, true) });
    expect(findings('server.wal-level', facts)[0]?.remedy).toContain('restart PostgreSQL');
    expect(findings('server.wal-level', facts)[0]?.observed).toContain('waits for a restart');
  });

  it('on RDS asks for rds.logical_replication in the parameter group, on Aurora in the cluster group', () => {
    const off = { 'rds.logical_replication': setting('off'), wal_level: setting('replica') };
    const [rds] = findings('server.wal-level', withSettings(healthyRds(), off));
    expect(rds?.remedy).toBe(
      "Set rds.logical_replication = 1 in the DB instance's custom DB parameter group, then reboot the instance",
    );
    const [aurora] = findings('server.wal-level', withSettings(healthyAurora(), off));
    expect(aurora?.remedy).toContain('DB cluster parameter group');
  });

  it('on RDS says reboot when rds.logical_replication is on but not yet in effect', () => {
    const facts = withSettings(healthyRds(), { wal_level: setting('replica') });
    expect(findings('server.wal-level', facts)[0]?.remedy).toContain('reboot the instance');
  });
});

describe('server.max-replication-slots and server.max-wal-senders', () => {
  it('blocks when no slot is free for the slot DMS would create', () => {
    const facts = withSettings(healthy, { max_replication_slots: setting('0') });
    expect(severities('server.max-replication-slots', facts)).toEqual(['blocker']);
  });

  it('blocks when every WAL sender is taken', () => {
    const facts = { ...healthy, server: { ...healthy.server, walSendersInUse: 10 } };
    expect(findings('server.max-wal-senders', facts)[0]).toMatchObject({
      severity: 'blocker',
      observed: 'max_wal_senders = 10, 10 running',
    });
  });
});

describe('server.wal-sender-timeout', () => {
  const at = (ms: string) => withSettings(healthy, { wal_sender_timeout: setting(ms, 'ms') });
  it.each([
    ['0', []],
    ['10000', []],
    ['300000', []],
    ['9999', ['blocker']],
    ['300001', ['warning']],
  ])('%s ms -> %j', (ms, expected) => {
    expect(severities('server.wal-sender-timeout', at(ms))).toEqual(expected);
  });

  it('reads the unit pg_settings reports (s)', () => {
    const facts = withSettings(healthy, { wal_sender_timeout: setting('5', 's') });
    expect(severities('server.wal-sender-timeout', facts)).toEqual(['blocker']);
  });
});

describe('server.max-worker-processes (RDS/Aurora parameter-group guidance)', () => {
  it('warns on RDS when the sum of worker pools exceeds it', () => {
    const facts = withSettings(healthyRds(), { max_worker_processes: setting('8') });
    expect(findings('server.max-worker-processes', facts)[0]).toMatchObject({
      severity: 'warning',
      expected: 'max_worker_processes >= 15 (their sum)',
    });
  });

  it('does not apply to a self-managed server', () => {
    const facts = withSettings(healthy, { max_worker_processes: setting('8') });
    expect(severities('server.max-worker-processes', facts)).toEqual([]);
  });
});

describe('the remaining server settings', () => {
  it('server.max-slot-wal-keep-size warns when a limit is set and passes at -1 or before PostgreSQL 13', () => {
    expect(
      severities(
        'server.max-slot-wal-keep-size',
        withSettings(healthy, { max_slot_wal_keep_size: setting('1024', 'MB') }),
      ),
    ).toEqual(['warning']);
    expect(
      severities(
        'server.max-slot-wal-keep-size',
        withSettings(healthy, { max_slot_wal_keep_size: undefined }),
      ),
    ).toEqual([]);
  });

  it('server.idle-in-transaction-timeout names the DMS role in the remedy', () => {
    const facts = withSettings(healthy, { idle_in_transaction_session_timeout: setting('60000', 'ms') });
    expect(findings('server.idle-in-transaction-timeout', facts)[0]?.remedy).toContain(
      'ALTER ROLE dms_user SET idle_in_transaction_session_timeout = 0;',
    );
  });

  it('server.logical-decoding-work-mem warns below 64MB', () => {
    const small = withSettings(healthy, { logical_decoding_work_mem: setting('4096', 'kB') });
    expect(severities('server.logical-decoding-work-mem', small)).toEqual(['warning']);
  });

  it('server.in-recovery blocks a standby', () => {
    const facts = { ...healthy, server: { ...healthy.server, inRecovery: true } };
    expect(severities('server.in-recovery', facts)).toEqual(['blocker']);
  });
});
