import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../../src/core/errors.js';
import { selectScope } from '../../../src/core/preflight/scope.js';
import { compileNamePattern, parseTableMappings } from '../../../src/core/preflight/table-mappings.js';
import { table } from './fixtures/facts.js';

function rule(action: string, schema: string, tableName: string, id = '1', extra: object = {}) {
  return {
    'rule-type': 'selection',
    'rule-id': id,
    'rule-name': id,
    'object-locator': { 'schema-name': schema, 'table-name': tableName, ...extra },
    'rule-action': action,
  };
}

const TABLES = [
  table('public', 'orders'),
  table('public', 'order_items'),
  table('public', 'orderXitems'),
  table('public', 'Orders'),
  table('sales', 'invoices'),
  table('public', 'spatial_ref_sys', { extensionMember: true }),
  table('public', 'awsdms_ddl_audit'),
];

const names = (mappings: object) =>
  selectScope(TABLES, parseTableMappings(mappings)).tables.map((t) => `${t.schema}.${t.name}`);

describe('DMS name patterns', () => {
  it.each([
    ['%', 'anything', true],
    ['order%', 'orders', true],
    ['order%', 'Orders', false],
    ['order_items', 'orderXitems', true],
    ['order[_]items', 'orderXitems', false],
    ['order[_]items', 'order_items', true],
    ['[ab]%', 'beta', true],
    ['[a-c]x', 'cx', true],
    ['[a-c]x', 'dx', false],
    ['a.b', 'aXb', false],
    ['a+b', 'a+b', true],
  ])('%s matches %s: %s', (pattern, name, expected) => {
    expect(compileNamePattern(pattern).test(name)).toBe(expected);
  });

  it('takes wildcards literally in explicit rules', () => {
    expect(compileNamePattern('order_items', false).test('orderXitems')).toBe(false);
  });
});

describe('selection rules', () => {
  it('includes by pattern, case-sensitively', () => {
    expect(names({ rules: [rule('include', 'public', 'order%')] })).toEqual([
      'public.orders',
      'public.order_items',
      'public.orderXitems',
    ]);
  });

  it('excludes win over includes whatever their order', () => {
    const mappings = {
      rules: [rule('exclude', 'public', 'order[_]items', '1'), rule('include', '%', '%', '2')],
    };
    expect(names(mappings)).not.toContain('public.order_items');
    // [_] is a literal underscore: the X in orderXitems does not match it.
    expect(names(mappings)).toContain('public.orderXitems');
    expect(names(mappings)).toContain('sales.invoices');
  });

  it('an explicit rule selects exactly one table', () => {
    expect(names({ rules: [rule('explicit', 'public', 'order_items')] })).toEqual(['public.order_items']);
  });

  it('ignores view-only rules and non-selection rules', () => {
    const mappings = {
      rules: [
        rule('include', 'sales', '%', '1'),
        rule('include', 'public', '%', '2', { 'table-type': 'view' }),
        { 'rule-type': 'transformation', 'rule-id': '3', 'rule-action': 'rename' },
      ],
    };
    expect(names(mappings)).toEqual(['sales.invoices']);
  });

  it('reports include rules that select nothing', () => {
    const scope = selectScope(TABLES, parseTableMappings({ rules: [rule('include', 'Sales', '%', 'typo')] }));
    expect(scope.tables).toEqual([]);
    expect(scope.unmatchedRules.map((r) => r.ruleName)).toEqual(['typo']);
  });

  it('without mappings selects user tables, not extension tables or DMS artifacts', () => {
    const scope = selectScope(TABLES, undefined);
    expect(scope.source).toBe('all-user-tables');
    expect(scope.tables.map((t) => t.name)).not.toContain('spatial_ref_sys');
    expect(scope.tables.map((t) => t.name)).not.toContain('awsdms_ddl_audit');
    expect(scope.tables).toHaveLength(5);
  });

  it('rejects a document that is not a table mapping, naming the field', () => {
    expect(() => parseTableMappings({ rule: [] })).toThrow(InvalidInputError);
    expect(() =>
      parseTableMappings({ rules: [{ 'rule-type': 'selection', 'rule-id': '1', 'rule-action': 'include' }] }),
    ).toThrow(/tableMappings\.rules\[0\]\.object-locator/);
  });
});
