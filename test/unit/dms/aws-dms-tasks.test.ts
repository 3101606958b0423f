import 'aws-sdk-client-mock-vitest/extend';
import {
  CreateReplicationTaskCommand,
  type CreateReplicationTaskCommandInput,
  DatabaseMigrationServiceClient,
  DeleteReplicationTaskCommand,
  DescribeReplicationTasksCommand,
  InvalidResourceStateFault,
  type ReplicationTask,
  ResourceNotFoundFault,
  StartReplicationTaskCommand,
  StopReplicationTaskCommand,
} from '@aws-sdk/client-database-migration-service';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { buildAwsDms } from '../../../src/adapters/aws/dms.js';
import {
  DmsInvalidStateError,
  DmsResourceNotFoundError,
  DmsUnexpectedResponseError,
} from '../../../src/core/dms/errors.js';
import { InvalidLsnError } from '../../../src/core/lsn.js';
import type { StartType } from '../../../src/ports/dms.js';
import {
  cdcTaskSpec,
  INSTANCE_ARN,
  portTask,
  SOURCE_ARN,
  TABLE_MAPPINGS,
  TARGET_ARN,
  TASK_ARN,
} from './fixtures.js';

const client = new DatabaseMigrationServiceClient({ region: 'us-east-1' });
const dmsMock = mockClient(client);
const dms = buildAwsDms(client);
const fault = { $metadata: {} };

const started = new Date('2026-03-01T10:00:00Z');
const stopped = new Date('2026-03-01T11:30:00Z');

const sdkTask: ReplicationTask = {
  ReplicationTaskArn: TASK_ARN,
  ReplicationTaskIdentifier: cdcTaskSpec().identifier,
  Status: 'failed',
  MigrationType: 'cdc',
  ReplicationInstanceArn: INSTANCE_ARN,
  SourceEndpointArn: SOURCE_ARN,
  TargetEndpointArn: TARGET_ARN,
  TableMappings: TABLE_MAPPINGS,
  CdcStartPosition: '4AF/B00000D0',
  StopReason: 'RECOVERABLE_ERROR',
  LastFailureMessage: 'replication slot "dms_orders_slot" is active for PID 4242',
  RecoveryCheckpoint: 'checkpoint:V1#1#000004AF/B00000D0#0#0#*#0#0',
  ReplicationTaskStats: { StartDate: started, StopDate: stopped },
};

beforeEach(() => {
  dmsMock.reset();
});

describe('createCdcTask', () => {
  it('sends the exact CreateReplicationTask input: cdc from the LSN', async () => {
    dmsMock
      .on(CreateReplicationTaskCommand)
      .resolves({ ReplicationTask: { ...sdkTask, Status: 'creating' } });

    const task = await dms.createCdcTask(cdcTaskSpec());

    const expected = {
      ReplicationTaskIdentifier: cdcTaskSpec().identifier,
      SourceEndpointArn: SOURCE_ARN,
      TargetEndpointArn: TARGET_ARN,
      ReplicationInstanceArn: INSTANCE_ARN,
      MigrationType: 'cdc',
      TableMappings: TABLE_MAPPINGS,
      CdcStartPosition: '4AF/B00000D0',
      Tags: [{ Key: 'app', Value: 'dms-cdc-orchestrator' }],
    } satisfies CreateReplicationTaskCommandInput;
    expect(dmsMock).toReceiveCommandExactlyOnceWith(CreateReplicationTaskCommand, expected);
    expect(dmsMock.commandCalls(CreateReplicationTaskCommand)[0]?.args[0].input).toStrictEqual(expected);
    expect(task).toMatchObject({ arn: TASK_ARN, status: 'creating', migrationType: 'cdc' });
  });

  it('passes task settings and a stop position when given', async () => {
    dmsMock.on(CreateReplicationTaskCommand).resolves({ ReplicationTask: sdkTask });
    const settings = JSON.stringify({ Logging: { EnableLogging: true } });

    await dms.createCdcTask(
      cdcTaskSpec({ taskSettings: settings, cdcStopPosition: 'server_time:2026-03-02T00:00:00' }),
    );

    expect(dmsMock).toReceiveCommandWith(CreateReplicationTaskCommand, {
      ReplicationTaskSettings: settings,
      CdcStopPosition: 'server_time:2026-03-02T00:00:00',
    });
  });

  it('refuses a start position that is not an LSN (PostgreSQL has no timestamp start)', async () => {
    await expect(dms.createCdcTask(cdcTaskSpec({ cdcStartPosition: '2026-03-01T10:00:00' }))).rejects.toThrow(
      InvalidLsnError,
    );
    expect(dmsMock).not.toReceiveAnyCommand();
  });
});

describe('findTask and describeTask', () => {
  it('finds by replication-task-id and maps every field the orchestrator reads', async () => {
    dmsMock.on(DescribeReplicationTasksCommand).resolves({ ReplicationTasks: [sdkTask] });

    const task = await dms.findTask(cdcTaskSpec().identifier);

    expect(dmsMock).toReceiveCommandExactlyOnceWith(DescribeReplicationTasksCommand, {
      Filters: [{ Name: 'replication-task-id', Values: [cdcTaskSpec().identifier] }],
    });
    expect(task).toStrictEqual(
      portTask({
        status: 'failed',
        stopReason: 'RECOVERABLE_ERROR',
        lastFailureMessage: 'replication slot "dms_orders_slot" is active for PID 4242',
        recoveryCheckpoint: 'checkpoint:V1#1#000004AF/B00000D0#0#0#*#0#0',
        startDate: started,
        stopDate: stopped,
      }),
    );
  });

  it('findTask is undefined on ResourceNotFoundFault or an empty list', async () => {
    dmsMock
      .on(DescribeReplicationTasksCommand)
      .rejectsOnce(
        new ResourceNotFoundFault({ ...fault, message: 'No Tasks found matching provided filters' }),
      )
      .resolvesOnce({ ReplicationTasks: [] });

    await expect(dms.findTask('absent')).resolves.toBeUndefined();
    await expect(dms.findTask('absent')).resolves.toBeUndefined();
  });

  it('describeTask filters by replication-task-arn', async () => {
    dmsMock
      .on(DescribeReplicationTasksCommand)
      .resolves({ ReplicationTasks: [{ ...sdkTask, Status: 'running' }] });

    const task = await dms.describeTask(TASK_ARN);

    expect(dmsMock).toReceiveCommandExactlyOnceWith(DescribeReplicationTasksCommand, {
      Filters: [{ Name: 'replication-task-arn', Values: [TASK_ARN] }],
    });
    expect(task.status).toBe('running');
  });

  it('describeTask throws DmsResourceNotFoundError for a task that is gone', async () => {
    dmsMock
      .on(DescribeReplicationTasksCommand)
      .rejectsOnce(new ResourceNotFoundFault({ ...fault, message: 'No Tasks found' }))
      .resolvesOnce({ ReplicationTasks: [] });

    await expect(dms.describeTask(TASK_ARN)).rejects.toMatchObject({ name: 'DmsResourceNotFoundError' });
    await expect(dms.describeTask(TASK_ARN)).rejects.toThrow(DmsResourceNotFoundError);
  });

  it('refuses a task status DMS does not document rather than guess', async () => {
    dmsMock
      .on(DescribeReplicationTasksCommand)
      .resolves({ ReplicationTasks: [{ ...sdkTask, Status: 'levitating' }] });

    await expect(dms.describeTask(TASK_ARN)).rejects.toThrow(DmsUnexpectedResponseError);
  });
});

describe('startTask', () => {
  it.each<StartType>(['start-replication', 'resume-processing', 'reload-target'])(
    'sends StartReplicationTaskType %s and nothing else by default',
    async (startType) => {
      dmsMock
        .on(StartReplicationTaskCommand)
        .resolves({ ReplicationTask: { ...sdkTask, Status: 'starting' } });

      const task = await dms.startTask(TASK_ARN, startType);

      const expected = { ReplicationTaskArn: TASK_ARN, StartReplicationTaskType: startType };
      expect(dmsMock).toReceiveCommandExactlyOnceWith(StartReplicationTaskCommand, expected);
      expect(dmsMock.commandCalls(StartReplicationTaskCommand)[0]?.args[0].input).toStrictEqual(expected);
      expect(task.status).toBe('starting');
    },
  );

  it('passes explicit start and stop positions', async () => {
    dmsMock.on(StartReplicationTaskCommand).resolves({ ReplicationTask: sdkTask });

    await dms.startTask(TASK_ARN, 'start-replication', {
      cdcStartPosition: '4AF/B0000100',
      cdcStopPosition: 'commit_time:2026-03-02T00:00:00',
    });

    expect(dmsMock.commandCalls(StartReplicationTaskCommand)[0]?.args[0].input).toStrictEqual({
      ReplicationTaskArn: TASK_ARN,
      StartReplicationTaskType: 'start-replication',
      CdcStartPosition: '4AF/B0000100',
      CdcStopPosition: 'commit_time:2026-03-02T00:00:00',
    });
  });

  it('maps InvalidResourceStateFault to DmsInvalidStateError', async () => {
    dmsMock
      .on(StartReplicationTaskCommand)
      .rejects(new InvalidResourceStateFault({ ...fault, message: 'Task is currently being created' }));

    const error = await dms.startTask(TASK_ARN, 'resume-processing').catch((e: unknown) => e);

    expect(error).toBeInstanceOf(DmsInvalidStateError);
    expect(error).toMatchObject({ name: 'DmsInvalidStateError', operation: 'StartReplicationTask' });
    expect((error as Error).message).toContain('Task is currently being created');
  });

  it('throws DmsUnexpectedResponseError when DMS returns no task', async () => {
    dmsMock.on(StartReplicationTaskCommand).resolves({});

    await expect(dms.startTask(TASK_ARN, 'resume-processing')).rejects.toThrow(DmsUnexpectedResponseError);
  });
});

describe('stopTask and deleteTask', () => {
  it('stop sends the ARN and returns the stopping task', async () => {
    dmsMock.on(StopReplicationTaskCommand).resolves({ ReplicationTask: { ...sdkTask, Status: 'stopping' } });

    const task = await dms.stopTask(TASK_ARN);

    expect(dmsMock).toReceiveCommandExactlyOnceWith(StopReplicationTaskCommand, {
      ReplicationTaskArn: TASK_ARN,
    });
    expect(task.status).toBe('stopping');
  });

  it('delete sends the ARN', async () => {
    dmsMock
      .on(DeleteReplicationTaskCommand)
      .resolves({ ReplicationTask: { ...sdkTask, Status: 'deleting' } });

    await dms.deleteTask(TASK_ARN);

    expect(dmsMock).toReceiveCommandExactlyOnceWith(DeleteReplicationTaskCommand, {
      ReplicationTaskArn: TASK_ARN,
    });
  });

  it('delete of a running task is DmsInvalidStateError', async () => {
    dmsMock
      .on(DeleteReplicationTaskCommand)
      .rejects(new InvalidResourceStateFault({ ...fault, message: 'Task is running' }));

    await expect(dms.deleteTask(TASK_ARN)).rejects.toMatchObject({ name: 'DmsInvalidStateError' });
  });
});
