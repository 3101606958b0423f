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

/** Row hashes with more copies on one side than the other, and by how many. */
export function diffMultiset(
  source: readonly HashCount[],
  target: readonly HashCount[],
): { readonly missingOnTarget: HashCount[]; readonly extraOnTarget: HashCount[] } {
  const counts = new Map<string, number>();
  for (const row of source) counts.set(row.hash, (counts.get(row.hash) ?? 0) + row.copies);
  for (const row of target) counts.set(row.hash, (counts.get(row.hash) ?? 0) - row.copies);
  const missingOnTarget: HashCount[] = [];
  const extraOnTarget: HashCount[] = [];
  for (const [hash, n] of counts) {
    if (n > 0) missingOnTarget.push({ hash, copies: n });
    else if (n < 0) extraOnTarget.push({ hash, copies: -n });
  }
  return { missingOnTarget, extraOnTarget };
}
