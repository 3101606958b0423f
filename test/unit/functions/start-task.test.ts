import 'aws-sdk-client-mock-vitest/extend';
import {
  DescribeReplicationTasksCommand,
  InvalidResourceStateFault,
  StartReplicationTaskCommand,
} from '@aws-sdk/client-database-migration-service';
import { beforeEach, describe, expect, it } from 'vitest';
import { makeHandler } from '../../../functions/start-task.js';
import {
  FirstStartTypeError,
  ReloadTargetOnCdcTaskError,
  TaskRestartRefusedError,
} from '../../../src/core/cdc/start-rule.js';
import { DmsInvalidStateError } from '../../../src/core/dms/errors.js';
import { dmsHandlerTest, expectRefusedInput, failure, sdkTask, TASK_ARN } from './support.js';

const { dmsMock, logged, invoke } = dmsHandlerTest(makeHandler);

function taskIs(overrides: Parameters<typeof sdkTask>[0]) {
  dmsMock.on(DescribeReplicationTasksCommand).resolves({ ReplicationTasks: [sdkTask(overrides)] });
}

beforeEach(() => {
  dmsMock.on(StartReplicationTaskCommand).resolves({ ReplicationTask: sdkTask({ Status: 'starting' }) });
});

describe('start-task handler', () => {
  it('starts a task that never ran with start-replication by default, after reading it by ARN', async () => {
    taskIs({ Status: 'ready' });

    const result = await invoke({ taskArn: TASK_ARN });

    expect(dmsMock).toReceiveCommandExactlyOnceWith(DescribeReplicationTasksCommand, {
      Filters: [{ Name: 'replication-task-arn', Values: [TASK_ARN] }],
    });
    expect(dmsMock.commandCalls(StartReplicationTaskCommand)[0]?.args[0].input).toStrictEqual({
      ReplicationTaskArn: TASK_ARN,
      StartReplicationTaskType: 'start-replication',
    });
    expect(result).toStrictEqual({
      taskArn: TASK_ARN,
      startType: 'start-replication',
      started: true,
      status: 'starting',
    });
  });

  it.each(['stopped', 'failed'])(
    'refuses start-replication on a %s task: a restart recreates the slot and loses its changes',
    async (status) => {
      taskIs({ Status: status, StopReason: 'Stop Reason RECOVERABLE_ERROR' });

      const error = await failure(invoke({ taskArn: TASK_ARN, startType: 'start-replication' }));

      expect(error).toBeInstanceOf(TaskRestartRefusedError);
      expect(error).toMatchObject({ name: 'TaskRestartRefusedError', taskArn: TASK_ARN, status });
      expect(error.message).toMatch(/recreates the replication slot/);
      expect(error.message).toMatch(/changes the slot still holds would be lost/);
      expect((error as TaskRestartRefusedError).remedy).toMatch(/resume-processing/);
      expect(dmsMock).not.toReceiveCommand(StartReplicationTaskCommand);
    },
  );

  it('refuses a restart of a task that ran even when its status reads ready (it has a start date)', async () => {
    taskIs({ Status: 'ready', ReplicationTaskStats: { StartDate: new Date('2026-01-01T00:00:00Z') } });

    await expect(invoke({ taskArn: TASK_ARN })).rejects.toThrow(TaskRestartRefusedError);
    expect(dmsMock).not.toReceiveCommand(StartReplicationTaskCommand);
  });

  it('refuses reload-target on a full-load-and-cdc task that ran, for the same reason', async () => {
    taskIs({ Status: 'stopped', MigrationType: 'full-load-and-cdc' });

    await expect(invoke({ taskArn: TASK_ARN, startType: 'reload-target' })).rejects.toMatchObject({
      name: 'TaskRestartRefusedError',
      startType: 'reload-target',
    });
    expect(dmsMock).not.toReceiveCommand(StartReplicationTaskCommand);
  });

  it.each([
    ['ready', false],
    ['stopped', false],
    ['stopped', true],
    ['running', true],
  ])(
    'refuses reload-target on a CDC-only task (%s, allowRestart %s): it never applies, no flag unlocks it',
    async (status, allowRestart) => {
      taskIs({ Status: status, MigrationType: 'cdc' });

      const error = await failure(invoke({ taskArn: TASK_ARN, startType: 'reload-target', allowRestart }));

      expect(error).toBeInstanceOf(ReloadTargetOnCdcTaskError);
      expect(error).toMatchObject({ name: 'ReloadTargetOnCdcTaskError', taskArn: TASK_ARN });
      expect(error.message).toMatch(/startType: reload-target/);
      expect((error as ReloadTargetOnCdcTaskError).remedy).toMatch(/resume-processing/);
      expect(dmsMock).not.toReceiveCommand(StartReplicationTaskCommand);
    },
  );

  it('refuses resume-processing on a task that never ran: its first start is start-replication', async () => {
    taskIs({ Status: 'ready' });

    const error = await failure(
      invoke({ taskArn: TASK_ARN, startType: 'resume-processing', allowRestart: true }),
    );

    expect(error).toBeInstanceOf(FirstStartTypeError);
    expect(error).toMatchObject({ name: 'FirstStartTypeError', startType: 'resume-processing' });
    expect(error.message).toMatch(/startType: resume-processing/);
    expect((error as FirstStartTypeError).remedy).toMatch(/start-replication/);
    expect(dmsMock).not.toReceiveCommand(StartReplicationTaskCommand);
  });

  it('resumes a stopped or failed task with resume-processing (the safe path)', async () => {
    taskIs({ Status: 'failed', RecoveryCheckpoint: 'checkpoint:V1#1#000004AF/B00000D0#0#0#*#0#0' });

    const result = await invoke({ taskArn: TASK_ARN, startType: 'resume-processing' });

    expect(dmsMock).toReceiveCommandExactlyOnceWith(StartReplicationTaskCommand, {
      ReplicationTaskArn: TASK_ARN,
      StartReplicationTaskType: 'resume-processing',
    });
    expect(result).toMatchObject({ started: true, startType: 'resume-processing' });
  });

  it('restarts a task that ran only when the input says allowRestart, and logs a warning', async () => {
    taskIs({ Status: 'stopped' });

    await invoke({ taskArn: TASK_ARN, startType: 'start-replication', allowRestart: true });

    expect(dmsMock).toReceiveCommandExactlyOnceWith(StartReplicationTaskCommand, {
      ReplicationTaskArn: TASK_ARN,
      StartReplicationTaskType: 'start-replication',
    });
    expect(logged.join('')).toContain('restart allowed by the input');
  });

  it('passes a CdcStopPosition through', async () => {
    taskIs({ Status: 'ready' });

    await invoke({ taskArn: TASK_ARN, cdcStopPosition: 'server_time:2026-12-01T06:00:00' });

    expect(dmsMock.commandCalls(StartReplicationTaskCommand)[0]?.args[0].input).toStrictEqual({
      ReplicationTaskArn: TASK_ARN,
      StartReplicationTaskType: 'start-replication',
      CdcStopPosition: 'server_time:2026-12-01T06:00:00',
    });
  });

  it.each(['running', 'starting'])(
    'is a no-op on a %s task (a retried start step), whatever the start type',
    async (status) => {
      taskIs({ Status: status, ReplicationTaskStats: { StartDate: new Date('2026-01-01T00:00:00Z') } });

      const result = await invoke({ taskArn: TASK_ARN });

      expect(result).toStrictEqual({
        taskArn: TASK_ARN,
        startType: 'start-replication',
        started: false,
        status,
      });
      expect(dmsMock).not.toReceiveCommand(StartReplicationTaskCommand);
    },
  );

  it("lets DMS refuse a task that is still creating, as DmsInvalidStateError for the state machine's Retry", async () => {
    taskIs({ Status: 'creating' });
    dmsMock
      .on(StartReplicationTaskCommand)
      .rejects(new InvalidResourceStateFault({ $metadata: {}, message: 'Task is creating' }));

    await expect(invoke({ taskArn: TASK_ARN })).rejects.toThrow(DmsInvalidStateError);
  });

  it.each([
    ['a missing taskArn', {}, 'taskArn'],
    ['an endpoint ARN as taskArn', { taskArn: TASK_ARN.replace(':task:', ':endpoint:') }, 'taskArn'],
    ['an unknown start type', { taskArn: TASK_ARN, startType: 'restart' }, 'startType'],
    ['allowRestart as text', { taskArn: TASK_ARN, allowRestart: 'yes' }, 'allowRestart'],
    [
      'a timestamp start-like stop position',
      { taskArn: TASK_ARN, cdcStopPosition: '2026-12-01' },
      'cdcStopPosition',
    ],
  ])(
    'rejects %s with an InvalidInputError naming the field, before any DMS call',
    async (_case, event, field) => {
      await expectRefusedInput(invoke(event), field, dmsMock);
    },
  );
});
