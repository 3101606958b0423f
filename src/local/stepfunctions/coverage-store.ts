import { appendFileSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  executionCoverage,
  type MachineSummary,
  mergeExecutions,
  type RecordedExecution,
  type RunCoverage,
  summarize,
} from './coverage.js';
import { type AslDefinition, parseDefinition } from './definition.js';
import type { ExecutionEvent } from './events.js';

/**
 * Where executions leave their coverage. Vitest runs test files in forked workers, so each worker
 * appends one JSON line per execution to its own file under a directory the run owns (inherited
 * through this variable); the run's teardown and `npm run coverage:asl` merge the files.
 */
export const ASL_COVERAGE_DIR_ENV = 'DMS_CDC_ASL_COVERAGE_DIR';

/** The machines that count: fixtures and inline definitions run by tests do not. */
export const COVERED_MACHINES = ['cutover', 'recover', 'health-check'] as const;
export type CoveredMachine = (typeof COVERED_MACHINES)[number];

const STATEMACHINES_DIR = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../../statemachines',
);

export function machineFile(name: CoveredMachine): string {
  return path.join(STATEMACHINES_DIR, `${name}.asl.json`);
}

/** The counted machine a definition file is, by its real path (not its name: fixtures reuse names). */
export function coveredMachineOf(definitionPath: string): CoveredMachine | undefined {
  const real = realPath(path.resolve(definitionPath));
  return COVERED_MACHINES.find((name) => realPath(machineFile(name)) === real);
}

function realPath(file: string): string {
  try {
    return realpathSync(file);
  } catch {
    return file;
  }
}

export function loadMachine(name: CoveredMachine): AslDefinition {
  const file = machineFile(name);
  return parseDefinition(readFileSync(file, 'utf8'), file);
}

/**
 * Called by the runner after every execution: a no-op unless the run collects coverage. Reads the
 * definition from the file each time (the runner's copy has its Waits rewritten as timer Tasks).
 */
export function recordExecution(
  definitionPath: string | undefined,
  events: readonly ExecutionEvent[],
  env: NodeJS.ProcessEnv = process.env,
): void {
  const dir = env[ASL_COVERAGE_DIR_ENV];
  if (!dir || definitionPath === undefined) return;
  const machine = coveredMachineOf(definitionPath);
  if (machine === undefined) return;
  const recorded: RecordedExecution = { machine, ...executionCoverage(loadMachine(machine), events) };
  // Synchronous: a worker that exits right after its last test still leaves its line.
  appendFileSync(path.join(dir, `${process.pid}.jsonl`), `${JSON.stringify(recorded)}\n`);
}

export function readRecorded(dir: string): RecordedExecution[] {
  let files: string[];
  try {
    files = readdirSync(dir).filter((file) => file.endsWith('.jsonl'));
  } catch {
    return [];
  }
  return files.flatMap((file) =>
    readFileSync(path.join(dir, file), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as RecordedExecution),
  );
}

export interface RunReport {
  readonly machines: MachineSummary[];
  readonly mismatches: readonly string[];
  readonly executions: number;
}

/** The run's figures for the three machines, against their definitions as they are now. */
export function runReport(dir: string): RunReport {
  const recorded = readRecorded(dir);
  const run: RunCoverage = mergeExecutions(recorded);
  const machines = COVERED_MACHINES.map((name) =>
    summarize(name, loadMachine(name), run.covered.get(name) ?? new Set()),
  );
  return { machines, mismatches: run.mismatches, executions: recorded.length };
}
