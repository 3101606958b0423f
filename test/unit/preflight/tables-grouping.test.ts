import { describe, expect, it } from 'vitest';
import { findings } from './fixtures/evaluate.js';
import { healthySelfManaged, table } from './fixtures/facts.js';

// The table checks group tables (names that differ only in case, partitions under their parents)
// in one pass without a list per table; these pin the order and the membership they report.

const withTables = (...tables: ReturnType<typeof table>[]) => healthySelfManaged({ tables });

describe('grouping tables (pure)', () => {
  it('tables.case-conflict: groups of any size, in the order their first name comes', () => {
    const facts = withTables(
      table('app', 'Items'),
      table('app', 'Orders'),
      table('app', 'ORDERS'),
      table('app', 'items'),
      table('app', 'orders'),
      table('app', 'plain'),
    );
    expect(findings('tables.case-conflict', facts)[0]?.observed).toBe(
      'app.Items / app.items, app.Orders / app.ORDERS / app.orders',
    );
    expect(findings('tables.case-conflict', withTables(table('app', 'a'), table('app', 'b')))).toEqual([]);
  });

  it('tables.partitioned: leaves under nested parents, in catalog order, only those not selected', () => {
    const facts = withTables(
      table('public', 'm', { kind: 'partitioned' }),
      table('public', 'm_2024', { partitionOf: 'public.m', kind: 'partitioned' }),
      table('public', 'm_2024_01', { partitionOf: 'public.m_2024' }),
      table('public', 'm_2024_02', { partitionOf: 'public.m_2024' }),
      table('public', 'm_2025', { partitionOf: 'public.m' }),
      table('public', 'n', { kind: 'partitioned' }),
      table('public', 'n_1', { partitionOf: 'public.n' }),
    );
    const rule = (ruleName: string, tableName: string, action: 'include' | 'exclude') => ({
      ruleName,
      action,
      schemaName: 'public',
      tableName,
      tableType: 'table' as const,
    });
    const mappings = {
      selectionRules: [
        rule('1', '%', 'include'),
        rule('2', 'm_2024', 'exclude'),
        rule('3', 'm_2024_02', 'exclude'),
        rule('4', 'n_1', 'exclude'),
      ],
    };
    const [blocker] = findings('tables.partitioned', facts, { tableMappings: mappings });
    expect(blocker?.observed).toBe(
      'logical decoding reports rows on the partitions, which are not selected: public.m_2024_02, public.n_1',
    );
  });
});
