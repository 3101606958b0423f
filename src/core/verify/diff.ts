import type { RowValues } from './model.js';

/** One row of a leaf range: its key (canonical text per key column) and its row hash. */
export interface KeyedHash {
  readonly key: readonly (string | null)[];
  readonly hash: string;
}

export interface LeafDiff {
  readonly missingOnTarget: (readonly (string | null)[])[];
  readonly extraOnTarget: (readonly (string | null)[])[];
  readonly changed: (readonly (string | null)[])[];
}

/** The rows of one leaf range that differ, by key: on the source only, on the target only, or both with other values. */
export function diffLeaf(source: readonly KeyedHash[], target: readonly KeyedHash[]): LeafDiff {
  const onTarget = new Map(target.map((row) => [JSON.stringify(row.key), row]));
  const missingOnTarget: (readonly (string | null)[])[] = [];
  const changed: (readonly (string | null)[])[] = [];
  for (const row of source) {
    const id = JSON.stringify(row.key);
    const other = onTarget.get(id);
    if (other === undefined) missingOnTarget.push(row.key);
    else if (other.hash !== row.hash) changed.push(row.key);
    onTarget.delete(id);
  }
  return { missingOnTarget, extraOnTarget: [...onTarget.values()].map((row) => row.key), changed };
}

/** A key as the report shows it: column name to value. */
export function keyValues(columns: readonly string[], key: readonly (string | null)[]): RowValues {
  return Object.fromEntries(columns.map((column, i) => [column, key[i] ?? null]));
}

/** The names of the columns whose hashes differ between two reads of one row. */
export function changedColumns(
  columns: readonly string[],
  source: readonly string[],
  target: readonly string[],
): string[] {
  return columns.filter((_, i) => source[i] !== target[i]);
}

/** Copies of one row hash on each side of a table without a primary key. */
export interface HashCount {
  readonly hash: string;
  readonly copies: number;
}

/** A row hash one side holds more copies of: by how many, and how many the source holds. */
export interface CopiesDiff extends HashCount {
  readonly onSource: number;
}

/** Row hashes with more copies on one side than the other, and by how many. */
export function diffMultiset(
  source: readonly HashCount[],
  target: readonly HashCount[],
): { readonly missingOnTarget: CopiesDiff[]; readonly extraOnTarget: CopiesDiff[] } {
  const counts = new Map<string, { source: number; target: number }>();
  const entry = (hash: string) => {
    const found = counts.get(hash) ?? { source: 0, target: 0 };
    counts.set(hash, found);
    return found;
  };
  for (const row of source) entry(row.hash).source += row.copies;
  for (const row of target) entry(row.hash).target += row.copies;
  const missingOnTarget: CopiesDiff[] = [];
  const extraOnTarget: CopiesDiff[] = [];
  for (const [hash, n] of counts) {
    if (n.source > n.target) missingOnTarget.push({ hash, copies: n.source - n.target, onSource: n.source });
    else if (n.source < n.target)
      extraOnTarget.push({ hash, copies: n.target - n.source, onSource: n.source });
  }
  return { missingOnTarget, extraOnTarget };
}
