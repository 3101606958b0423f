import { main } from '../../src/cli/main.js';
import { recordingOutput } from '../../src/cli/output.js';
import type { PreflightReport } from '../../src/core/preflight/report.js';

export interface CliRun {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

interface CliOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly signal?: AbortSignal;
}

/** Runs `dms-cdc <argv>` in-process: its exit status and the lines it wrote to stdout and to stderr. */
export async function runCli(argv: readonly string[], options: CliOptions = {}): Promise<CliRun> {
  const { output: _lines, ...run } = await runCliRecorded(argv, options);
  return run;
}

/** runCli, with every line in order as well, for tests that look at how stdout and stderr interleave. */
export async function runCliRecorded(argv: readonly string[], options: CliOptions = {}) {
  const output = recordingOutput();
  const status = await main(argv, {
    output,
    env: options.env ?? {},
    signal: options.signal ?? new AbortController().signal,
  });
  const text = (stream: 'stdout' | 'stderr') =>
    output.lines
      .filter((l) => l.stream === stream)
      .map((l) => l.text)
      .join('\n');
  return { status, stdout: text('stdout'), stderr: text('stderr'), output };
}

/**
 * `dms-cdc preflight --source <url> ... --json`, the CLI's own path (preflightOverPg, as the Lambda
 * uses it): its exit status and report. A preflight that could not run fails with what it wrote.
 */
export async function preflightJson(
  sourceUrl: string,
  args: readonly string[] = [],
): Promise<{ status: number; report: PreflightReport }> {
  const { status, output } = await runCliRecorded(['preflight', '--source', sourceUrl, ...args, '--json']);
  const stdout = output.lines.filter((l) => l.stream === 'stdout').map((l) => l.text);
  if (status === 2 || stdout.length !== 1) {
    throw new Error(`preflight could not run: ${output.lines.map((l) => l.text).join('\n')}`);
  }
  return { status, report: JSON.parse(stdout[0] as string) as PreflightReport };
}
