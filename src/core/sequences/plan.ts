import { InvalidInputError } from '../errors.js';
import { qualifiedName } from '../preflight/scope.js';
import { type CatalogSequence, position, type SequenceState } from './catalog.js';
import { along, type JsonInteger, jsonInteger, type SequencePair } from './compare.js';

/** A gap past this is a typo, not a safety margin: it would burn a quarter of an int4 key space. */
export const MAX_SEQUENCE_GAP = 1_000_000_000;

export type SyncAction =
  /** setval() moves the target forward to the source's position plus the gap. */
  | 'set'
  /** The target already stands exactly there. */
  | 'in-step'
  /** The target stands further along: it is left alone, never moved back. */
  | 'target-ahead'
  | 'missing-on-target'
  | 'unreadable'
  /** The target role lacks UPDATE on the sequence, so setval() would be refused. */
  | 'not-writable'
  /** The position asked for lies past the target sequence's bounds (a gap too large, or bounds that differ). */
  | 'out-of-range';

/** One sequence's step; `setval` is present exactly when action is 'set'. */
export interface SyncStep {
  readonly name: string;
  /** The target sequence's schema.sequence (the source's name when it is missing). */
  readonly target: string;
  readonly action: SyncAction;
  readonly from: JsonInteger | null;
  readonly to: JsonInteger | null;
  /** setval(schema.sequence, value, isCalled) on the target; value as decimal text (JSON, bigint parameter). */
  readonly setval?: {
    readonly schema: string;
    readonly sequence: string;
    readonly value: string;
    readonly isCalled: boolean;
  };
  readonly reason: string;
}

/** A --gap or sequences.gap value, checked: a whole number from 0 to MAX_SEQUENCE_GAP. */
export function checkGap(gap: number, field = 'gap'): number {
  if (!Number.isSafeInteger(gap) || gap < 0 || gap > MAX_SEQUENCE_GAP) {
    throw new InvalidInputError(
      field,
      `must be a whole number from 0 to ${MAX_SEQUENCE_GAP}, got ${String(gap)}`,
      'The gap is how many values of each sequence to skip past the source (0 for none)',
    );
  }
  return gap;
}

/**
 * What to do to each target sequence so that it stands at the source's position plus `gap` values
 * (gap × increment): idempotent (a second run finds every sequence in step) and never backwards
 * (a target further along is left as it is, and said so).
 */
export function planSequenceSync(pairs: readonly SequencePair[], gap: number): SyncStep[] {
  checkGap(gap);
  return pairs.map((pair) => planOne(pair, BigInt(gap)));
}

function planOne({ source, target }: SequencePair, gap: bigint): SyncStep {
  const name = qualifiedName(source);
  const targetName = target ? qualifiedName(target) : name;
  const step = (action: SyncAction, reason: string, from: bigint | undefined, to: bigint | undefined) => ({
    name,
    target: targetName,
    action,
    from: from === undefined ? null : jsonInteger(from),
    to: to === undefined ? null : jsonInteger(to),
    reason,
  });
  if (!target)
    return step(
      'missing-on-target',
      'no sequence of that name or owning column on the target',
      undefined,
      undefined,
    );
  if (!source.state)
    return step(
      'unreadable',
      'the source role cannot read it: GRANT SELECT ON SEQUENCE',
      undefined,
      undefined,
    );
  if (!target.state)
    return step(
      'unreadable',
      'the target role cannot read it: GRANT SELECT ON SEQUENCE',
      undefined,
      undefined,
    );
  const from = position(target.increment, target.state);
  const to = position(source.increment, source.state) + gap * source.increment;
  const order = along(source.increment, from, to);
  if (order === 0) return step('in-step', 'already there', from, to);
  if (order > 0) return step('target-ahead', 'the target is further along: left as it is', from, to);
  const setval = setvalFor(target, to);
  if (!setval)
    return step(
      'out-of-range',
      `past the target sequence's bounds ${target.minValue}..${target.maxValue}`,
      from,
      to,
    );
  if (!target.writable)
    return step('not-writable', 'the target role lacks UPDATE on it: GRANT UPDATE ON SEQUENCE', from, to);
  return {
    ...step('set', 'moved forward to the source', from, to),
    setval: {
      schema: target.schema,
      sequence: target.name,
      value: setval.lastValue.toString(),
      isCalled: setval.isCalled,
    },
  };
}

/**
 * The setval() arguments that leave `sequence` standing at `at`: (at, true) when `at` is inside its
 * bounds; else (at + increment, false) (the next value), which is how a fresh sequence at its first
 * value stands; undefined when neither fits.
 */
export function setvalFor(sequence: CatalogSequence, at: bigint): SequenceState | undefined {
  const inside = (v: bigint) => v >= sequence.minValue && v <= sequence.maxValue;
  if (inside(at)) return { lastValue: at, isCalled: true };
  const next = at + sequence.increment;
  return inside(next) ? { lastValue: next, isCalled: false } : undefined;
}
