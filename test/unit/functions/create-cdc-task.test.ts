import 'aws-sdk-client-mock-vitest/extend';
import {
  CreateReplicationTaskCommand,
  type CreateReplicationTaskCommandInput,
  DatabaseMigrationServiceClient,
  DescribeReplicationTasksCommand,
  ResourceNotFoundFault,
} from '@aws-sdk/client-database-migration-service';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { type CreateCdcTaskDeps, makeHandler } from '../../../functions/create-cdc-task.js';
import { ConflictingResourceError } from '../../../src/core/dms/errors.js';
import { cdcTaskIdentifier } from '../../../src/core/dms/identifiers.js';
import { InvalidInputError } from '../../../src/core/errors.js';
import {
  SlotActiveError,
  SlotNotFoundError,
  StartPositionTooOldError,
} from '../../../src/core/slot-errors.js';
import {
  awsDms,
  CUTOVER_NAMES,
  type FakePg,
  failure,
  fakePg,
  INSTANCE_ARN,
  isSlotQuery,
  lambdaContext,
  PASSWORD,
  SECRET,
  SOURCE_ENDPOINT_ARN,
  SOURCE_SECRET_ARN,
  sdkTask,
  slotRow,
  sourceSecretTest,
  TABLE_MAPPINGS,
  TARGET_ENDPOINT_ARN,
  TASK_ARN,
  testLogger,
} from './support.js';

const dmsMock = mockClient(DatabaseMigrationServiceClient);
const { secretsManager, logged, secretStore } = sourceSecretTest();

const IDENTIFIER = cdcTaskIdentifier({ prefix: 'cutover', sourceName: 'orders', slotName: 'dms_slot' });
const INPUT = {
  ...CUTOVER_NAMES,
  replicationInstanceArn: INSTANCE_ARN,
  sourceEndpointArn: SOURCE_ENDPOINT_ARN,
  targetEndpointArn: TARGET_ENDPOINT_ARN,
  tableMappings: TABLE_MAPPINGS,
};
const TAGS = [
  { Key: 'managed-by', Value: 'dms-cdc-orchestrator' },
  { Key: 'dms-cdc-source', Value: 'orders' },
  { Key: 'dms-cdc-slot', Value: 'dms_slot' },
];

function source(row: Record<string, unknown> | null = slotRow()): FakePg {
  return fakePg((sql) => (isSlotQuery(sql) ? (row ? [row] : []) : new Error(`unexpected: ${sql}`)));
}

function deps(pg: FakePg): Partial<CreateCdcTaskDeps> {
  return {
    dms: awsDms(),
    secrets: secretStore(),
    connect: pg.connect,
    logger: testLogger(),
    env: { SOURCE_SECRET_ARN },
  };
}

function invoke(event: unknown, pg: FakePg) {
  return makeHandler(deps(pg))(event, lambdaContext());
}

beforeEach(() => {
  dmsMock.reset();
  dmsMock
    .on(DescribeReplicationTasksCommand)
    .rejects(new ResourceNotFoundFault({ $metadata: {}, message: 'none' }));
  dmsMock.on(CreateReplicationTaskCommand).resolves({
    ReplicationTask: sdkTask({ ReplicationTaskIdentifier: IDENTIFIER, Status: 'creating' }),
  });
});

describe('create-cdc-task handler', () => {
  it("creates a CDC-only task at the slot's confirmed_flush_lsn, read over verified TLS just before", async () => {
    const pg = source();

    const result = await invoke(INPUT, pg);

    // Looked up by identifier before reading the slot, and again by ensureCdcTask just before creating.
    expect(dmsMock).toReceiveCommandWith(DescribeReplicationTasksCommand, {
      Filters: [{ Name: 'replication-task-id', Values: [IDENTIFIER] }],
    });
    const expected = {
      ReplicationTaskIdentifier: IDENTIFIER,
      SourceEndpointArn: SOURCE_ENDPOINT_ARN,
      TargetEndpointArn: TARGET_ENDPOINT_ARN,
      ReplicationInstanceArn: INSTANCE_ARN,
      MigrationType: 'cdc',
      TableMappings: JSON.stringify(TABLE_MAPPINGS),
      CdcStartPosition: '4AF/B00000D0',
      Tags: TAGS,
    } satisfies CreateReplicationTaskCommandInput;
    expect(dmsMock.commandCalls(CreateReplicationTaskCommand)[0]?.args[0].input).toStrictEqual(expected);
    expect(pg.configs).toEqual([
      expect.objectContaining({
        host: SECRET.host,
        database: 'orders',
        application_name: 'dms-cdc-create-cdc-task',
        ssl: { rejectUnauthorized: true, servername: SECRET.host },
      }),
    ]);
    expect(pg.queries.map((q) => q.params)).toEqual([['dms_slot']]);
    expect(pg.open()).toBe(0);
    expect(result).toStrictEqual({
      taskArn: TASK_ARN,
      taskIdentifier: IDENTIFIER,
      created: true,
      status: 'creating',
      cdcStartPosition: '4AF/B00000D0',
      confirmedFlushLsn: '4AF/B00000D0',
      restartLsn: '4AF/B0000028',
    });
  });

  it('takes table mappings and task settings as the JSON text DMS uses, and passes a stop position', async () => {
    const mappings = JSON.stringify(TABLE_MAPPINGS, null, 2);
    const settings = JSON.stringify({ Logging: { EnableLogging: true } });

    await invoke(
      {
        ...INPUT,
        tableMappings: mappings,
        taskSettings: settings,
        cdcStopPosition: 'commit_time:2026-12-01T06:00:00',
      },
      source(),
    );

    expect(dmsMock.commandCalls(CreateReplicationTaskCommand)[0]?.args[0].input).toMatchObject({
      TableMappings: mappings,
      ReplicationTaskSettings: settings,
      CdcStopPosition: 'commit_time:2026-12-01T06:00:00',
    });
  });

  it('starts at an explicit position no older than the slot, and names the task after it', async () => {
    const identifier = cdcTaskIdentifier({
      prefix: 'cutover',
      sourceName: 'orders',
      slotName: 'dms_slot',
      startPosition: '4AF/B0000100',
    });

    const result = await invoke({ ...INPUT, cdcStartPosition: '4af/b0000100' }, source());

    expect(dmsMock.commandCalls(CreateReplicationTaskCommand)[0]?.args[0].input).toMatchObject({
      ReplicationTaskIdentifier: identifier,
      CdcStartPosition: '4AF/B0000100',
    });
    expect(result).toMatchObject({ taskIdentifier: identifier, confirmedFlushLsn: '4AF/B00000D0' });
  });

  it('reuses the task an earlier run made, at its own position, without creating or even connecting', async () => {
    dmsMock.on(DescribeReplicationTasksCommand).resolves({
      ReplicationTasks: [
        sdkTask({ ReplicationTaskIdentifier: IDENTIFIER, CdcStartPosition: '4AF/A0000000' }),
      ],
    });
    const pg = source(slotRow({ confirmed_flush_lsn: '4AF/C0000000' }));

    const result = await invoke(INPUT, pg);

    expect(dmsMock).not.toReceiveCommand(CreateReplicationTaskCommand);
    expect(pg.configs).toEqual([]);
    expect(result).toStrictEqual({
      taskArn: TASK_ARN,
      taskIdentifier: IDENTIFIER,
      created: false,
      status: 'ready',
      cdcStartPosition: '4AF/A0000000',
      confirmedFlushLsn: null,
      restartLsn: null,
    });
  });

  it('refuses an existing task with this identifier that reads from another source endpoint', async () => {
    dmsMock.on(DescribeReplicationTasksCommand).resolves({
      ReplicationTasks: [
        sdkTask({ ReplicationTaskIdentifier: IDENTIFIER, SourceEndpointArn: `${SOURCE_ENDPOINT_ARN}OLD` }),
      ],
    });

    const error = await failure(invoke(INPUT, source()));

    expect(error).toBeInstanceOf(ConflictingResourceError);
    expect(error).toMatchObject({ field: 'sourceEndpointArn' });
    expect(dmsMock).not.toReceiveCommand(CreateReplicationTaskCommand);
  });

  it('refuses an active slot with SlotActiveError naming the PID, and creates nothing', async () => {
    const pg = source(slotRow({ active: true, active_pid: 4242, application_name: 'old-dms-task' }));

    const error = await failure(invoke(INPUT, pg));

    expect(error).toBeInstanceOf(SlotActiveError);
    expect(error).toMatchObject({ name: 'SlotActiveError', activePid: 4242, application: 'old-dms-task' });
    expect(dmsMock).not.toReceiveCommand(CreateReplicationTaskCommand);
    expect(pg.open()).toBe(0);
  });

  it('refuses a missing slot with SlotNotFoundError', async () => {
    await expect(invoke(INPUT, source(null))).rejects.toThrow(SlotNotFoundError);
    expect(dmsMock).not.toReceiveCommand(CreateReplicationTaskCommand);
  });

  it('refuses a requested position older than confirmed_flush_lsn with StartPositionTooOldError', async () => {
    const error = await failure(invoke({ ...INPUT, cdcStartPosition: '4AF/B0000000' }, source()));

    expect(error).toBeInstanceOf(StartPositionTooOldError);
    expect(error).toMatchObject({ requested: '4AF/B0000000', confirmedFlushLsn: '4AF/B00000D0' });
    expect(dmsMock).not.toReceiveCommand(CreateReplicationTaskCommand);
  });

  it('never logs the password', async () => {
    await invoke(INPUT, source());

    expect(logged.join('')).toContain('created CDC task');
    expect(logged.join('')).not.toContain(PASSWORD);
  });

  it.each([
    ['table mappings that are not JSON', { tableMappings: '{"rules": [' }, 'tableMappings'],
    ['table mappings without rules', { tableMappings: { selection: [] } }, 'tableMappings.rules'],
    ['table mappings with an empty rule list', { tableMappings: { rules: [] } }, 'tableMappings.rules'],
    [
      'table mappings with no selection rule',
      { tableMappings: { rules: [{ 'rule-type': 'transformation' }] } },
      'tableMappings.rules',
    ],
    [
      'a rule without its type',
      { tableMappings: { rules: [{ 'rule-id': '1' }] } },
      'tableMappings.rules.0.rule-type',
    ],
    ['task settings that are a JSON array', { taskSettings: '[1]' }, 'taskSettings'],
    ['a start position that is not an LSN', { cdcStartPosition: '2026-11-21T10:00:00' }, 'cdcStartPosition'],
    ['a stop position without its kind', { cdcStopPosition: '2026-12-01T06:00:00' }, 'cdcStopPosition'],
    ['a task ARN as instance', { replicationInstanceArn: TASK_ARN }, 'replicationInstanceArn'],
    ['a missing target endpoint', { targetEndpointArn: undefined }, 'targetEndpointArn'],
    ['a plugin DMS does not know', { plugin: 'decoderbufs' }, 'plugin'],
    ['a slot name PostgreSQL would reject', { slotName: 'slot-1' }, 'slotName'],
  ])(
    'rejects %s with an InvalidInputError naming the field, before any call',
    async (_case, change, field) => {
      const pg = source();

      const error = await failure(invoke({ ...INPUT, ...change }, pg));

      expect(error).toBeInstanceOf(InvalidInputError);
      expect(error).toMatchObject({ name: 'InvalidInputError', field });
      expect(dmsMock).not.toReceiveAnyCommand();
      expect(secretsManager).not.toHaveReceivedAnyCommand();
      expect(pg.configs).toEqual([]);
    },
  );
});
