import 'aws-sdk-client-mock-vitest/extend';
import { readFileSync } from 'node:fs';
import {
  DatabaseMigrationServiceClient,
  DescribeReplicationTasksCommand,
  type DescribeReplicationTasksCommandOutput,
} from '@aws-sdk/client-database-migration-service';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { buildAwsDms } from '../../../src/adapters/aws/dms.js';
import { type AwsEvent, parseRoutes, routeRecoveryEvent } from '../../../src/core/recovery/routing.js';
import { STOP_REASON_CODES, stopReasonCode, taskStopReason } from '../../../src/core/stop-reason.js';

// AWS's documented shapes (test/fixtures/dms/README.md says where each comes from).
function fixture<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(`../../fixtures/dms/${name}`, import.meta.url), 'utf8')) as T;
}

/** The SDK turns DMS's epoch-second timestamps into Dates; a mocked command skips that, so do it here. */
function deserialized(value: unknown, key = ''): unknown {
  if (typeof value === 'number' && key.endsWith('Date')) return new Date(value * 1000);
  if (Array.isArray(value)) return value.map((item) => deserialized(item));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, deserialized(v, k)]));
  }
  return value;
}

function describeOutput(name: string): DescribeReplicationTasksCommandOutput {
  return { $metadata: {}, ...(deserialized(fixture(name)) as object) };
}

const client = new DatabaseMigrationServiceClient({ region: 'us-east-1' });
const dmsMock = mockClient(client);
const dms = buildAwsDms(client);
const CLI_TASK = 'arn:aws:dms:us-east-1:123456789012:task:K55IUCGBASJS5VHZJIINA45FII';

beforeEach(() => {
  dmsMock.reset();
});

describe('ReplicationTask.StopReason values the API reference documents', () => {
  it('reads every one of them back to its code, and knows no more and no fewer', () => {
    const documented = fixture<string[]>('stop-reason-values.api-reference.json');

    expect(documented.map((text) => stopReasonCode(text))).toEqual([...STOP_REASON_CODES]);
  });
});

describe('DescribeReplicationTasks as AWS documents it, through the AWS DMS adapter', () => {
  it('maps the CLI reference example: a stopped full-load task, Stop Reason FULL_LOAD_ONLY_FINISHED', async () => {
    dmsMock
      .on(DescribeReplicationTasksCommand)
      .resolves(describeOutput('describe-replication-tasks.cli-example.json'));

    const task = await dms.describeTask(CLI_TASK);

    expect(dmsMock).toReceiveCommandWith(DescribeReplicationTasksCommand, {
      Filters: [{ Name: 'replication-task-arn', Values: [CLI_TASK] }],
    });
    expect(task).toMatchObject({
      arn: CLI_TASK,
      identifier: 'moveit2',
      status: 'stopped',
      migrationType: 'full-load',
      stopReason: 'Stop Reason FULL_LOAD_ONLY_FINISHED',
      lastFailureMessage: undefined,
      tableMappings: '',
      startDate: new Date(1590619811528),
      stopDate: new Date(1590619842068),
    });
    expect(taskStopReason(task)).toStrictEqual({
      code: 'FULL_LOAD_ONLY_FINISHED',
      lastError: undefined,
      errorLevel: undefined,
    });
  });

  it('maps a failed CDC task whose StopReason is the long form: the code, the message and the level', async () => {
    dmsMock
      .on(DescribeReplicationTasksCommand)
      .resolves(describeOutput('describe-replication-tasks.failed.composed.json'));

    const task = await dms.describeTask(CLI_TASK);

    expect(task).toMatchObject({ status: 'failed', migrationType: 'cdc' });
    expect(task.stopReason).toBe(task.lastFailureMessage);
    expect(taskStopReason(task)).toStrictEqual({
      code: 'FATAL_ERROR',
      lastError:
        'Resume from timestamp is not supported Task error notification received from subtask 0, thread 0 ' +
        "[reptask/replicationtask.c:2822] [1020455] 'Start from timestamp' was blocked to prevent Replicate from " +
        'scanning the log (to find the timestamp).',
      errorLevel: 'FATAL',
    });
  });

  it('reads the code from LastFailureMessage when StopReason is missing', async () => {
    const output = describeOutput('describe-replication-tasks.failed.composed.json');
    const [only] = output.ReplicationTasks ?? [];
    dmsMock.on(DescribeReplicationTasksCommand).resolves({
      ...output,
      ReplicationTasks: [{ ...only, StopReason: undefined }],
    });

    const task = await dms.describeTask(CLI_TASK);

    expect(task.stopReason).toBeUndefined();
    expect(taskStopReason(task).code).toBe('FATAL_ERROR');
  });
});

describe('EventBridge "DMS Replication Task State Change" as AWS documents it, through the recovery router', () => {
  const documented = fixture<AwsEvent>('eventbridge-task-state-change.user-guide.json');
  const failed = fixture<AwsEvent>('eventbridge-task-failed.composed.json');
  const taskArn = documented.resources?.[0] ?? '';
  const routes = parseRoutes(
    JSON.stringify({
      routes: [
        {
          taskArn,
          source: {
            secretArn: 'arn:aws:secretsmanager:us-east-1:012345678901:secret:src-AbCdEf',
            database: 'app',
          },
          slotName: 'dms_slot',
        },
      ],
    }),
  );

  it('ignores the user guide example (a task started): nothing to recover', () => {
    const routing = routeRecoveryEvent(documented, routes);

    expect(routing.starts).toEqual([]);
    expect(routing.ignored).toContain('REPLICATION_TASK_STARTED');
  });

  it('starts one recovery for a failed task and hands DMS detailMessage on to the notification', () => {
    const routing = routeRecoveryEvent(failed, routes);

    expect(routing.ignored).toBeNull();
    expect(routing.starts).toHaveLength(1);
    expect(routing.starts[0]?.input).toMatchObject({
      taskArn,
      failover: false,
      trigger: {
        kind: 'dms-task-event',
        id: '11a11b11-222b-333a-44d4-01234a5b67890',
        message: 'Last Error  ODBC general error. Stop Reason RECOVERABLE_ERROR Error Level RECOVERABLE',
      },
    });
  });

  it.each([
    [
      'RECOVERABLE_ERROR',
      'Last Error  ODBC general error. Stop Reason RECOVERABLE_ERROR Error Level RECOVERABLE',
    ],
    ['FATAL_ERROR', 'Last Error  Slot gone. Stop Reason FATAL_ERROR Error Level FATAL'],
  ])('recovers a task that stopped with %s, read from the end of detailMessage', (_code, detailMessage) => {
    const stopped = {
      ...failed,
      detail: { ...failed.detail, eventType: 'REPLICATION_TASK_STOPPED', detailMessage },
    };

    expect(routeRecoveryEvent(stopped, routes).starts).toHaveLength(1);
  });

  it('does not take a word of the message for the stop reason: a normal stop is not a failure', () => {
    const detailMessage =
      'Last Error  Table public.fatal_error_log: RECOVERABLE_ERROR count reset. Stop Reason NORMAL Error Level NONE';
    const stopped = {
      ...failed,
      detail: { ...failed.detail, eventType: 'REPLICATION_TASK_STOPPED', detailMessage },
    };

    const routing = routeRecoveryEvent(stopped, routes);

    expect(routing.starts).toEqual([]);
    expect(routing.ignored).toContain('needs no recovery');
  });
});
