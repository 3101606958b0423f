/**
 * npm run coverage:asl [--json]: runs the tests that execute state machines with coverage collection
 * on, then prints per machine the states, Choice rules and Catch entries taken. Vitest's own output
 * goes to stderr so that `--json` leaves exactly one JSON document on stdout.
 *
 * A test-support script rather than a bench/ entry: it measures the tests, not the code, and it shares
 * the collection switch with test/support/global-setup.ts. Exit 1 when a test failed or the Choice
 * evaluation disagreed with a run; the pending-list check is printed here but enforced by `npm test`,
 * which runs every test (this runs only the ones that execute machines).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  checkCoverage,
  checkProblems,
  coverageJson,
  formatCoverage,
} from '../../src/local/stepfunctions/coverage-report.js';
import {
  ASL_COVERAGE_DIR_ENV,
  type RunReport,
  runReport,
} from '../../src/local/stepfunctions/coverage-store.js';
import { PENDING, PENDING_FILE } from './asl-coverage-pending.js';
import { ASL_COVERAGE_ENV } from './asl-coverage-setup.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * Test files that run a state machine: everything under test/e2e, and any other test that imports the
 * local runner (directly or through the cutover and recovery drivers) or spawns the rehearsal
 * (`npm start`, `dms-cdc rehearse`). Judged from the source so that new tests are picked up.
 */
const RUNS_A_MACHINE = [
  /from '(?:\.\.\/)+src\/local\/(?:stepfunctions\/(?:index|runner)|machine|cutover\/run|recovery\/(?:run|scenarios|matrix))\.js'/u,
  /'bin\/dms-cdc\.js', 'rehearse'|'npm', \[\s*'start'/u,
];

export function machineTestFiles(root = ROOT): string[] {
  const files = readdirSync(path.join(root, 'test'), { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.test.ts'))
    .map((file) => path.join('test', file));
  return files
    .filter((file) => file.startsWith(`test${path.sep}e2e${path.sep}`) || runsAMachine(path.join(root, file)))
    .sort();
}

function runsAMachine(file: string): boolean {
  const source = readFileSync(file, 'utf8');
  return RUNS_A_MACHINE.some((pattern) => pattern.test(source));
}

function runVitest(files: readonly string[], dir: string): Promise<number> {
  const child = spawn(path.join(ROOT, 'node_modules/.bin/vitest'), ['run', ...files], {
    cwd: ROOT,
    env: { ...process.env, [ASL_COVERAGE_ENV]: 'collect', [ASL_COVERAGE_DIR_ENV]: dir },
    stdio: ['ignore', process.stderr, process.stderr],
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

function printPlain(report: RunReport, testsFailed: boolean): void {
  const out: string[] = [formatCoverage(report.machines, PENDING), ''];
  const problems = checkProblems(checkCoverage(report.machines, PENDING), PENDING_FILE);
  out.push(
    problems.length === 0
      ? `against ${PENDING_FILE}: in agreement`
      : `against ${PENDING_FILE} (npm test enforces this on the whole suite):\n  ${problems.join('\n  ')}`,
  );
  if (report.mismatches.length > 0)
    out.push(`Choice evaluation disagreed with the run:\n  ${report.mismatches.join('\n  ')}`);
  if (testsFailed) out.push('some tests failed: the figures miss what they would have covered');
  process.stdout.write(`${out.join('\n')}\n`);
}

async function main(args: readonly string[]): Promise<number> {
  const unknown = args.filter((arg) => arg !== '--json');
  if (unknown.length > 0) {
    process.stderr.write(`usage: npm run coverage:asl [-- --json] (unknown: ${unknown.join(' ')})\n`);
    return 2;
  }
  const dir = mkdtempSync(path.join(tmpdir(), 'dms-cdc-asl-coverage-'));
  try {
    const files = machineTestFiles();
    process.stderr.write(`coverage:asl: ${files.length} test files run state machines\n`);
    const testsFailed = (await runVitest(files, dir)) !== 0;
    const report = runReport(dir);
    if (args.includes('--json')) {
      process.stdout.write(`${JSON.stringify(coverageJson(report.machines))}\n`);
      for (const mismatch of report.mismatches)
        process.stderr.write(`Choice evaluation disagreed: ${mismatch}\n`);
    } else {
      printPlain(report, testsFailed);
    }
    return testsFailed || report.mismatches.length > 0 ? 1 : 0;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = await main(process.argv.slice(2));
}
