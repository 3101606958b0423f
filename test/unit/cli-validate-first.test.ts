import 'aws-sdk-client-mock-vitest/extend';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { recordingOutput } from '../../src/cli/output.js';
import { ORDERS_CUTOVER_INPUT } from '../support/cutover-input.js';

/**
 * Every flag and file is checked before a connection is opened or an execution is
 * started. The source is a port nothing listens on, so a flag checked too late shows up as
 * "cannot reach"; StartExecution is mocked, so a started execution shows up as a call.
 */
const sfn = mockClient(SFNClient);
const dir = mkdtempSync(path.join(os.tmpdir(), 'dms-cdc-validate-first-'));
const SOURCE = 'postgres://dms@127.0.0.1:1/db';
const CUTOVER_MACHINE = 'arn:aws:states:eu-west-1:123456789012:stateMachine:cutover';
const RECOVER_MACHINE = 'arn:aws:states:eu-west-1:123456789012:stateMachine:recover';
const CUTOVER_INPUT = path.join(dir, 'cutover.json');
writeFileSync(CUTOVER_INPUT, JSON.stringify(ORDERS_CUTOVER_INPUT));
/** recover decide for a stopped task on slot s: what each case adds is the flag it checks. */
const DECIDE_STOPPED = ['recover', 'decide', '--source', SOURCE, '--slot', 's', '--task-status', 'stopped'];
const RECOVER_FLAGS = [
  '--task',
  'arn:aws:dms:eu-west-1:123456789012:task:ABCDEF',
  '--source-secret',
  'arn:aws:secretsmanager:eu-west-1:123456789012:secret:dms-cdc/orders-AbCdEf',
  '--database',
  'orders',
  '--slot',
  'dms_orders',
];

beforeEach(() => {
  sfn.reset();
  sfn
    .on(StartExecutionCommand)
    .resolves({ executionArn: 'arn:aws:states:eu-west-1:123456789012:execution:x:y' });
});

async function run(argv: string[]) {
  const output = recordingOutput();
  const status = await main(argv, { output, env: {}, signal: new AbortController().signal });
  return { status, text: output.lines.map((l) => l.text).join('\n') };
}

describe('flags are checked before anything starts', () => {
  it.each([
    [
      'cutover --poll 0',
      ['cutover', '--state-machine-arn', CUTOVER_MACHINE, '--input', CUTOVER_INPUT, '--poll', '0'],
    ],
    [
      'cutover --poll 301',
      ['cutover', '--state-machine-arn', CUTOVER_MACHINE, '--input', CUTOVER_INPUT, '--poll', '301'],
    ],
    [
      'recover --poll 0',
      ['recover', '--state-machine-arn', RECOVER_MACHINE, ...RECOVER_FLAGS, '--poll', '0'],
    ],
  ])('%s starts no execution', async (_, argv) => {
    const { status, text } = await run(argv);
    expect(status).toBe(2);
    expect(text).toContain('--poll must be a whole number from 1 to 300');
    expect(sfn).not.toHaveReceivedCommand(StartExecutionCommand);
  });

  it.each([
    [
      'recover decide --previous-confirmed',
      [...DECIDE_STOPPED, '--previous-confirmed', 'zz'],
      '--previous-confirmed must be an LSN',
    ],
    [
      'recover decide --task-start',
      [...DECIDE_STOPPED, '--task-start', '1/2/3'],
      '--task-start must be an LSN',
    ],
    [
      'slot create --tables without pglogical',
      ['slot', 'create', '--source', SOURCE, '--slot', 's', '--tables', 'public.t'],
      '--tables and --node-name are for --plugin pglogical only',
    ],
    [
      'slot create --node-name too long',
      [
        'slot',
        'create',
        '--source',
        SOURCE,
        '--slot',
        's',
        '--plugin',
        'pglogical',
        '--tables',
        'a.b',
        '--node-name',
        'n'.repeat(64),
      ],
      '--node-name must be a PostgreSQL name',
    ],
    [
      'slot cleanup --artifacts-schema empty',
      ['slot', 'cleanup', '--source', SOURCE, '--artifacts-schema', ''],
      '--artifacts-schema must be a PostgreSQL name',
    ],
  ])('%s is refused before the source is reached', async (_, argv, message) => {
    const { status, text } = await run(argv);
    expect(status).toBe(2);
    expect(text).toContain(message);
    expect(text).not.toContain('cannot reach');
  });
});
