import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import {
  checkCoverage,
  checkProblems,
  formatCoverage,
} from '../../src/local/stepfunctions/coverage-report.js';
import { ASL_COVERAGE_DIR_ENV, runReport } from '../../src/local/stepfunctions/coverage-store.js';
import { PENDING, PENDING_FILE } from './asl-coverage-pending.js';

/**
 * `collect`: executions of the statemachines/ files record their coverage (npm run coverage:asl reads it).
 * `enforce`: the same, and a whole run fails when a path is not taken and not on the pending list
 * (npm test sets it). Unset: nothing is recorded or checked, so `npx vitest run <file>` is unaffected.
 */
export const ASL_COVERAGE_ENV = 'DMS_CDC_ASL_COVERAGE';

/**
 * Starts collection for this run if asked, in a directory the run owns (or the one the
 * coverage:asl script made), and returns the teardown step that checks and removes it.
 */
export function startAslCoverage(project: TestProject): () => Promise<void> {
  const mode = process.env[ASL_COVERAGE_ENV];
  if (mode !== 'collect' && mode !== 'enforce') return async () => {};
  const given = process.env[ASL_COVERAGE_DIR_ENV];
  const dir = given || mkdtempSync(path.join(tmpdir(), 'dms-cdc-asl-coverage-'));
  // Forked workers inherit it: each appends what its executions covered.
  process.env[ASL_COVERAGE_DIR_ENV] = dir;
  return async () => {
    try {
      if (mode === 'enforce') await enforce(project, dir);
    } catch (error) {
      // Vitest 4 logs an error thrown by a global teardown ("error during close") but exits 0.
      process.exitCode = 1;
      throw error;
    } finally {
      if (!given) rmSync(dir, { recursive: true, force: true });
    }
  };
}

async function enforce(project: TestProject, dir: string): Promise<void> {
  const report = runReport(dir);
  // The evaluator disagreeing with the run is a bug in the report, whatever subset ran.
  if (report.mismatches.length > 0) {
    throw new Error(
      `ASL coverage: Choice evaluation disagrees with the run: ${report.mismatches.join('; ')}`,
    );
  }
  const partial = await partialRun(project);
  if (partial) {
    process.stderr.write(`ASL coverage not enforced: ${partial}\n`);
    return;
  }
  const problems = checkProblems(checkCoverage(report.machines, PENDING), PENDING_FILE);
  if (problems.length > 0) {
    process.stderr.write(`${formatCoverage(report.machines, PENDING)}\n`);
    throw new Error(`ASL coverage: ${[...problems, ...failedFilesNote(project)].join('\n')}`);
  }
}

/** A failing test may be why a path was not taken: say so next to the list. */
function failedFilesNote(project: TestProject): string[] {
  const failed = project.vitest.state.getFiles().filter((file) => file.result?.state === 'fail').length;
  return failed > 0 ? [`(${failed} test file(s) failed: what they would have covered is missing)`] : [];
}

/** Why this run is not the whole suite (a file filter, -t, a shard, a bail), or undefined when it is. */
async function partialRun(project: TestProject): Promise<string | undefined> {
  if (project.vitest.config.testNamePattern) return 'a test name filter (-t) ran a subset of the tests';
  const ran = new Set(project.vitest.state.getFiles().map((file) => path.resolve(file.filepath)));
  const { testFiles } = await project.globTestFiles();
  const missing = testFiles.filter((file) => !ran.has(path.resolve(file)));
  return missing.length > 0 ? `${missing.length} of ${testFiles.length} test files did not run` : undefined;
}
