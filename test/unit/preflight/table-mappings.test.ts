import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../../src/core/errors.js';
import { selectScope } from '../../../src/core/preflight/scope.js';
import {
  compileNamePattern,
  parseTableMappings,
  parseTableMappingsText,
  TableMappingPatternError,
} from '../../../src/core/preflight/table-mappings.js';
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

describe('DMS wildcards on any name', () => {
  it.each([
    ['order-items', 'order-items', true],
    ['order-items', 'orderXitems', false],
    ['a"b', 'a"b', true],
    ["it's", "it's", true],
    ['with space', 'with space', true],
    ['with%', 'with space', true],
    ['100[%]', '100%', true],
    ['100[%]', '1000', false],
    ['a[_]b', 'a_b', true],
    ['x]y', 'x]y', true],
    ['[[]x]', '[x]', true],
    ['[-a]', '-', true],
    ['[a-]', '-', true],
    ['a(b)c{1}$^|/\\', 'a(b)c{1}$^|/\\', true],
    ['zoë_%', 'zoëXtail', true],
    ['😀_', '😀x', true],
  ])('%s matches %s: %s', (pattern, name, expected) => {
    expect(compileNamePattern(pattern).test(name)).toBe(expected);
    expect(() => parseTableMappings({ rules: [rule('include', pattern, pattern)] })).not.toThrow();
  });

  it.each([
    ['order[', 'the [ at character 6 opens a class that is never closed'],
    ['a[]b', 'the [] at character 2 is an empty class'],
    ['[z-a]x', 'the range at character 2 runs from high to low'],
  ])('a malformed bracket class in %s is a TableMappingPatternError naming the rule', (pattern, problem) => {
    const error = (() => {
      try {
        parseTableMappings({
          rules: [rule('include', 'public', 'ok', '1'), rule('include', 'public', pattern, 'orders-rule')],
        });
      } catch (e) {
        return e as TableMappingPatternError;
      }
      throw new Error('no error');
    })();
    expect(error).toBeInstanceOf(TableMappingPatternError);
    expect(error.name).toBe('TableMappingPatternError');
    expect(error.message).toBe(
      `tableMappings.rules[1].object-locator.table-name (rule "orders-rule"): ${problem}`,
    );
    expect(error.remedy).toContain('[[] a literal [');
  });

  it('an explicit rule takes brackets literally', () => {
    expect(() => parseTableMappings({ rules: [rule('explicit', 'public', 'odd[name')] })).not.toThrow();
    expect(compileNamePattern('odd[name', false).test('odd[name')).toBe(true);
  });

  it('refuses more than 10,000 rules, and a text over 1 MB unparsed', () => {
    const rules = Array.from({ length: 10_001 }, (_, i) => rule('include', 'public', `t${i}`, String(i)));
    expect(() => parseTableMappings({ rules })).toThrow(/more than 10000 rules/);
    const big = JSON.stringify({ rules: [rule('include', 'public', 'x'.repeat(1_048_576))] });
    expect(() => parseTableMappingsText(big)).toThrow(/tableMappings: is larger than 1 MB/);
  });
});
