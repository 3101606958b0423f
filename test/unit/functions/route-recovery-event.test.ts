import { describe, expect, it } from 'vitest';
import { makeHandler, type StartRecovery } from '../../../functions/route-recovery-event.js';
import { InvalidInputError } from '../../../src/core/errors.js';
import { captureLogs, failure, lambdaContext, SOURCE_SECRET_ARN, TASK_ARN, testLogger } from './support.js';

captureLogs();
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
      return `arn:aws:states:us-east-1:123456789012:execution:recover:${request.name}`;
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
      started: [{ taskArn: TASK_ARN, executionArn: expect.stringContaining(':execution:recover:task-') }],
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
