import { qualifiedName } from '../preflight/scope.js';
import { type CatalogSequence, type ColumnRef, position } from './catalog.js';

/** A bigint as JSON: a number while exact (up to 2^53 - 1), else its decimal text. */
export type JsonInteger = number | string;

export type SequenceStatus =
  /** Both stand at the same position. */
  | 'equal'
  /** The target would hand out values the source already handed out. */
  | 'behind'
  /** The target stands further along than the source (a gap applied earlier, or writes on the target). */
  | 'ahead'
  | 'missing-on-target'
  /** The connected role cannot read one side exactly (needs SELECT on the sequence). */
  | 'unreadable';

/** One sequence of the source compared with its target counterpart. */
export interface SequenceComparison {
  /** schema.sequence on the source. */
  readonly name: string;
  /** schema.sequence on the target when it differs: matched by the column that owns it. */
  readonly targetName?: string;
  /** Where each side stands (the last value handed out; see position()); null when unknown. */
  readonly source: JsonInteger | null;
  readonly target: JsonInteger | null;
  readonly equal: boolean;
  readonly status: SequenceStatus;
}

/** A source sequence with the target sequence it corresponds to, if any. */
export interface SequencePair<S extends CatalogSequence = CatalogSequence> {
  readonly source: S;
  readonly target: S | undefined;
}

/**
 * Pairs each source sequence with the target's: the one of the same schema and name, else the one
 * owned by the same table column (a target whose tables were created by other tools names the
 * sequences of serial and identity columns its own way).
 */
export function pairSequences<S extends CatalogSequence>(
  source: readonly S[],
  target: readonly S[],
): SequencePair<S>[] {
  const byName = new Map(target.map((s) => [qualifiedName(s), s]));
  const byOwner = new Map(target.flatMap((s) => (s.ownedBy ? [[columnKey(s.ownedBy), s] as const] : [])));
  return source.map((s) => ({
    source: s,
    target: byName.get(qualifiedName(s)) ?? (s.ownedBy ? byOwner.get(columnKey(s.ownedBy)) : undefined),
  }));
}

function columnKey(c: ColumnRef): string {
  return JSON.stringify([c.schema, c.name, c.column]);
}

/** Compares where each pair stands, in the source's order. */
export function compareSequences(pairs: readonly SequencePair[]): SequenceComparison[] {
  return pairs.map(compareOne);
}

function compareOne({ source, target }: SequencePair): SequenceComparison {
  const name = qualifiedName(source);
  const renamed = target && qualifiedName(target) !== name ? { targetName: qualifiedName(target) } : {};
  const sourceAt = source.state && position(source.increment, source.state);
  const targetAt = target?.state && position(target.increment, target.state);
  const base = {
    name,
    ...renamed,
    source: sourceAt === undefined ? null : jsonInteger(sourceAt),
    target: targetAt === undefined ? null : jsonInteger(targetAt),
  };
  if (!target) return { ...base, equal: false, status: 'missing-on-target' };
  if (sourceAt === undefined || targetAt === undefined)
    return { ...base, equal: false, status: 'unreadable' };
  const order = along(source.increment, targetAt, sourceAt);
  if (order === 0) return { ...base, equal: true, status: 'equal' };
  return { ...base, equal: false, status: order < 0 ? 'behind' : 'ahead' };
}

/** -1, 0 or 1: whether a comes before, with or after b in the direction the sequence runs. */
export function along(increment: bigint, a: bigint, b: bigint): -1 | 0 | 1 {
  if (a === b) return 0;
  const before = increment > 0n ? a < b : a > b;
  return before ? -1 : 1;
}

export function jsonInteger(value: bigint): JsonInteger {
  const asNumber = Number(value);
  return Number.isSafeInteger(asNumber) ? asNumber : value.toString();
}
