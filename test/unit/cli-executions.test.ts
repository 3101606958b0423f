import * as sfnApi from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { UsageError } from '../../src/cli/args.js';
import { machineArn, startAndFollow } from '../../src/cli/executions.js';
import { recordingOutput } from '../../src/cli/output.js';

const sfn = mockClient(sfnApi.SFNClient);
const MACHINE = 'arn:aws:states:eu-west-1:123456789012:stateMachine:recover';
const EXECUTION = 'arn:aws:states:eu-west-1:123456789012:execution:recover:manual-1';

beforeEach(() => {
  sfn.reset();
  sfn.on(sfnApi.StartExecutionCommand).resolves({ executionArn: EXECUTION });
  sfn.on(sfnApi.DescribeExecutionCommand).resolves({ status: 'SUCCEEDED' });
  sfn
    .on(sfnApi.GetExecutionHistoryCommand)
    .resolves({ events: [{ id: 1, type: 'ExecutionStarted', timestamp: new Date() }] });
});
afterAll(() => sfn.restore());

function started(options: { detach?: boolean; signal?: AbortSignal } = {}) {
  const output = recordingOutput();
  const seen: string[] = [];
  const context = { output, env: {}, signal: options.signal ?? new AbortController().signal };
  const final = startAndFollow(context, {
    stateMachineArn: MACHINE,
    name: 'manual-1',
    input: { taskArn: 'x' },
    pollMs: 1,
    detach: options.detach ?? false,
    onEvent: (event) => seen.push(String(event.type)),
  });
  return { final, output, seen };
}

describe('startAndFollow: starting a deployed machine and following it', () => {
  it('starts the execution with the input as JSON and follows it to its end', async () => {
    const { final, output, seen } = started();
    expect(await final).toMatchObject({ executionArn: EXECUTION, execution: { status: 'SUCCEEDED' } });
    expect(sfn.commandCalls(sfnApi.StartExecutionCommand)[0]?.args[0].input).toEqual({
      stateMachineArn: MACHINE,
      name: 'manual-1',
      input: '{"taskArn":"x"}',
    });
    expect(seen).toEqual(['ExecutionStarted']);
    expect(output.lines).toEqual([{ stream: 'stderr', text: `started ${EXECUTION}` }]);
  });

  it('with --detach prints the execution ARN as the result, exit 0, and follows nothing', async () => {
    const { final, output } = started({ detach: true });
    expect(await final).toBe(0);
    expect(output.lines.at(-1)).toEqual({ stream: 'stdout', text: EXECUTION });
    expect(sfn.commandCalls(sfnApi.DescribeExecutionCommand)).toHaveLength(0);
  });

  it('on Ctrl-C stops following, says the execution goes on, exit 130', async () => {
    sfn.on(sfnApi.DescribeExecutionCommand).resolves({ status: 'RUNNING' });
    const interrupted = new AbortController();
    interrupted.abort();
    const { final, output } = started({ signal: interrupted.signal });
    expect(await final).toBe(130);
    expect(output.lines.at(-1)).toEqual({
      stream: 'stderr',
      text: `stopped following; the execution goes on: ${EXECUTION}`,
    });
  });
});

describe('machineArn', () => {
  it('takes the flag before the environment, and refuses anything but a state machine ARN', () => {
    expect(machineArn(MACHINE, 'ignored', 'missing')).toBe(MACHINE);
    expect(machineArn(undefined, MACHINE, 'missing')).toBe(MACHINE);
    expect(() => machineArn(undefined, undefined, 'missing')).toThrow(new UsageError('missing'));
    expect(() => machineArn('arn:aws:dms:x', MACHINE, 'missing')).toThrow(UsageError);
  });
});
