import 'aws-sdk-client-mock-vitest/extend';
import { ExecutionAlreadyExists, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { makeHandler, type StartRecovery } from '../../../functions/route-recovery-event.js';
import { buildStartOnce } from '../../../src/adapters/aws/sfn-start.js';
import { InvalidInputError } from '../../../src/core/errors.js';
import { captureLogs, failure, lambdaContext, SOURCE_SECRET_ARN, TASK_ARN, testLogger } from './support.js';

const logged = captureLogs();
const sfnMock = mockClient(SFNClient);
const MACHINE = 'arn:aws:states:us-east-1:123456789012:stateMachine:dms-cdc-orchestrator-dev-recover';
const ROUTES = JSON.stringify({
  routes: [
    {
      taskArn: TASK_ARN,
      sourceIds: ['orders-cluster'],
      source: { secretArn: SOURCE_SECRET_ARN, database: 'orders' },
      slotName: 'dms_slot',
    },
  ],
});

function invoke(event: unknown, env: Record<string, string>) {
  const calls: Parameters<StartRecovery>[0][] = [];
  const handler = makeHandler({
    start: async (request) => {
      calls.push(request);
      return {
        executionArn: `arn:aws:states:us-east-1:123456789012:execution:recover:${request.name}`,
        duplicate: false,
      };
    },
    logger: testLogger(),
    env,
  });
  return { calls, result: handler(event, lambdaContext()) };
}

const failed = {
  id: '7bf73129-1428-4cd3-a780-95db273d1602',
  source: 'aws.dms',
  'detail-type': 'DMS Replication Task State Change',
  time: '2026-03-01T12:00:00Z',
  resources: [TASK_ARN],
  detail: { type: 'REPLICATION_TASK', eventType: 'REPLICATION_TASK_FAILED', detailMessage: 'Last Error x' },
};

describe('route-recovery-event handler', () => {
  it('starts one recover execution per routed task, named after the event', async () => {
    const { calls, result } = invoke(failed, { RECOVER_STATE_MACHINE_ARN: MACHINE, RECOVERY_ROUTES: ROUTES });

    const output = await result;

    expect(calls).toHaveLength(1);
    expect(calls[0]?.stateMachineArn).toBe(MACHINE);
    expect(calls[0]?.name).toMatch(/^task-7bf73129-1428-4cd3-a780-95db273d1602-/);
    expect(JSON.parse(calls[0]?.input ?? '{}')).toMatchObject({
      taskArn: TASK_ARN,
      failover: false,
      slotName: 'dms_slot',
    });
    expect(output).toEqual({
      started: [
        {
          taskArn: TASK_ARN,
          executionArn: expect.stringContaining(':execution:recover:task-'),
          duplicate: false,
        },
      ],
      ignored: null,
    });
  });

  it('ignores what needs no recovery, starting nothing', async () => {
    const { calls, result } = invoke(
      { ...failed, detail: { eventType: 'REPLICATION_TASK_STOPPED', detailMessage: 'Stop Reason NORMAL' } },
      { RECOVER_STATE_MACHINE_ARN: MACHINE, RECOVERY_ROUTES: ROUTES },
    );
    expect((await result).ignored).toContain('needs no recovery');
    expect(calls).toHaveLength(0);
  });

  it('names a broken configuration', async () => {
    const { result } = invoke(failed, { RECOVER_STATE_MACHINE_ARN: 'nope', RECOVERY_ROUTES: ROUTES });
    const error = await failure(result);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error.message).toContain('RECOVER_STATE_MACHINE_ARN');
  });
});

/** The handler over the real StartExecution adapter and an SFN client aws-sdk-client-mock intercepts. */
function invokeOverSfn(event: unknown) {
  const handler = makeHandler({
    start: buildStartOnce(new SFNClient({ region: 'us-east-1', maxAttempts: 1 })),
    logger: testLogger(),
    env: { RECOVER_STATE_MACHINE_ARN: MACHINE, RECOVERY_ROUTES: ROUTES },
  });
  return handler(event, lambdaContext());
}

describe('route-recovery-event over StartExecution', () => {
  beforeEach(() => {
    sfnMock.reset();
  });

  it('starts the execution with the machine, the event-derived name and the recover input', async () => {
    const arn = `arn:aws:states:us-east-1:123456789012:execution:dms-cdc-orchestrator-dev-recover:x`;
    sfnMock.on(StartExecutionCommand).resolves({ executionArn: arn, startDate: new Date() });

    const output = await invokeOverSfn(failed);

    expect(sfnMock).toHaveReceivedCommandTimes(StartExecutionCommand, 1);
    expect(sfnMock).toHaveReceivedCommandWith(StartExecutionCommand, {
      stateMachineArn: MACHINE,
      name: expect.stringMatching(/^task-7bf73129-1428-4cd3-a780-95db273d1602-[0-9a-f]{12}$/),
      input: expect.stringContaining(`"taskArn":"${TASK_ARN}"`),
    });
    expect(output.started).toEqual([{ taskArn: TASK_ARN, executionArn: arn, duplicate: false }]);
  });

  it('a redelivered event whose execution already closed (ExecutionAlreadyExists) counts as started, logged as a duplicate', async () => {
    sfnMock
      .on(StartExecutionCommand)
      .rejects(
        new ExecutionAlreadyExists({ message: 'Execution Already Exists: task-7bf73129', $metadata: {} }),
      );

    const output = await invokeOverSfn(failed);

    const name = sfnMock.commandCalls(StartExecutionCommand)[0]?.args[0].input.name ?? '';
    expect(output).toEqual({
      started: [
        {
          taskArn: TASK_ARN,
          executionArn: `arn:aws:states:us-east-1:123456789012:execution:dms-cdc-orchestrator-dev-recover:${name}`,
          duplicate: true,
        },
      ],
      ignored: null,
    });
    expect(logged.join('')).toContain('(duplicate)');
  });

  it('any other StartExecution failure still fails the invocation (EventBridge retries, then the dead-letter queue)', async () => {
    sfnMock
      .on(StartExecutionCommand)
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));

    const error = await failure(invokeOverSfn(failed));

    expect(error.name).toBe('ThrottlingException');
  });
});
