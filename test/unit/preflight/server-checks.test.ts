import { describe, expect, it } from 'vitest';
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

  it('tells the DMS engine version a supported major needs', () => {
    expect(findings('server.version-supported', healthy)).toEqual([
      expect.objectContaining({ severity: 'info', title: 'PostgreSQL 17 needs DMS engine 3.6.1 or later' }),
    ]);
    expect(findings('server.version-supported', at(150_018, '15.18'))[0]?.title).toContain('3.5.1');
  });

  it('blocks below 9.4, RDS and Aurora 10.4, Aurora before 10.6 and RDS 10 before 10.21', () => {
    expect(severities('server.version-supported', at(90_324, '9.3.24'))).toEqual(['blocker']);
    expect(severities('server.version-supported', at(100_004, '10.4', healthyRds()))).toEqual(['blocker']);
    expect(severities('server.version-supported', at(100_004, '10.4'))).toEqual([]);
    expect(severities('server.version-supported', at(100_005, '10.5', healthyAurora()))).toEqual(['blocker']);
    expect(severities('server.version-supported', at(100_020, '10.20', healthyRds()))).toEqual(['blocker']);
    expect(severities('server.version-supported', at(100_021, '10.21', healthyRds()))).toEqual([]);
  });

  it('warns for a major DMS does not list yet', () => {
    expect(severities('server.version-supported', at(180_001, '18.1'))).toEqual(['warning']);
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
