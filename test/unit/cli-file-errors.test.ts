import 'aws-sdk-client-mock-vitest/extend';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { recordingOutput } from '../../src/cli/output.js';

/**
 * A config or input file that cannot be used is reported by its path and what is
 * wrong with it, never by its content (a file can hold anything, a password among it).
 */
const sfn = mockClient(SFNClient);
const dir = mkdtempSync(path.join(os.tmpdir(), 'dms-cdc-file-errors-'));
const PLANTED = 'Planted-Content-4f7Q';
const SOURCE = 'postgres://dms@127.0.0.1:1/db';
const CUTOVER = 'arn:aws:states:eu-west-1:123456789012:stateMachine:cutover';
const RECOVER = 'arn:aws:states:eu-west-1:123456789012:stateMachine:recover';

function file(name: string, content: string | Buffer): string {
  const target = path.join(dir, name);
  writeFileSync(target, content);
  return target;
}

const CONTENTS: Array<[string, string | Buffer]> = [
  ['not JSON', `password=${PLANTED}`],
  ['not JSON, starting with the secret', `${PLANTED}\n`],
  ['YAML', `source:\n  password: ${PLANTED}\n`],
  ['JSON with a bad value', JSON.stringify({ sources: PLANTED, rules: PLANTED, name: PLANTED })],
  ['a JSON string', JSON.stringify(PLANTED)],
  ['truncated JSON', `{"name": "${PLANTED}`],
  ['binary', Buffer.concat([Buffer.from(PLANTED), Buffer.from([0xff, 0xfe, 0x00])])],
  ['over 1 MB', `{"x": "${PLANTED}${' '.repeat(1_048_576)}"}`],
];

const COMMANDS: Array<[string, (f: string) => string[]]> = [
  ['health --config', (f) => ['health', '--source', SOURCE, '--config', f]],
  ['preflight --table-mappings', (f) => ['preflight', '--source', SOURCE, '--table-mappings', f]],
  ['cutover --input', (f) => ['cutover', '--state-machine-arn', CUTOVER, '--input', f]],
  ['recover --input', (f) => ['recover', '--state-machine-arn', RECOVER, '--input', f]],
];

describe('file errors never echo the content', () => {
  const cases = COMMANDS.flatMap(([command, argv]) =>
    CONTENTS.map(([kind, content], i) => [command, kind, argv, content, i] as const),
  );
  it.each(cases)('%s with a file that is %s', async (_, __, argv, content, i) => {
    sfn.reset();
    const f = file(`f-${argv('x')[0]}-${i}.json`, content);
    const output = recordingOutput();
    const status = await main(argv(f), { output, env: {}, signal: new AbortController().signal });
    const text = output.lines.map((l) => l.text).join('\n');
    expect(status).not.toBe(0);
    expect(text).not.toContain(PLANTED);
    expect(text).not.toContain('Planted');
    expect(text).not.toMatch(/\n\s+at /);
    expect(sfn).not.toHaveReceivedCommand(StartExecutionCommand);
  });
});
