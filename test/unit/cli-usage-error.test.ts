import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../src/cli/main.js';

const repoRoot = path.resolve(import.meta.dirname, '../..');

/** The CLI as a process (its own stderr, as a terminal shows it), from source so no bundle is needed. */
function runCli(args: readonly string[]) {
  return spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    cwd: repoRoot,
    encoding: 'utf8',
    env: { PATH: process.env.PATH, HOME: process.env.HOME },
  });
}

async function usageOf(name: string): Promise<string> {
  const entry = COMMANDS.find((c) => c.name === name);
  if (!entry) throw new Error(`no command ${name}`);
  return (await entry.load()).usage;
}

// A usage error is the message on its own line, a blank line, then the usage, then a final newline:
// the message must never run into the usage text before or after it.
describe('a usage error on the terminal', () => {
  it('a flag required by another flag: message line, blank line, usage, newline', async () => {
    const run = runCli([
      'slot',
      'create',
      '--source',
      'postgres://dms@127.0.0.1:5432/db',
      '--slot',
      's',
      '--plugin',
      'pglogical',
    ]);
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(
      `--tables is required with --plugin pglogical\n\nusage: ${await usageOf('slot create')}\n`,
    );
  });

  it('an unknown flag: the same shape', async () => {
    const run = runCli(['slot', 'inspect', '--bogus']);
    expect(run.status).toBe(2);
    expect(run.stderr).toBe(`Unknown option '--bogus'\n\nusage: ${await usageOf('slot inspect')}\n`);
  });

  it('two runs one after the other keep their messages apart (each ends with a newline)', () => {
    const first = runCli(['slot', 'create', '--bogus']);
    const second = runCli([
      'slot',
      'create',
      '--source',
      'postgres://dms@127.0.0.1/db',
      '--slot',
      's',
      '--plugin',
      'pglogical',
    ]);
    const both = first.stderr + second.stderr;
    expect(both).not.toMatch(/print JSON--tables/);
    expect(both).toContain('print JSON\n--tables is required');
  });
});
