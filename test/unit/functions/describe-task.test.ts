import 'aws-sdk-client-mock-vitest/extend';
import {
  DescribeReplicationTasksCommand,
  ResourceNotFoundFault,
} from '@aws-sdk/client-database-migration-service';
import { describe, expect, it } from 'vitest';
import { makeHandler } from '../../../functions/describe-task.js';
import { DmsResourceNotFoundError, DmsThrottledError } from '../../../src/core/dms/errors.js';
import { InvalidInputError } from '../../../src/core/errors.js';
import { InvalidCheckpointError } from '../../../src/core/lsn.js';
import { throttlingException } from '../dms/fixtures.js';
import {
  dmsHandlerTest,
  failure,
  INSTANCE_ARN,
  SOURCE_ENDPOINT_ARN,
  sdkTask,
  TARGET_ENDPOINT_ARN,
  TASK_ARN,
} from './support.js';

const { dmsMock, invoke } = dmsHandlerTest(makeHandler);

describe('describe-task handler', () => {
  it('returns status, stop reason, failure message, checkpoint and the LSN inside it, as JSON values', async () => {
    dmsMock.on(DescribeReplicationTasksCommand).resolves({
      ReplicationTasks: [
        sdkTask({
          Status: 'failed',
          StopReason: 'Stop Reason RECOVERABLE_ERROR',
          LastFailureMessage: 'Replication slot "dms_slot" is active for PID 4242',
          RecoveryCheckpoint: 'checkpoint:V1#27#000004AF/B00000D0#0#0#*#0#121',
          CdcStopPosition: 'server_time:2026-12-01T06:00:00',
          ReplicationTaskStats: {
            StartDate: new Date('2026-11-20T10:00:00.000Z'),
            StopDate: new Date('2026-11-20T11:30:00.000Z'),
          },
        }),
      ],
    });

    const result = await invoke({ taskArn: TASK_ARN });

    expect(dmsMock).toReceiveCommandExactlyOnceWith(DescribeReplicationTasksCommand, {
      Filters: [{ Name: 'replication-task-arn', Values: [TASK_ARN] }],
    });
    expect(result).toStrictEqual({
      taskArn: TASK_ARN,
      taskIdentifier: 'cutover-cdc-orders-dms-slot-1a2b3c4d',
      status: 'failed',
      migrationType: 'cdc',
      stopReason: 'Stop Reason RECOVERABLE_ERROR',
      lastFailureMessage: 'Replication slot "dms_slot" is active for PID 4242',
      recoveryCheckpoint: 'checkpoint:V1#27#000004AF/B00000D0#0#0#*#0#121',
      checkpointLsn: '4AF/B00000D0',
      cdcStartPosition: '4AF/B00000D0',
      cdcStopPosition: 'server_time:2026-12-01T06:00:00',
      replicationInstanceArn: INSTANCE_ARN,
      sourceEndpointArn: SOURCE_ENDPOINT_ARN,
      targetEndpointArn: TARGET_ENDPOINT_ARN,
      startDate: '2026-11-20T10:00:00.000Z',
      stopDate: '2026-11-20T11:30:00.000Z',
    });
    // What a Step Functions state receives: the same object through JSON.
    expect(JSON.parse(JSON.stringify(result))).toStrictEqual(result);
  });

  it('gives null, not a missing key, for everything DMS leaves out (a task that never ran)', async () => {
    dmsMock
      .on(DescribeReplicationTasksCommand)
      .resolves({ ReplicationTasks: [sdkTask({ CdcStartPosition: undefined })] });

    const result = await invoke({ taskArn: TASK_ARN });

    expect(result).toMatchObject({
      status: 'ready',
      stopReason: null,
      lastFailureMessage: null,
      recoveryCheckpoint: null,
      checkpointLsn: null,
      cdcStartPosition: null,
      cdcStopPosition: null,
      startDate: null,
      stopDate: null,
    });
  });

  it('throws InvalidCheckpointError for a checkpoint it cannot read, rather than report none', async () => {
    dmsMock
      .on(DescribeReplicationTasksCommand)
      .resolves({ ReplicationTasks: [sdkTask({ Status: 'stopped', RecoveryCheckpoint: 'V1#1#garbage' })] });

    await expect(invoke({ taskArn: TASK_ARN })).rejects.toThrow(InvalidCheckpointError);
  });

  it('reports a task that does not exist as DmsResourceNotFoundError', async () => {
    dmsMock
      .on(DescribeReplicationTasksCommand)
      .rejects(
        new ResourceNotFoundFault({ $metadata: {}, message: 'No Tasks found matching provided filters' }),
      );

    await expect(invoke({ taskArn: TASK_ARN })).rejects.toThrow(DmsResourceNotFoundError);
  });

  it('reports throttling as DmsThrottledError, the name an ASL Retry backs off on', async () => {
    dmsMock.on(DescribeReplicationTasksCommand).rejects(throttlingException());

    const error = await failure(invoke({ taskArn: TASK_ARN }));

    expect(error).toBeInstanceOf(DmsThrottledError);
    expect(error.name).toBe('DmsThrottledError');
  });

  it.each([
    ['no taskArn', {}],
    ['a taskArn that is not an ARN', { taskArn: 'TASK1' }],
    ['a taskArn of another service', { taskArn: 'arn:aws:rds:us-east-1:123456789012:db:orders' }],
  ])('rejects %s with an InvalidInputError naming taskArn', async (_case, event) => {
    const error = await failure(invoke(event));

    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error).toMatchObject({ field: 'taskArn' });
    expect(dmsMock).not.toReceiveAnyCommand();
  });
});
