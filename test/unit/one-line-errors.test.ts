import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { buildStartOnce } from '../../src/adapters/aws/sfn-start.js';
import { main } from '../../src/cli/main.js';
import { recordingOutput } from '../../src/cli/output.js';
import { registerSecret } from '../../src/core/redact.js';

/** Found by the hostile-input property suite. */
describe('what the hostile-input suite found', () => {
  it('a flag value starting with a dash is one error line (node:util says it in three), then the usage', async () => {
    const output = recordingOutput();
    const status = await main(
      ['recover', 'decide', '--source', 'postgres://u@127.0.0.1:1/db', '--slot', 's', '--checkpoint', '-1/0'],
      { output, env: {}, signal: new AbortController().signal },
    );
    expect(status).toBe(2);
    const lines = output.lines
      .map((l) => l.text)
      .join('\n')
      .split('\n');
    expect(lines[0]).toMatch(/argument is ambiguous\. Did you forget .* use '--checkpoint=-XYZ'\.$/);
    expect(lines[1]).toBe('');
    expect(lines[2]).toMatch(/^usage: /);
  });

  it('an execution input (kept in the execution history) goes through the redactor', async () => {
    registerSecret('Leaked-In-Event-77');
    const sfn = mockClient(SFNClient);
    sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn:aws:states:us-east-1:1:execution:m:n' });
    await buildStartOnce(new SFNClient({ region: 'us-east-1' }))({
      stateMachineArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:m',
      name: 'n',
      input: JSON.stringify({
        trigger: { message: 'Last Error Leaked-In-Event-77 Stop Reason FATAL_ERROR' },
      }),
    });
    const sent = sfn.commandCalls(StartExecutionCommand)[0]?.args[0].input.input;
    expect(sent).toBe(JSON.stringify({ trigger: { message: 'Last Error *** Stop Reason FATAL_ERROR' } }));
    sfn.restore();
  });
});
