import { redactText, redactValue } from '../core/redact.js';

/**
 * The one place the CLI writes to the terminal. Results go to stdout (JSON with --json),
 * progress and diagnostics to stderr, so `dms-cdc ... --json | jq` always gets clean JSON.
 */
export interface Output {
  result(text: string): void;
  json(value: unknown): void;
  progress(text: string): void;
  error(text: string): void;
  /** Replaces what the previous rewrite drew (a refreshing view, like `watch`); appends when not a terminal. */
  rewrite(text: string): void;
}

/** The same output with every line through the one redactor: no secret reaches the terminal. */
export function redacting(output: Output): Output {
  return {
    result: (text) => output.result(redactText(text)),
    json: (value) => output.json(redactValue(value)),
    progress: (text) => output.progress(redactText(text)),
    error: (text) => output.error(redactText(text)),
    rewrite: (text) => output.rewrite(redactText(text)),
  };
}

const unredactedTerminal: Output = {
  result: (text) => process.stdout.write(`${text}\n`),
  json: (value) => process.stdout.write(`${JSON.stringify(value, null, 2)}\n`),
  progress: (text) => process.stderr.write(`${text}\n`),
  error: (text) => process.stderr.write(`${text}\n`),
  // Cursor home and clear the screen, then draw: a piped stdout gets each version appended instead.
  rewrite: (text) => process.stdout.write(`${process.stdout.isTTY ? '\x1b[H\x1b[2J' : ''}${text}\n`),
};

export const terminal: Output = redacting(unredactedTerminal);

/** Output that records everything, for tests of the CLI. */
export function recordingOutput(): Output & {
  readonly lines: { stream: 'stdout' | 'stderr'; text: string }[];
} {
  const lines: { stream: 'stdout' | 'stderr'; text: string }[] = [];
  return {
    lines,
    result: (text) => lines.push({ stream: 'stdout', text }),
    json: (value) => lines.push({ stream: 'stdout', text: JSON.stringify(value, null, 2) }),
    progress: (text) => lines.push({ stream: 'stderr', text }),
    error: (text) => lines.push({ stream: 'stderr', text }),
    rewrite: (text) => lines.push({ stream: 'stdout', text }),
  };
}

/** Renders rows as an aligned text table. */
export function table(headers: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
