import type { Problem } from './finding.js';

/** Names for an `observed` line: the first few, then how many more, so 10,000 tables stay readable. */
export function listNames(names: readonly string[], max = 10): string {
  if (names.length <= max) return names.join(', ');
  return `${names.slice(0, max).join(', ')} (+${names.length - max} more)`;
}

export function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}

/** Quotes an identifier for the SQL in a remedy, exactly as quote_ident would. */
export function quoteIdent(name: string): string {
  return /^[a-z_][a-z0-9_$]*$/.test(name) ? name : `"${name.replaceAll('"', '""')}"`;
}

export function quoteTable(table: { readonly schema: string; readonly name: string }): string {
  return `${quoteIdent(table.schema)}.${quoteIdent(table.name)}`;
}

/** SQL statements for the first few objects, and a note for the rest. */
export function statements(lines: readonly string[], max = 5): string {
  if (lines.length <= max) return lines.join(' ');
  return `${lines.slice(0, max).join(' ')} ... and the same for the other ${lines.length - max}`;
}

/**
 * The problem of a check that lists what it found: none when nothing was found, else one whose
 * title ends with the count and whose `observed` names the first few.
 */
export function problemListing(found: readonly string[], problem: Omit<Problem, 'observed'>): Problem[] {
  if (found.length === 0) return [];
  const { severity, title, expected, remedy } = problem;
  return [{ severity, title: `${title}: ${found.length}`, observed: listNames(found), expected, remedy }];
}
