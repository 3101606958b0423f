import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../../src/core/errors.js';
import {
  along,
  type CatalogSequence,
  checkGap,
  compareSequences,
  pairSequences,
  planSequenceSync,
  SequencesNotSyncedError,
  type SyncAction,
  type SyncStep,
  stepsNotSynced,
  summarizeSync,
  syncedSequences,
  withoutSetval,
} from '../../../src/core/sequences/index.js';
import { thrown } from '../../support/thrown.js';

/**
 * Sequence comparison and forward-only sync at their edges (mutation testing): matching by owning
 * column, descending sequences, a position at the maximum, every step's reason, and the sync result.
 */

const seq = (name: string, over: Partial<CatalogSequence> = {}): CatalogSequence => ({
  schema: 'app',
  name,
  increment: 1n,
  minValue: 1n,
  maxValue: 9_223_372_036_854_775_807n,
  ownedBy: undefined,
  usedBy: [],
  extensionMember: false,
  state: { lastValue: 1n, isCalled: true },
  writable: true,
  ...over,
});
const at = (lastValue: bigint, isCalled = true) => ({ state: { lastValue, isCalled } });
const DOWN = { increment: -1n, minValue: -100n, maxValue: -1n };

describe('pairing and comparing sequences', () => {
  it('pairs a sequence the target names otherwise by the column that owns it, and says its name', () => {
    const owner = { schema: 'app', name: 'orders', column: 'id' };
    const source = [seq('orders_id_seq', { ownedBy: owner, ...at(5n) }), seq('lonely', at(2n))];
    const target = [
      seq('orders_id_seq1', { ownedBy: owner, ...at(5n) }),
      seq('other_seq', { ownedBy: { schema: 'app', name: 'orders', column: 'other' }, ...at(2n) }),
    ];
    const pairs = pairSequences(source, target);
    expect(pairs.map((p) => p.target?.name)).toEqual(['orders_id_seq1', undefined]);
    expect(compareSequences(pairs)).toEqual([
      {
        name: 'app.orders_id_seq',
        targetName: 'app.orders_id_seq1',
        source: 5,
        target: 5,
        equal: true,
        status: 'equal',
      },
      { name: 'app.lonely', source: 2, target: null, equal: false, status: 'missing-on-target' },
    ]);
  });

  it('does not pair by owner across schemas or tables', () => {
    const source = [seq('s', { ownedBy: { schema: 'app', name: 'orders', column: 'id' } })];
    const target = [
      seq('t1', { ownedBy: { schema: 'other', name: 'orders', column: 'id' } }),
      seq('t2', { ownedBy: { schema: 'app', name: 'items', column: 'id' } }),
    ];
    expect(pairSequences(source, target)[0]?.target).toBeUndefined();
  });

  it('reports a target it cannot read as unreadable, with no position', () => {
    expect(compareSequences([{ source: seq('a', at(4n)), target: seq('a', { state: undefined }) }])).toEqual([
      { name: 'app.a', source: 4, target: null, equal: false, status: 'unreadable' },
    ]);
  });

  it('calls a descending target that has handed out fewer values behind', () => {
    const compared = compareSequences([
      { source: seq('d', { ...DOWN, ...at(-7n) }), target: seq('d', { ...DOWN, ...at(-5n) }) },
    ]);
    expect(compared[0]).toMatchObject({ source: -7, target: -5, status: 'behind' });
    expect(along(-1n, 5n, 3n)).toBe(-1);
    expect(along(-1n, 3n, 5n)).toBe(1);
    expect(along(1n, 3n, 5n)).toBe(-1);
    expect(along(1n, 5n, 3n)).toBe(1);
  });
});

describe('planning the sync', () => {
  const plan = (source: CatalogSequence, target: CatalogSequence | undefined, gap = 0) =>
    planSequenceSync([{ source, target }], gap)[0];

  it('gives every step its reason', () => {
    const steps = planSequenceSync(
      [
        { source: seq('a', at(7n)), target: undefined },
        { source: seq('b', { state: undefined }), target: seq('b') },
        { source: seq('c', at(7n)), target: seq('c', { state: undefined }) },
        { source: seq('d', at(7n)), target: seq('d', { writable: false, ...at(1n) }) },
        { source: seq('e', at(7n)), target: seq('e', { maxValue: 6n, ...at(1n) }) },
        { source: seq('f', at(7n)), target: seq('f', at(7n)) },
        { source: seq('g', at(7n)), target: seq('g', at(9n)) },
        { source: seq('h', at(7n)), target: seq('h', at(1n)) },
      ],
      0,
    );
    expect(steps.map((s) => [s.name, s.action, s.reason])).toEqual([
      ['app.a', 'missing-on-target', 'no sequence of that name or owning column on the target'],
      ['app.b', 'unreadable', 'the source role cannot read it: GRANT SELECT ON SEQUENCE'],
      ['app.c', 'unreadable', 'the target role cannot read it: GRANT SELECT ON SEQUENCE'],
      ['app.d', 'not-writable', 'the target role lacks UPDATE on it: GRANT UPDATE ON SEQUENCE'],
      ['app.e', 'out-of-range', "past the target sequence's bounds 1..6"],
      ['app.f', 'in-step', 'already there'],
      ['app.g', 'target-ahead', 'the target is further along: left as it is'],
      ['app.h', 'set', 'moved forward to the source'],
    ]);
    expect(steps[0]).toMatchObject({ target: 'app.a', from: null, to: null });
    expect(steps[6]).toMatchObject({ from: 9, to: 7 });
  });

  it('sets a target to its maximum value itself when the source stands there', () => {
    expect(plan(seq('a', at(10n)), seq('a', { maxValue: 10n, ...at(3n) }))).toMatchObject({
      action: 'set',
      setval: { value: '10', isCalled: true },
    });
  });

  it('names the field and the allowed range of a gap it refuses', () => {
    const error = thrown(() => checkGap(-1));
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error).toMatchObject({
      field: 'gap',
      message: 'gap: must be a whole number from 0 to 1000000000, got -1',
      remedy: 'The gap is how many values of each sequence to skip past the source (0 for none)',
    });
    expect(thrown(() => checkGap(2.5, 'sequences.gap'))).toMatchObject({ field: 'sequences.gap' });
  });
});

describe('the sync result', () => {
  const step = (name: string, action: SyncAction): SyncStep => ({
    name: `app.${name}`,
    target: `app.${name}`,
    action,
    from: 1,
    to: 2,
    reason: 'r',
    ...(action === 'set' ? { setval: { schema: 'app', sequence: name, value: '2', isCalled: true } } : {}),
  });
  const all = [
    step('s1', 'set'),
    step('s2', 'set'),
    step('i', 'in-step'),
    step('h', 'target-ahead'),
    step('m', 'missing-on-target'),
    step('u', 'unreadable'),
    step('w', 'not-writable'),
    step('o', 'out-of-range'),
  ];

  it('counts each action, and every one that leaves the target behind as not synced', () => {
    expect(summarizeSync(all)).toEqual({ sequences: 8, set: 2, inStep: 1, targetAhead: 1, notSynced: 4 });
    expect(stepsNotSynced(all).map((s) => s.action)).toEqual([
      'missing-on-target',
      'unreadable',
      'not-writable',
      'out-of-range',
    ]);
  });

  it('lists the sequences set or ahead without setval arguments, and only counts those in step', () => {
    const done = all.slice(0, 4);
    expect(syncedSequences(done)).toEqual({
      summary: { sequences: 4, set: 2, inStep: 1, targetAhead: 1, notSynced: 0 },
      sequences: [withoutSetval(all[0] as SyncStep), withoutSetval(all[1] as SyncStep), all[3]],
    });
    expect(withoutSetval(all[0] as SyncStep)).not.toHaveProperty('setval');
    expect(syncedSequences([])).toEqual({
      summary: { sequences: 0, set: 0, inStep: 0, targetAhead: 0, notSynced: 0 },
      sequences: [],
    });
  });

  it('lists at most 100 sequences', () => {
    const many = Array.from({ length: 101 }, (_, i) => step(`n${i}`, 'set'));
    const result = syncedSequences(many);
    expect(result.summary.set).toBe(101);
    expect(result.sequences).toHaveLength(100);
    expect(result.sequences.at(-1)?.name).toBe('app.n99');
  });

  it('fails with every sequence left behind, naming ten and counting the rest', () => {
    const error = thrown(() => syncedSequences(all));
    expect(error).toBeInstanceOf(SequencesNotSyncedError);
    expect(error).toMatchObject({
      name: 'SequencesNotSyncedError',
      message:
        "4 target sequences could not be set to the source's value: app.m (missing-on-target), " +
        'app.u (unreadable), app.w (not-writable), app.o (out-of-range)',
      remedy:
        'Create the missing sequences on the target, GRANT SELECT, UPDATE ON SEQUENCE ... to the target role ' +
        '(SELECT on the source), or lower the gap; then run `dms-cdc sequences sync` (it only moves sequences forward)',
    });
    expect((error as SequencesNotSyncedError).steps).toHaveLength(4);
    expect(new SequencesNotSyncedError([step('one', 'unreadable')]).message).toBe(
      "1 target sequence could not be set to the source's value: app.one (unreadable)",
    );
    const eleven = Array.from({ length: 11 }, (_, i) => step(`x${i}`, 'unreadable'));
    const message = new SequencesNotSyncedError(eleven).message;
    expect(message).toMatch(/^11 target sequences could not/);
    expect(message).toMatch(/app\.x9 \(unreadable\) and 1 more$/);
    expect(message).not.toContain('app.x10');
    expect(new SequencesNotSyncedError(eleven.slice(0, 10)).message).toMatch(/app\.x9 \(unreadable\)$/);
  });
});
