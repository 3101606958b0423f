import 'aws-sdk-client-mock-vitest/extend';
import {
  DescribeReplicationTasksCommand,
  InvalidResourceStateFault,
  StopReplicationTaskCommand,
} from '@aws-sdk/client-database-migration-service';
import { beforeEach, describe, expect, it } from 'vitest';
import { makeHandler } from '../../../functions/stop-task.js';
import { DmsInvalidStateError } from '../../../src/core/dms/errors.js';
import { InvalidInputError } from '../../../src/core/errors.js';
import { dmsHandlerTest, failure, sdkTask, TASK_ARN } from './support.js';

const { dmsMock, invoke } = dmsHandlerTest(makeHandler);

beforeEach(() => {
  dmsMock.on(StopReplicationTaskCommand).resolves({ ReplicationTask: sdkTask({ Status: 'stopping' }) });
});

describe('stop-task handler', () => {
  it.each(['running', 'starting'])('sends StopReplicationTask for a %s task', async (status) => {
    dmsMock.on(DescribeReplicationTasksCommand).resolves({ ReplicationTasks: [sdkTask({ Status: status })] });

    const result = await invoke({ taskArn: TASK_ARN });

    expect(dmsMock.commandCalls(StopReplicationTaskCommand)[0]?.args[0].input).toStrictEqual({
      ReplicationTaskArn: TASK_ARN,
    });
    expect(result).toStrictEqual({ taskArn: TASK_ARN, stopped: true, status: 'stopping' });
  });

  it.each(['stopping', 'stopped', 'failed', 'failed-move', 'ready'])(
    'sends nothing for a %s task (a retried stop step finds it already at rest)',
    async (status) => {
      dmsMock
        .on(DescribeReplicationTasksCommand)
        .resolves({ ReplicationTasks: [sdkTask({ Status: status })] });

      const result = await invoke({ taskArn: TASK_ARN });

      expect(result).toStrictEqual({ taskArn: TASK_ARN, stopped: false, status });
      expect(dmsMock).not.toReceiveCommand(StopReplicationTaskCommand);
    },
  );

  it('lets DMS refuse other states, as DmsInvalidStateError', async () => {
    dmsMock
      .on(DescribeReplicationTasksCommand)
      .resolves({ ReplicationTasks: [sdkTask({ Status: 'modifying' })] });
    dmsMock
      .on(StopReplicationTaskCommand)
      .rejects(new InvalidResourceStateFault({ $metadata: {}, message: 'Task is modifying' }));

    await expect(invoke({ taskArn: TASK_ARN })).rejects.toThrow(DmsInvalidStateError);
  });

  it('rejects a bad taskArn with an InvalidInputError naming it', async () => {
    const error = await failure(invoke({ taskArn: 'arn:aws:dms:us-east-1:123456789012:rep:INSTANCE1' }));

    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error).toMatchObject({ field: 'taskArn' });
    expect(dmsMock).not.toReceiveAnyCommand();
  });
});
