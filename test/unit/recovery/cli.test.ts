import 'aws-sdk-client-mock-vitest/extend';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../../support/cli.js';

const sfn = mockClient(SFNClient);
const MACHINE = 'arn:aws:states:eu-west-1:123456789012:stateMachine:dms-cdc-orchestrator-prod-recover';
const EXECUTION =
  'arn:aws:states:eu-west-1:123456789012:execution:dms-cdc-orchestrator-prod-recover:manual-1';
const TASK = 'arn:aws:dms:eu-west-1:123456789012:task:ABCDEF';
const SECRET = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:dms-cdc/orders-AbCdEf';
const FLAGS = ['--task', TASK, '--source-secret', SECRET, '--database', 'orders', '--slot', 'dms_slot'];

function run(argv: string[], signal = new AbortController().signal) {
  return runCli(argv, { signal });
}

const decided = {
  decided: {
    decision: {
      kind: 'DATA_GAP',
      reason: 'The slot does not exist on the new writer.',
      lsns: {},
      atRisk: { from: '4AF/B00000D0', to: '4AF/C0000000' },
      holder: null,
    },
  },
};
const history: HistoryEvent[] = [
  { id: 1, timestamp: new Date(), type: 'ExecutionStarted' },
  { id: 2, timestamp: new Date(), type: 'TaskStateEntered', stateEnteredEventDetails: { name: 'Decide' } },
  {
    id: 3,
    timestamp: new Date(),
    type: 'TaskStateExited',
    stateExitedEventDetails: { name: 'Decide', output: JSON.stringify(decided) },
  },
  {
    id: 4,
    timestamp: new Date(),
    type: 'TaskStateEntered',
    stateEnteredEventDetails: { name: 'NotifyDataGap' },
  },
];

beforeEach(() => {
  sfn.reset();
  sfn.on(StartExecutionCommand).resolves({ executionArn: EXECUTION, startDate: new Date() });
  sfn.on(GetExecutionHistoryCommand).resolves({ events: history });
  sfn
    .on(DescribeExecutionCommand)
    .resolvesOnce({
      executionArn: EXECUTION,
      status: 'RUNNING',
      stateMachineArn: MACHINE,
      startDate: new Date(),
    })
    .resolves({
      executionArn: EXECUTION,
      status: 'FAILED',
      error: 'RecoveryDataGap',
      cause: 'The slot does not exist on the new writer.',
      stateMachineArn: MACHINE,
      startDate: new Date(),
    });
});

describe('dms-cdc recover (against a deployed stack)', () => {
  it('starts the machine with the input the flags build, follows it and prints the decision and the range at risk', async () => {
    const result = await run([
      'recover',
      '--state-machine-arn',
      MACHINE,
      ...FLAGS,
      '--failover',
      '--poll',
      '1',
    ]);

    expect(result.status).toBe(1);
    const started = sfn.commandCalls(StartExecutionCommand)[0]?.args[0].input;
    expect(started?.stateMachineArn).toBe(MACHINE);
    expect(started?.name).toMatch(/^manual-ABCDEF-\d{14}$/);
    expect(JSON.parse(started?.input ?? '{}')).toEqual({
      taskArn: TASK,
      source: { secretArn: SECRET, database: 'orders' },
      slotName: 'dms_slot',
      failover: true,
      trigger: { kind: 'manual', id: 'dms-cdc recover' },
    });
    expect(result.stderr).toContain(
      '  Decide\n    decision DATA_GAP: The slot does not exist on the new writer.',
    );
    expect(result.stdout).toContain('recovery FAILED: DATA_GAP');
    expect(result.stdout).toContain('LSN range at risk: 4AF/B00000D0 .. 4AF/C0000000');
    // Each event once, although the history was read twice.
    expect(result.stderr.match(/ {2}NotifyDataGap/g)).toHaveLength(1);
  });

  it('reads the input from a file, flags overriding it, and prints JSON', async () => {
    const file = path.join(tmpdir(), `recover-input-${process.pid}.json`);
    writeFileSync(
      file,
      JSON.stringify({
        taskArn: 'arn:aws:dms:eu-west-1:123456789012:task:OTHER',
        source: { secretArn: SECRET, database: 'orders' },
        slotName: 'dms_slot',
        policy: { terminateStaleBackend: false },
      }),
    );

    const result = await run([
      'recover',
      '--state-machine-arn',
      MACHINE,
      '--input',
      file,
      '--task',
      TASK,
      '--terminate-stale-backend',
      '--name',
      'after-incident-42',
      '--poll',
      '1',
      '--json',
    ]);

    const started = sfn.commandCalls(StartExecutionCommand)[0]?.args[0].input;
    expect(started?.name).toBe('after-incident-42');
    expect(JSON.parse(started?.input ?? '{}')).toMatchObject({
      taskArn: TASK,
      policy: { terminateStaleBackend: true },
    });
    expect(JSON.parse(result.stdout)).toEqual({
      executionArn: EXECUTION,
      status: 'FAILED',
      decision: decided.decided.decision,
      error: 'RecoveryDataGap',
      cause: 'The slot does not exist on the new writer.',
    });
  });

  it('--detach prints the execution ARN and does not follow', async () => {
    const result = await run(['recover', '--state-machine-arn', MACHINE, ...FLAGS, '--detach']);
    expect(result).toMatchObject({ status: 0, stdout: EXECUTION });
    expect(sfn).not.toHaveReceivedCommand(GetExecutionHistoryCommand);
  });

  it('stops following on Ctrl-C and says the execution goes on', async () => {
    const controller = new AbortController();
    sfn.on(DescribeExecutionCommand).callsFake(async () => {
      controller.abort();
      return { executionArn: EXECUTION, status: 'RUNNING', stateMachineArn: MACHINE, startDate: new Date() };
    });
    const result = await run(['recover', '--state-machine-arn', MACHINE, ...FLAGS], controller.signal);
    expect(result.status).toBe(130);
    expect(result.stderr).toContain(`the execution goes on: ${EXECUTION}`);
  });

  it('refuses an incomplete input or a bad ARN before calling AWS (usage error, status 2)', async () => {
    expect((await run(['recover', '--state-machine-arn', MACHINE, '--task', TASK])).status).toBe(2);
    expect((await run(['recover', '--state-machine-arn', 'nope', ...FLAGS])).status).toBe(2);
    expect((await run(['recover', ...FLAGS])).status).toBe(2);
    expect(sfn).not.toHaveReceivedCommand(StartExecutionCommand);
  });
});

describe('dms-cdc recover decide (flags)', () => {
  it('refuses contradictory or malformed observations before connecting', async () => {
    const base = [
      'recover',
      'decide',
      '--source',
      'postgres://u@127.0.0.1:1/db?sslmode=disable',
      '--slot',
      'dms_slot',
    ];
    expect((await run([...base])).status).toBe(2);
    expect((await run([...base, '--task-status', 'exploded'])).status).toBe(2);
    expect((await run([...base, '--task-status', 'failed', '--task-gone'])).status).toBe(2);
    expect((await run([...base, '--task-status', 'failed', '--checkpoint', 'abc'])).status).toBe(2);
    expect((await run([...base, '--task-status', 'failed', '--stop-reason', 'MAYBE'])).status).toBe(2);
  });
});
