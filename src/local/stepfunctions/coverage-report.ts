import { COVERAGE_KINDS, type CoverageItem, type MachineSummary } from './coverage.js';

/**
 * Items known to be uncovered, by machine, as reviewed: the list may only shrink. An item uncovered
 * and not listed fails the check (a new path without a test), and so does an item listed but covered
 * (the list must drop it) or listed but absent from the machine (a renamed or removed state).
 */
export type PendingList = Readonly<Record<string, readonly string[]>>;

export interface CoverageCheck {
  readonly uncovered: string[];
  readonly nowCovered: string[];
  readonly unknown: string[];
}

export function checkCoverage(machines: readonly MachineSummary[], pending: PendingList): CoverageCheck {
  const check: CoverageCheck = { uncovered: [], nowCovered: [], unknown: [] };
  for (const machine of machines) {
    const listed = new Set(pending[machine.name] ?? []);
    const uncovered = new Set(uncoveredItems(machine).map((item) => item.key));
    const all = new Set(machineKeys(machine));
    for (const key of uncovered) if (!listed.has(key)) check.uncovered.push(`${machine.name} ${key}`);
    for (const key of listed) {
      if (!all.has(key)) check.unknown.push(`${machine.name} ${key}`);
      else if (!uncovered.has(key)) check.nowCovered.push(`${machine.name} ${key}`);
    }
  }
  return check;
}

export function checkPassed(check: CoverageCheck): boolean {
  return check.uncovered.length + check.nowCovered.length + check.unknown.length === 0;
}

/** The check's failures as sentences a person can act on. */
export function checkProblems(check: CoverageCheck, pendingFile: string): string[] {
  const problems: string[] = [];
  if (check.uncovered.length > 0) {
    problems.push(
      `state-machine paths never taken (add a test that takes them, or list them in ${pendingFile} with the reason): ${check.uncovered.join(', ')}`,
    );
  }
  if (check.nowCovered.length > 0) {
    problems.push(`now covered, remove them from ${pendingFile}: ${check.nowCovered.join(', ')}`);
  }
  if (check.unknown.length > 0) {
    problems.push(
      `listed in ${pendingFile} but not in the machine (renamed or removed): ${check.unknown.join(', ')}`,
    );
  }
  return problems;
}

function uncoveredItems(machine: MachineSummary): CoverageItem[] {
  return COVERAGE_KINDS.flatMap((kind) => machine[kind].uncovered);
}

function machineKeys(machine: MachineSummary): string[] {
  return COVERAGE_KINDS.flatMap((kind) => machine[kind].all.map((item) => item.key));
}

/** The `--json` document: figures and the uncovered items by state name and rule or Catch index. */
export function coverageJson(machines: readonly MachineSummary[]) {
  return {
    machines: machines.map((m) => ({
      name: m.name,
      states: figures(m, 'states'),
      choices: figures(m, 'choices'),
      catches: figures(m, 'catches'),
      uncovered: {
        states: m.states.uncovered.map((item) => item.state),
        choices: m.choices.uncovered.map((item) => ({ state: item.state, rule: item.index })),
        catches: m.catches.uncovered.map((item) => ({ state: item.state, index: item.index })),
      },
    })),
  };
}

function figures(machine: MachineSummary, kind: 'states' | 'choices' | 'catches') {
  return { covered: machine[kind].covered, total: machine[kind].total };
}

/** A table of the figures, then each machine's uncovered items ("pending" when on the reviewed list). */
export function formatCoverage(machines: readonly MachineSummary[], pending: PendingList): string {
  const rows = machines.map((m) => [m.name, ...COVERAGE_KINDS.map((kind) => ratio(m[kind]))]);
  const table = alignColumns([['machine', ...COVERAGE_KINDS], ...rows]);
  const details = machines.flatMap((m) => uncoveredLines(m, new Set(pending[m.name] ?? [])));
  return [
    ...table,
    '',
    ...(details.length > 0 ? details : ['every state, Choice rule and Catch was taken']),
  ].join('\n');
}

function ratio({ covered, total }: { covered: number; total: number }): string {
  const percent = total === 0 ? 100 : Math.floor((covered * 100) / total);
  return `${covered}/${total} (${percent}%)`;
}

function alignColumns(rows: readonly string[][]): string[] {
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => row[column]?.length ?? 0))) ?? [];
  return rows.map((row) =>
    row
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join('  ')
      .trimEnd(),
  );
}

function uncoveredLines(machine: MachineSummary, listed: ReadonlySet<string>): string[] {
  const items = uncoveredItems(machine);
  if (items.length === 0) return [];
  return [
    `${machine.name}: ${items.length} not taken`,
    ...items.map((item) => `  ${item.key}${listed.has(item.key) ? '  (pending)' : ''}`),
  ];
}
