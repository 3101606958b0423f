import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../../src/core/errors.js';
import {
  type CatalogSequence,
  compareSequences,
  MAX_SEQUENCE_GAP,
  pairSequences,
  planSequenceSync,
  sequencesInScope,
  setvalFor,
} from '../../../src/core/sequences/index.js';

const seq = (name: string, over: Partial<CatalogSequence> = {}): CatalogSequence => ({
  schema: 'app',
  name,
  increment: 1n,
  minValue: 1n,
  maxValue: 9_223_372_036_854_775_807n,
  ownedBy: undefined,
  usedBy: [],
  extensionMember: false,
  state: { lastValue: 1n, isCalled: false },
  writable: true,
  ...over,
});
const at = (lastValue: bigint, isCalled = true) => ({ state: { lastValue, isCalled } });

describe('sequencesInScope', () => {
  const tables = [{ schema: 'app', name: 'orders', extensionMember: false }];
  it('keeps owned and default-called sequences of tables in scope and standalone ones of their schemas', () => {
    const all = [
      seq('orders_id_seq', { ownedBy: { schema: 'app', name: 'orders', column: 'id' } }),
      seq('shared', {
        usedBy: [
          { schema: 'app', name: 'orders' },
          { schema: 'app', name: 'skipped' },
        ],
      }),
      seq('invoice_no'),
      seq('skipped_id_seq', { ownedBy: { schema: 'app', name: 'skipped', column: 'id' } }),
      seq('ext_seq', { extensionMember: true }),
      seq('lonely', { schema: 'elsewhere' }),
    ];
    expect(sequencesInScope(all, tables).map((s) => s.name)).toEqual([
      'orders_id_seq',
      'shared',
      'invoice_no',
    ]);
  });
});

describe('compareSequences', () => {
  it('says where each side stands, in the direction the sequence runs, with big values as text', () => {
    const big = 9_007_199_254_740_993n;
    const source = [
      seq('a', at(5n)),
      seq('down', { increment: -1n, minValue: -100n, maxValue: -1n, ...at(-5n) }),
      seq('big', at(big)),
      seq('gone', at(1n)),
      seq('secret', { state: undefined }),
    ];
    const target = [
      seq('a', at(5n)),
      seq('down', { increment: -1n, minValue: -100n, maxValue: -1n, ...at(-7n) }),
      seq('big', at(1n)),
      seq('secret', at(1n)),
    ];
    expect(compareSequences(pairSequences(source, target))).toEqual([
      { name: 'app.a', source: 5, target: 5, equal: true, status: 'equal' },
      { name: 'app.down', source: -5, target: -7, equal: false, status: 'ahead' },
      { name: 'app.big', source: big.toString(), target: 1, equal: false, status: 'behind' },
      { name: 'app.gone', source: 1, target: null, equal: false, status: 'missing-on-target' },
      { name: 'app.secret', source: null, target: 1, equal: false, status: 'unreadable' },
    ]);
  });
});

describe('planSequenceSync', () => {
  const plan = (source: CatalogSequence, target: CatalogSequence | undefined, gap = 0) =>
    planSequenceSync([{ source, target }], gap)[0];

  it('sets a target behind with setval(value, true), the gap counted in increments', () => {
    expect(plan(seq('a', { increment: 5n, ...at(50n) }), seq('a', at(10n)), 3)).toMatchObject({
      action: 'set',
      from: 10,
      to: 65,
      setval: { schema: 'app', sequence: 'a', value: '65', isCalled: true },
    });
  });

  it('sets a fresh position below the minimum as the next value, not called', () => {
    // The source was restarted at its first value (1, not called): the target's setval(0) would be refused.
    expect(plan(seq('a', at(1n, false)), seq('a', at(5n, false)))).toMatchObject({ action: 'target-ahead' });
    expect(plan(seq('a', at(3n, false)), seq('a', at(1n, false)))).toMatchObject({
      action: 'set',
      setval: { value: '2', isCalled: true },
    });
    expect(setvalFor(seq('a'), 0n)).toEqual({ lastValue: 1n, isCalled: false });
    expect(setvalFor(seq('a', { maxValue: 10n }), 11n)).toBeUndefined();
  });

  it('never plans a setval it cannot or must not run', () => {
    const steps = planSequenceSync(
      [
        { source: seq('a', at(7n)), target: undefined },
        { source: seq('b', { state: undefined }), target: seq('b') },
        { source: seq('c', at(7n)), target: seq('c', { state: undefined }) },
        { source: seq('d', at(7n)), target: seq('d', { writable: false, ...at(1n) }) },
        { source: seq('e', at(7n)), target: seq('e', { maxValue: 8n, ...at(1n) }) },
        { source: seq('f', at(7n)), target: seq('f', at(12n)) },
      ],
      5,
    );
    expect(steps.map((s) => [s.action, s.setval])).toEqual([
      ['missing-on-target', undefined],
      ['unreadable', undefined],
      ['unreadable', undefined],
      ['not-writable', undefined],
      ['out-of-range', undefined],
      ['in-step', undefined],
    ]);
  });

  it('refuses a gap that is negative, fractional or too large, naming the field', () => {
    for (const gap of [-1, 1.5, MAX_SEQUENCE_GAP + 1, Number.NaN]) {
      expect(() => planSequenceSync([], gap)).toThrow(InvalidInputError);
    }
    expect(planSequenceSync([], MAX_SEQUENCE_GAP)).toEqual([]);
  });
});
