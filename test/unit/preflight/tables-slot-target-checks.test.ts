import { describe, expect, it } from 'vitest';
import { evaluate, findings, severities } from './fixtures/evaluate.js';
import {
  column,
  healthyAurora,
  healthySelfManaged,
  healthyTarget,
  setting,
  slot,
  table,
  targetTable,
  withSettings,
} from './fixtures/facts.js';

const withTables = (...tables: ReturnType<typeof table>[]) => healthySelfManaged({ tables });
const withSlots = (...slots: ReturnType<typeof slot>[]) =>
  healthySelfManaged({ replication: { slots, serverLsn: '0/1600000', standbys: [] } });

describe('table checks (pure)', () => {
  it('tables.primary-key: blocks keyless tables, warns when only a replica identity stands in', () => {
    const facts = withTables(
      table('public', 'logs', { primaryKey: [] }),
      table('public', 'events', { primaryKey: [], replicaIdentity: 'full' }),
      table('public', 'nothing', { replicaIdentity: 'nothing' }),
    );
    expect(findings('tables.primary-key', facts).map((f) => [f.severity, f.observed])).toEqual([
      ['blocker', 'no primary key and no replica identity: public.logs, public.nothing'],
      ['warning', 'public.events (full)'],
    ]);
  });

  it('tables.partitioned: warns for a selected parent and blocks when its partitions are not selected', () => {
    const tables = [
      table('public', 'm', { kind: 'partitioned' }),
      table('public', 'm_2024', { partitionOf: 'public.m', kind: 'partitioned' }),
      table('public', 'm_2024_01', { partitionOf: 'public.m_2024' }),
      table('public', 'm_2025', { partitionOf: 'public.m' }),
    ];
    const onlyParent = {
      selectionRules: [
        {
          ruleName: '1',
          action: 'explicit' as const,
          schemaName: 'public',
          tableName: 'm',
          tableType: 'table' as const,
        },
      ],
    };
    const result = findings('tables.partitioned', withTables(...tables), { tableMappings: onlyParent });
    expect(result.map((f) => f.severity)).toEqual(['blocker', 'warning']);
    expect(result[0]?.observed).toContain('public.m_2024_01, public.m_2025');
    expect(severities('tables.partitioned', withTables(...tables))).toEqual(['warning']);
  });

  it('tables.case-conflict, tables.unlogged, tables.array-without-pk, tables.pk-lob-type', () => {
    const facts = withTables(
      table('public', 'Orders'),
      table('public', 'orders'),
      table('public', 'scratch', { unlogged: true }),
      table('public', 'tags', {
        primaryKey: [],
        columns: [column('labels', '_text', { category: 'A', type: 'text[]' })],
      }),
      table('public', 'docs', {
        primaryKey: ['slug'],
        columns: [column('slug', 'varchar', { category: 'S', type: 'character varying' })],
      }),
      table('public', 'codes', {
        primaryKey: ['code'],
        columns: [column('code', 'varchar', { category: 'S', typmod: 14 })],
      }),
    );
    expect(findings('tables.case-conflict', facts)[0]?.observed).toBe('public.Orders / public.orders');
    expect(findings('tables.unlogged', facts)[0]?.remedy).toBe(
      'ALTER TABLE public.scratch SET LOGGED; (or exclude them)',
    );
    expect(findings('tables.array-without-pk', facts)[0]?.observed).toBe('public.tags');
    expect(findings('tables.pk-lob-type', facts)[0]?.observed).toBe('public.docs(slug character varying)');
  });

  it('type checks: unsupported, numeric without precision, oid, coalesce index, deferrable, PostGIS', () => {
    const facts = withTables(
      table('public', 'hosts', {
        columns: [
          column('id'),
          column('ip', 'inet'),
          column('mood', 'mood', { typtype: 'e' }),
          column('span', 'int4range', { typtype: 'r' }),
          column('price', 'numeric'),
          column('exact', 'numeric', { typmod: 655_366 }),
          column('blob', 'oid', { type: 'lo' }),
          column('shape', 'geometry'),
        ],
        expressionUniqueIndexes: [{ name: 'hosts_name_key', expression: "COALESCE(name, ''::text)" }],
        deferrableConstraints: ['hosts_parent_fk'],
      }),
    );
    expect(findings('tables.unsupported-types', facts)[0]?.observed).toBe(
      'public.hosts.ip inet, public.hosts.mood mood, public.hosts.span int4range',
    );
    expect(findings('tables.numeric-without-precision', facts)[0]?.observed).toBe(
      'public.hosts.price numeric',
    );
    expect(findings('tables.oid-lob', facts)[0]?.observed).toBe('public.hosts.blob lo');
    expect(severities('tables.unique-index-coalesce', facts)).toEqual(['blocker']);
    expect(severities('tables.deferrable-constraints', facts)).toEqual(['warning']);
    expect(severities('tables.postgis', facts)).toEqual(['info']);
    expect(severities('tables.postgis', facts, {}, healthyTarget())).toEqual(['blocker']);
    expect(severities('tables.postgis', facts, {}, healthyTarget({ extensions: ['postgis'] }))).toEqual([]);
  });

  it('tables.none-selected: blocks an empty scope, warns about a rule that matched nothing', () => {
    const rule = (tableName: string, ruleName: string) => ({
      ruleName,
      action: 'include' as const,
      schemaName: 'public',
      tableName,
      tableType: 'table' as const,
    });
    const facts = healthySelfManaged();
    expect(
      severities('tables.none-selected', facts, { tableMappings: { selectionRules: [rule('nope', '1')] } }),
    ).toEqual(['blocker']);
    const partial = { tableMappings: { selectionRules: [rule('orders', '1'), rule('Orders', 'typo')] } };
    expect(findings('tables.none-selected', facts, partial)[0]).toMatchObject({
      severity: 'warning',
      observed: 'typo (include public.Orders)',
    });
  });
});

describe('workload checks (pure)', () => {
  const tx = (ageSeconds: number) => ({
    pid: 42,
    user: 'app',
    application: 'batch',
    state: 'idle in transaction',
    ageSeconds,
    hasXid: true,
  });

  it('reports transactions past the threshold only', () => {
    expect(
      severities('workload.long-running-transactions', healthySelfManaged({ transactions: [tx(299)] })),
    ).toEqual([]);
    expect(
      severities('workload.long-running-transactions', healthySelfManaged({ transactions: [tx(30)] }), {
        longTransactionSeconds: 10,
      }),
    ).toEqual(['warning']);
  });

  it('prepared transactions block when DMS must create a slot and warn when starting from one', () => {
    const prepared = [{ gid: 'tx1', ageSeconds: 5, owner: 'app', database: 'shop' }];
    const facts = healthySelfManaged({
      preparedTransactions: prepared,
      replication: { slots: [slot('dms_slot')], serverLsn: '0/1600000', standbys: [] },
    });
    expect(severities('workload.prepared-transactions', facts)).toEqual(['blocker']);
    expect(severities('workload.prepared-transactions', facts, { slotName: 'dms_slot' })).toEqual([
      'warning',
    ]);
  });
});

describe('slot checks (pure)', () => {
  const opts = { slotName: 'dms_slot' };

  it('only apply with --slot, and a missing slot is a blocker', () => {
    expect(findings('slot.exists', withSlots())).toEqual([]);
    expect(findings('slot.exists', withSlots(), opts)[0]?.remedy).toContain(
      "pg_create_logical_replication_slot('dms_slot', 'test_decoding')",
    );
  });

  it('a missing slot the run will create is info, not a blocker, and no other check blocks on it', () => {
    const creating = { ...opts, createSlot: true };
    expect(findings('slot.exists', withSlots(), creating)).toEqual([
      expect.objectContaining({
        severity: 'info',
        title: 'Replication slot dms_slot does not exist yet: it will be created',
      }),
    ]);
    expect(evaluate(withSlots(), creating).filter((f) => f.severity === 'blocker')).toEqual([]);
    // Without createSlot the same facts still block.
    expect(severities('slot.exists', withSlots(), { ...opts, createSlot: false })).toEqual(['blocker']);
  });

  it('a healthy slot yields only the start position', () => {
    const all = ['logical', 'plugin-matches', 'database-matches', 'inactive', 'wal-reserved', 'two-phase'];
    for (const id of all) expect(severities(`slot.${id}`, withSlots(slot('dms_slot')), opts)).toEqual([]);
    expect(findings('slot.confirmed-flush-lsn', withSlots(slot('dms_slot')), opts)[0]).toMatchObject({
      severity: 'info',
      expected: 'CdcStartPosition >= 0/1500100',
      observed: 'confirmed_flush_lsn = 0/1500100, restart_lsn = 0/1500000, 1023.8 KiB of WAL since',
    });
  });

  it('each hazard blocks or warns', () => {
    const cases: [Partial<ReturnType<typeof slot>>, string, string][] = [
      [{ slotType: 'physical', plugin: null, database: null }, 'slot.logical', 'blocker'],
      [{ plugin: 'pgoutput' }, 'slot.plugin-matches', 'blocker'],
      [{ database: 'other' }, 'slot.database-matches', 'blocker'],
      [{ active: true, activePid: 4242, activeApplication: 'old-task' }, 'slot.inactive', 'blocker'],
      [{ walStatus: 'lost' }, 'slot.wal-reserved', 'blocker'],
      [{ walStatus: 'unreserved' }, 'slot.wal-reserved', 'warning'],
      [{ conflicting: true, invalidationReason: 'rows_removed' }, 'slot.wal-reserved', 'blocker'],
      [{ confirmedFlushLsn: null }, 'slot.confirmed-flush-lsn', 'blocker'],
      [{ twoPhase: true }, 'slot.two-phase', 'blocker'],
      [{ failover: false }, 'slot.failover-ready', 'warning'],
    ];
    for (const [overrides, id, severity] of cases) {
      expect([id, severities(id, withSlots(slot('dms_slot', overrides)), opts)]).toEqual([id, [severity]]);
    }
  });

  it('slot.failover-ready: PostgreSQL 17 needs a streaming standby listed in synchronized_standby_slots', () => {
    const standby = slot('standby_1', { slotType: 'physical', plugin: null, database: null, active: true });
    const facts = withSettings(withSlots(slot('dms_slot'), standby), {
      synchronized_standby_slots: setting('standby_1'),
    });
    expect(severities('slot.failover-ready', facts, opts)).toEqual([]);
    expect(severities('slot.failover-ready', withSlots(slot('dms_slot'), standby), opts)).toEqual([
      'warning',
    ]);
  });

  it('slot.failover-ready is informational before 17 and on Aurora', () => {
    const base = withSlots(slot('dms_slot', { failover: null }));
    const pg16 = { ...base, server: { ...base.server, versionNum: 160_004, version: '16.4' } };
    expect(severities('slot.failover-ready', pg16, opts)).toEqual(['info']);
    // By feature: the failover column (17+) decides, not the version number.
    const withoutColumn = withSlots(slot('dms_slot', { failover: null, conflicting: null }));
    expect(findings('slot.failover-ready', withoutColumn, opts)[0]?.title).toBe(
      'dms_slot will not survive a standby promotion (failover slots need PostgreSQL 17)',
    );
    expect(findings('slot.failover-ready', withoutColumn, opts)[0]?.remedy).not.toContain('standby itself');
    expect(findings('slot.failover-ready', pg16, opts)[0]?.remedy).toContain(
      'a slot created on the standby itself (logical decoding on a standby) survives',
    );
    const aurora = healthyAurora({
      replication: { slots: [slot('dms_slot')], serverLsn: '0/1600000', standbys: [] },
    });
    expect(findings('slot.failover-ready', aurora, opts)[0]?.title).toBe(
      'Re-inspect dms_slot after any Aurora failover',
    );
  });
});

describe('target checks (pure)', () => {
  const facts = healthySelfManaged();

  it('pass for a ready target', () => {
    for (const id of ['target.privileges', 'target.foreign-keys', 'target.tables-ready'])
      expect(severities(id, facts, {}, healthyTarget())).toEqual([]);
  });

  it('block missing privileges, missing tables and a read-only target; warn about foreign keys', () => {
    const target = healthyTarget({
      tables: [
        targetTable('public', 'customers', { foreignKeys: ['customers_region_fk'] }),
        targetTable('public', 'orders', {
          privileges: { select: true, insert: false, update: true, delete: false, truncate: false },
        }),
      ],
    });
    expect(findings('target.privileges', facts, {}, target)[0]?.observed).toBe(
      'public.orders (missing insert, delete)',
    );
    expect(severities('target.foreign-keys', facts, {}, target)).toEqual(['warning']);
    expect(
      severities('target.foreign-keys', facts, {}, { ...target, sessionReplicationRole: 'replica' }),
    ).toEqual([]);
    const missing = healthyTarget({
      tables: [targetTable('public', 'orders', { exists: false, hasPrimaryKey: false })],
    });
    expect(severities('target.tables-ready', facts, {}, missing)).toEqual(['blocker']);
    expect(severities('target.privileges', facts, {}, { ...missing, inRecovery: true })).toEqual(['blocker']);
  });
});
