import 'aws-sdk-client-mock-vitest/extend';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { recordingOutput } from '../../src/cli/output.js';
import { runCli } from '../support/cli.js';
import { ORDERS_CUTOVER_INPUT } from '../support/cutover-input.js';

const sfn = mockClient(SFNClient);
const MACHINE = 'arn:aws:states:eu-west-1:123456789012:stateMachine:dms-cdc-orchestrator-prod-cutover';
const EXECUTION = 'arn:aws:states:eu-west-1:123456789012:execution:dms-cdc-orchestrator-prod-cutover:run1';
const INPUT = ORDERS_CUTOVER_INPUT;

/** The cutover machine's approval gate as deployed: its .waitForTaskToken state in the real ASL. */
const gate = (() => {
  const asl = JSON.parse(
    readFileSync(path.resolve(import.meta.dirname, '../../statemachines/cutover.asl.json'), 'utf8'),
  ) as {
    States: Record<string, { Resource?: string; Parameters?: Record<string, unknown> }>;
  };
  const found = Object.entries(asl.States).find(([, state]) => state.Resource?.endsWith('.waitForTaskToken'));
  if (!found) throw new Error('the cutover machine has no approval gate');
  const [name, state] = found;
  // TaskScheduled names the resource without its arn:aws:states::: head.
  return {
    name,
    resource: String(state.Resource).replace('arn:aws:states:::lambda:', ''),
    parameters: state.Parameters ?? {},
  };
})();

/**
 * The Parameters as Step Functions resolves them into TaskScheduled: `$$.Task.Token` becomes the token,
 * the other paths some value (the whole state here), `${...}` ARNs a function ARN.
 */
function scheduledParameters(parameters: Record<string, unknown>, token: string): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(parameters).map(([key, value]) => {
      if (!key.endsWith('.$')) {
        const resolved =
          value !== null && typeof value === 'object'
            ? scheduledParameters(value as Record<string, unknown>, token)
            : value;
        return [
          key,
          typeof resolved === 'string' && resolved.startsWith('${')
            ? 'arn:aws:lambda:eu-west-1:123456789012:function:notify'
            : resolved,
        ];
      }
      return [key.slice(0, -2), value === '$$.Task.Token' ? token : { plan: { sourceName: 'orders' } }];
    }),
  );
}

function inputFile(content: unknown): string {
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'dms-cdc-cutover-')), 'input.json');
  writeFileSync(file, JSON.stringify(content));
  return file;
}

function run(argv: string[]) {
  return runCli(argv);
}

/** dms-cdc cutover on the deployed MACHINE with this input file and any further flags. */
const cutover = (input: string, ...flags: string[]) =>
  run(['cutover', '--state-machine-arn', MACHINE, '--input', input, ...flags]);

beforeEach(() => {
  sfn.reset();
  sfn.on(StartExecutionCommand).resolves({ executionArn: EXECUTION, startDate: new Date() });
  sfn
    .on(DescribeExecutionCommand)
    .resolves({ executionArn: EXECUTION, status: 'SUCCEEDED', output: '{"steps":{}}' } as never);
  sfn.on(GetExecutionHistoryCommand).resolves({
    events: [
      { id: 1, type: 'ExecutionStarted', timestamp: new Date() },
      {
        id: 2,
        type: 'TaskStateEntered',
        timestamp: new Date(),
        stateEnteredEventDetails: { name: 'PlanCutover' },
      },
      {
        id: 3,
        type: 'TaskStateExited',
        timestamp: new Date(),
        stateExitedEventDetails: {
          name: 'CheckCatchUp',
          output: JSON.stringify({
            polls: { catchUp: { lagBytes: 1024, latencySeconds: 2, consecutive: 3 } },
          }),
        },
      },
    ],
  });
});

describe('dms-cdc cutover', () => {
  it('starts the machine with the input file and follows it to the end', async () => {
    const result = await cutover(inputFile(INPUT), '--name', 'run1');
    expect(result.status).toBe(0);
    expect(sfn).toReceiveCommandExactlyOnceWith(StartExecutionCommand, {
      stateMachineArn: MACHINE,
      name: 'run1',
      input: JSON.stringify(INPUT),
    });
    expect(result.stderr).toContain('  PlanCutover');
    expect(result.stderr).toContain('slot lag 1024 B, latency 2 s, 3 in a row');
    expect(result.stdout).toContain('cutover SUCCEEDED');
  });

  it('names a bad input field before starting anything', async () => {
    const result = await cutover(inputFile({ ...INPUT, slot: { name: 'Bad-Slot' } }));
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('InvalidInputError: slot.name:');
    expect(sfn).not.toReceiveCommand(StartExecutionCommand);
  });

  it('reports a failed execution with its error and exits 1', async () => {
    sfn.on(DescribeExecutionCommand).resolves({
      executionArn: EXECUTION,
      status: 'FAILED',
      error: 'SlotActiveError',
      cause: 'held',
    } as never);
    const result = await cutover(inputFile(INPUT), '--json');
    expect(result.status).toBe(1);
    expect(JSON.parse(result.stdout)).toMatchObject({
      status: 'FAILED',
      error: 'SlotActiveError',
      cause: 'held',
    });
  });

  it('at the approval gate prints the task token and the exact approve and reject commands', async () => {
    const token = 'AQCEAAAAKgAAAAMAAAAAAAAAAcNUbyGhYiN0ZXN0LXRva2Vu';
    sfn.on(DescribeExecutionCommand).resolves({ executionArn: EXECUTION, status: 'RUNNING' } as never);
    sfn.on(GetExecutionHistoryCommand).resolves({
      events: [
        {
          id: 7,
          type: 'TaskStateEntered',
          timestamp: new Date(),
          stateEnteredEventDetails: { name: gate.name },
        },
        {
          id: 8,
          type: 'TaskScheduled',
          previousEventId: 7,
          timestamp: new Date(),
          taskScheduledEventDetails: {
            resourceType: 'lambda',
            resource: gate.resource,
            region: 'eu-west-1',
            parameters: JSON.stringify(scheduledParameters(gate.parameters, token)),
          },
        },
      ],
    });
    // Ctrl-C once the history has been read: the execution goes on waiting at the gate.
    const controller = new AbortController();
    const output = recordingOutput();
    const progress = output.progress;
    output.progress = (text) => {
      progress(text);
      if (text.includes('waiting for approval')) controller.abort();
    };

    const status = await main(
      ['cutover', '--state-machine-arn', MACHINE, '--input', inputFile(INPUT), '--poll', '1'],
      { output, env: {}, signal: controller.signal },
    );

    const stderr = output.lines.map((l) => l.text).join('\n');
    expect(status).toBe(130);
    expect(stderr).toContain(`waiting for approval, task token ${token}`);
    expect(stderr).toContain(`approve: dms-cdc approve --token ${token}`);
    expect(stderr).toContain(`reject:  dms-cdc reject --token ${token} --reason "<why>"`);
  });

  it('needs a state machine ARN unless --local', async () => {
    const result = await run(['cutover', '--input', inputFile(INPUT)]);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('--state-machine-arn is required');
  });
});
