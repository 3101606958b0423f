import 'aws-sdk-client-mock-vitest/extend';
import {
  InvalidToken,
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  SFNClient,
  TaskDoesNotExist,
  TaskTimedOut,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';

const sfn = mockClient(SFNClient);
const TOKEN = 'AQCEAAAAKgAAAAMAAAAAAAAAAcNUbyGhYiN0ZXN0LXRva2Vu+/=';

function run(argv: string[], env: NodeJS.ProcessEnv = { USER: 'alice' }) {
  return runCli(argv, { env });
}

beforeEach(() => {
  sfn.reset();
  sfn.on(SendTaskSuccessCommand).resolves({});
  sfn.on(SendTaskFailureCommand).resolves({});
});

describe('dms-cdc approve', () => {
  it('sends SendTaskSuccess with who approved', async () => {
    const result = await run(['approve', '--token', TOKEN]);

    expect(result).toEqual({ status: 0, stdout: 'approved: the cutover continues', stderr: '' });
    expect(sfn).toReceiveCommandExactlyOnceWith(SendTaskSuccessCommand, {
      taskToken: TOKEN,
      output: JSON.stringify({ approved: true, by: 'alice' }),
    });
  });

  it('says dms-cdc when it cannot tell who runs it', async () => {
    await run(['approve', '--token', TOKEN], {});

    expect(sfn).toReceiveCommandWith(SendTaskSuccessCommand, { output: '{"approved":true,"by":"dms-cdc"}' });
  });

  it('sends the --output JSON as given', async () => {
    await run(['approve', '--token', TOKEN, '--output', '{"approved": true, "ticket": "CHG-1234"}']);

    expect(sfn).toReceiveCommandWith(SendTaskSuccessCommand, {
      output: '{"approved":true,"ticket":"CHG-1234"}',
    });
  });

  it('refuses --output that is not JSON, and a missing token, as usage errors (status 2) without calling AWS', async () => {
    const bad = await run(['approve', '--token', TOKEN, '--output', '{approved}']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('--output must be JSON');

    const missing = await run(['approve']);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('--token is required');
    expect(sfn).not.toReceiveAnyCommand();
  });

  it.each([
    [new InvalidToken({ $metadata: {}, message: 'Invalid Token' }), 'the token is not a valid task token'],
    [
      new TaskDoesNotExist({ $metadata: {}, message: 'Task Does Not Exist' }),
      'it was already answered, or the execution ended',
    ],
    [new TaskTimedOut({ $metadata: {}, message: 'Task Timed Out' }), 'the approval gate already timed out'],
  ])('prints %s as one line and exits 1', async (error, text) => {
    sfn.on(SendTaskSuccessCommand).rejects(error);

    const result = await run(['approve', '--token', TOKEN]);

    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    const lines = result.stderr.split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^dms-cdc approve: .*${text}.* \\(${error.name}\\)$`));
    expect(result.stderr).not.toContain(TOKEN);
  });

  it('reports any other failure (no credentials, access denied) through the CLI error path, exit 1', async () => {
    sfn.on(SendTaskSuccessCommand).rejects(
      Object.assign(new Error('User is not authorized to perform: states:SendTaskSuccess'), {
        name: 'AccessDeniedException',
      }),
    );

    const result = await run(['approve', '--token', TOKEN]);

    expect(result.status).toBe(1);
    expect(result.stderr).toContain('not authorized to perform: states:SendTaskSuccess');
  });
});

describe('dms-cdc reject', () => {
  it('sends SendTaskFailure with CutoverRejected and the reason', async () => {
    const result = await run(['reject', '--token', TOKEN, '--reason', 'not during the sale']);

    expect(result).toEqual({
      status: 0,
      stdout: 'rejected: the cutover fails with CutoverRejected',
      stderr: '',
    });
    expect(sfn).toReceiveCommandExactlyOnceWith(SendTaskFailureCommand, {
      taskToken: TOKEN,
      error: 'CutoverRejected',
      cause: 'not during the sale (rejected by alice)',
    });
  });

  it('says who rejected when no reason is given', async () => {
    await run(['reject', '--token', TOKEN]);

    expect(sfn).toReceiveCommandWith(SendTaskFailureCommand, { cause: 'rejected by alice' });
  });

  it('prints a timed-out gate as one line and exits 1', async () => {
    sfn.on(SendTaskFailureCommand).rejects(new TaskTimedOut({ $metadata: {}, message: 'Task Timed Out' }));

    const result = await run(['reject', '--token', TOKEN]);

    expect(result).toMatchObject({
      status: 1,
      stderr:
        'dms-cdc reject: the approval gate already timed out: the cutover failed with States.Timeout (TaskTimedOut)',
    });
  });

  it('is listed in the overview with approve', async () => {
    const { stdout } = await run(['help']);

    expect(stdout).toMatch(/approve\s+Approve a cutover/);
    expect(stdout).toMatch(/reject\s+Reject a cutover/);
    expect((await run(['reject', '--help'])).stdout).toContain(
      'dms-cdc reject --token <token> [--reason TEXT]',
    );
  });
});
