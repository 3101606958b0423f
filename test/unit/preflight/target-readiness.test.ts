import { describe, expect, it } from 'vitest';
import { findings, severities } from './fixtures/evaluate.js';
import { healthySelfManaged, healthyTarget, table, targetTable } from './fixtures/facts.js';

// The source has public.orders and public.customers, each keyed on id (healthySelfManaged).
const facts = healthySelfManaged();
const orders = (overrides: Parameters<typeof targetTable>[2]) =>
  healthyTarget({ tables: [targetTable('public', 'customers'), targetTable('public', 'orders', overrides)] });

describe('target.triggers', () => {
  it('passes without user triggers, and with only ORIGIN triggers once the session is in replica mode', () => {
    expect(severities('target.triggers', facts, {}, healthyTarget())).toEqual([]);
    const origin = orders({ triggers: [{ name: 'orders_audit', enabled: 'O' }] });
    expect(
      severities('target.triggers', facts, {}, { ...origin, sessionReplicationRole: 'replica' }),
    ).toEqual([]);
  });

  it('warns about an ORIGIN trigger with the session_replication_role remedy (DMS AfterConnectScript)', () => {
    const [finding] = findings(
      'target.triggers',
      facts,
      {},
      orders({ triggers: [{ name: 'orders_audit', enabled: 'O' }] }),
    );
    expect(finding).toMatchObject({
      severity: 'warning',
      observed: 'public.orders (orders_audit)',
    });
    expect(finding?.remedy).toContain(
      "PostgreSQLSettings.AfterConnectScript to SET session_replication_role='replica'",
    );
    expect(finding?.remedy).toContain('needs a superuser or rds_superuser: dms_target is neither');
    expect(finding?.remedy).toContain('ALTER TABLE public.orders DISABLE TRIGGER USER;');
  });

  it('an ALWAYS trigger fires even in replica mode, a REPLICA one only there: each named with its own remedy', () => {
    const target = orders({
      triggers: [
        { name: 'always_fires', enabled: 'A' },
        { name: 'replica_only', enabled: 'R' },
      ],
    });
    const [origin] = findings('target.triggers', facts, {}, target);
    expect(origin?.observed).toBe('public.orders (always_fires)');
    expect(origin?.remedy).toContain('ALTER TABLE public.orders DISABLE TRIGGER always_fires;');
    const [replica] = findings(
      'target.triggers',
      facts,
      {},
      { ...target, sessionReplicationRole: 'replica' },
    );
    expect(replica?.observed).toBe('public.orders (always_fires, replica_only)');
  });
});

describe('target.table-shape', () => {
  it('passes when the target has the source columns, types and key', () => {
    expect(severities('target.table-shape', facts, {}, healthyTarget())).toEqual([]);
  });

  it('blocks a column the source has and the target lacks, and a required target column the source lacks', () => {
    const target = orders({
      columns: [{ name: 'tenant', type: 'integer', required: true }],
      sourceColumns: [{ name: 'id', type: 'integer' }],
    });
    const [blocker] = findings('target.table-shape', facts, {}, target);
    expect(blocker).toMatchObject({
      severity: 'blocker',
      observed: 'public.orders (missing id; NOT NULL without default, not on the source: tenant)',
    });
  });

  it('warns about a type that differs, and a primary key on other columns', () => {
    const target = orders({
      columns: [
        { name: 'id', type: 'integer', required: true },
        { name: 'amount', type: 'numeric(10,0)', required: false },
      ],
      sourceColumns: [
        { name: 'id', type: 'integer' },
        { name: 'amount', type: 'numeric(12,2)' },
      ],
      primaryKey: ['amount'],
    });
    const found = findings('target.table-shape', facts, {}, target);
    expect(found.map((f) => [f.severity, f.observed])).toEqual([
      ['warning', 'public.orders (amount numeric(12,2) -> numeric(10,0))'],
      ['warning', 'public.orders (source (id), target (amount))'],
    ]);
  });

  it('says nothing of a table it could not compare (missing on the target, or source columns not read)', () => {
    const unread = orders({ sourceColumns: null, columns: [] });
    expect(severities('target.table-shape', facts, {}, unread)).toEqual([]);
    const missing = orders({ exists: false, columns: [], sourceColumns: null, primaryKey: [] });
    expect(severities('target.table-shape', facts, {}, missing)).toEqual([]);
    expect(severities('target.tables-ready', facts, {}, missing)).toEqual(['blocker']);
  });

  it('leaves a keyless source table to the key checks', () => {
    const keyless = healthySelfManaged({ tables: [table('public', 'orders', { primaryKey: [] })] });
    const target = healthyTarget({ tables: [targetTable('public', 'orders', { primaryKey: ['id'] })] });
    expect(severities('target.table-shape', keyless, {}, target)).toEqual([]);
  });
});

describe('target.table-prep-mode', () => {
  it('recommends DO_NOTHING when the selected tables are already on the target', () => {
    const [finding] = findings('target.table-prep-mode', facts, {}, healthyTarget());
    expect(finding).toMatchObject({ severity: 'info', observed: '2 selected tables already on the target' });
    expect(finding?.remedy).toContain('{"FullLoadSettings": {"TargetTablePrepMode": "DO_NOTHING"}}');
    expect(severities('target.table-prep-mode', facts, {}, healthyTarget({ tables: [] }))).toEqual([]);
  });

  it('checks nothing without a target', () => {
    for (const id of ['target.triggers', 'target.table-shape', 'target.table-prep-mode'])
      expect(severities(id, facts)).toEqual([]);
  });
});
