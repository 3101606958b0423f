import 'aws-sdk-client-mock-vitest/extend';
import {
  DatabaseMigrationServiceClient,
  DescribeEndpointsCommand,
  DescribeReplicationTasksCommand,
  type Endpoint,
  type ReplicationTask,
  ResourceNotFoundFault,
} from '@aws-sdk/client-database-migration-service';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import pg from 'pg';
import { beforeEach, describe, expect, it } from 'vitest';
import { type DecideRecoveryResult, makeHandler } from '../../../functions/decide-recovery.js';
import { SourceUnreachableError } from '../../../src/adapters/pg/client.js';
import { InvalidInputError } from '../../../src/core/errors.js';
import {
  awsDms,
  type FakePg,
  failure,
  fakePg,
  isSlotQuery,
  lambdaContext,
  PASSWORD,
  SECRET,
  SOURCE_ENDPOINT_ARN,
  SOURCE_SECRET_ARN,
  sdkTask,
  slotRow,
  sourceSecretTest,
  TASK_ARN,
  testLogger,
} from './support.js';

const dmsMock = mockClient(DatabaseMigrationServiceClient);
const { secretsManager: secretsMock, logged, secretStore } = sourceSecretTest();
const NOW = Date.parse('2026-03-01T12:00:00.000Z');

const recoverInput = {
  taskArn: TASK_ARN,
  source: { secretArn: SOURCE_SECRET_ARN, database: 'orders' },
  slotName: 'dms_slot',
  replacement: { identifierPrefix: 'orders', sourceName: 'orders-db' },
};

function invoke(event: unknown, source: FakePg, now = NOW): Promise<DecideRecoveryResult> {
  return makeHandler({
    dms: awsDms(),
    secrets: secretStore(),
    connect: source.connect,
    clock: { now: () => now, sleep: async () => undefined },
    logger: testLogger(),
    env: {},
  })(event, lambdaContext());
}

/** A task DMS no longer restarts by itself (RecoverableErrorCount 0), so a RECOVERABLE_ERROR is the machine's to resume. */
function failedTask(overrides: Parameters<typeof sdkTask>[0] = {}) {
  return sdkTask({
    ReplicationTaskSettings: JSON.stringify({ ErrorBehavior: { RecoverableErrorCount: 0 } }),
    Status: 'failed',
    StopReason: 'Stop Reason RECOVERABLE_ERROR',
    LastFailureMessage: 'Last Error connection lost',
    RecoveryCheckpoint: 'checkpoint:V1#27#000004AF/B00000D0#0#0#*#0#121',
    ...overrides,
  });
}

/** The task's source endpoint as DescribeEndpoints returns it: by default it names the slot being recovered. */
function sourceEndpoint(settings: Endpoint['PostgreSQLSettings'] = {}): Endpoint {
  return {
    EndpointArn: SOURCE_ENDPOINT_ARN,
    EndpointIdentifier: 'cutover-src-orders',
    EndpointType: 'source',
    EngineName: 'postgres',
    Status: 'active',
    PostgreSQLSettings: {
      DatabaseName: 'orders',
      SlotName: 'dms_slot',
      PluginName: 'test-decoding',
      ...settings,
    },
  };
}

function taskIs(task: ReplicationTask): void {
  dmsMock.on(DescribeReplicationTasksCommand).resolves({ ReplicationTasks: [task] });
}

beforeEach(() => {
  dmsMock.reset();
  taskIs(failedTask());
  dmsMock.on(DescribeEndpointsCommand).resolves({ Endpoints: [sourceEndpoint()] });
});

describe('decide-recovery handler', () => {
  it('observes the task and the slot on the writer and returns RESUME with every field the machine reads', async () => {
    const source = fakePg((sql) => (isSlotQuery(sql) ? [slotRow()] : new Error(`unexpected ${sql}`)));

    const result = await invoke({ input: recoverInput }, source);

    expect(result.decision).toMatchObject({
      kind: 'RESUME',
      lsns: {
        checkpoint: '4AF/B00000D0',
        confirmedFlush: '4AF/B00000D0',
        restart: '4AF/B0000028',
        server: '4AF/B0001000',
      },
      atRisk: null,
      holder: null,
    });
    expect(result.task).toEqual({
      taskArn: TASK_ARN,
      taskIdentifier: 'cutover-cdc-orders-dms-slot-1a2b3c4d',
      status: 'failed',
      stopReason: 'Stop Reason RECOVERABLE_ERROR',
      lastFailureMessage: 'Last Error connection lost',
      checkpointLsn: '4AF/B00000D0',
      cdcStartPosition: '4AF/B00000D0',
    });
    expect(result.slot).toMatchObject({
      slotName: 'dms_slot',
      active: false,
      confirmedFlushLsn: '4AF/B00000D0',
    });
    expect(result.source).toEqual({
      reachable: true,
      describe: `dms_user@${SECRET.host}:5432/orders (tls verify-full)`,
      serverLsn: '4AF/B0001000',
      inRecovery: false,
    });
    expect(result.settings).toMatchObject({ pollSeconds: 10, failover: false, terminateStaleBackend: false });
    expect(result).toMatchObject({
      slotWait: null,
      newTask: null,
      newTaskProblem: null,
      decidedAt: '2026-03-01T12:00:00.000Z',
    });
    // Secrets Manager by the input's ARN, TLS verified, the session closed, the password never logged.
    expect(secretsMock).toHaveReceivedCommandWith(GetSecretValueCommand, { SecretId: SOURCE_SECRET_ARN });
    expect(source.configs[0]).toMatchObject({
      application_name: 'dms-cdc-decide-recovery',
      ssl: { rejectUnauthorized: true },
    });
    expect(source.open()).toBe(0);
    expect(logged.join('')).not.toContain(PASSWORD);
    expect(JSON.parse(JSON.stringify(result))).toEqual(result);
  });

  it('reads the writer position when the slot is missing, so the gap has both ends', async () => {
    const source = fakePg((sql) =>
      isSlotQuery(sql) ? [] : [{ server_lsn: '4AF/C0000000', in_recovery: false }],
    );

    const result = await invoke({ input: { ...recoverInput, failover: true } }, source);

    expect(result.decision).toMatchObject({
      kind: 'DATA_GAP',
      atRisk: { from: '4AF/B00000D0', to: '4AF/C0000000' },
    });
    expect(result.slot).toBeNull();
    expect(result.source.serverLsn).toBe('4AF/C0000000');
    expect(source.queries).toHaveLength(2);
  });

  it('throws SourceUnreachableError when the source cannot be reached, for the machine to retry', async () => {
    const refused = fakePg(() => []);
    const connect: FakePg['connect'] = async () => {
      throw new SourceUnreachableError('cannot reach dms_user@host:5432/orders (ECONNREFUSED)');
    };

    const error = await failure(invoke({ input: recoverInput }, { ...refused, connect }));

    expect(error).toBeInstanceOf(SourceUnreachableError);
  });

  it('treats a session the server ends (SQLSTATE 57P01) as unreachable too', async () => {
    const shutdown = Object.assign(
      new pg.DatabaseError('terminating connection due to administrator command', 0, 'error'),
      {
        code: '57P01',
      },
    );
    const source = fakePg(() => shutdown);

    const error = await failure(invoke({ input: recoverInput }, source));

    expect(error).toBeInstanceOf(SourceUnreachableError);
    expect(error.message).toContain('SQLSTATE 57P01');
    expect(source.open()).toBe(0);
  });

  it('decides without the slot only when the retries are exhausted: ESCALATE with the last error, no connection', async () => {
    const source = fakePg(() => new Error('must not connect'));

    const result = await invoke(
      {
        input: recoverInput,
        previous: null,
        sourceUnreachable: true,
        unreachableCause: JSON.stringify({
          errorType: 'SourceUnreachableError',
          errorMessage: 'cannot reach (ECONNREFUSED)',
        }),
      },
      source,
    );

    expect(result.decision.kind).toBe('ESCALATE');
    expect(result.decision.reason).toContain('Last error: cannot reach (ECONNREFUSED)');
    expect(result.source.reachable).toBe(false);
    expect(source.configs).toHaveLength(0);
  });

  it('a task that no longer exists is an observation: a new task from the intact slot', async () => {
    dmsMock
      .on(DescribeReplicationTasksCommand)
      .rejects(new ResourceNotFoundFault({ message: 'not found', $metadata: {} }));
    const source = fakePg((sql) => (isSlotQuery(sql) ? [slotRow()] : []));

    const result = await invoke({ input: recoverInput }, source);

    expect(result.decision.kind).toBe('NEW_TASK_FROM_SLOT');
    expect(result.task).toBeNull();
    // The old task's instance and endpoints are gone with it: the input must give them.
    expect(result.newTask).toBeNull();
    expect(result.newTaskProblem).toContain('replacement.replicationInstanceArn');
  });

  it('builds the create-cdc-task payload for a FATAL_ERROR task, at the decided position', async () => {
    dmsMock.on(DescribeReplicationTasksCommand).resolves({
      ReplicationTasks: [failedTask({ StopReason: 'Stop Reason FATAL_ERROR' })],
    });
    const source = fakePg((sql) => (isSlotQuery(sql) ? [slotRow()] : []));

    const result = await invoke({ input: recoverInput }, source);

    expect(result.decision).toMatchObject({
      kind: 'NEW_TASK_FROM_SLOT',
      lsns: { startPosition: '4AF/B00000D0' },
    });
    expect(result.newTask).toMatchObject({
      identifierPrefix: 'orders',
      sourceName: 'orders-db',
      slotName: 'dms_slot',
      cdcStartPosition: '4AF/B00000D0',
      sourceSecretArn: SOURCE_SECRET_ARN,
      databaseName: 'orders',
    });
  });

  it('continues the wait for a held slot from the previous decision and expires it at the timeout', async () => {
    const held = fakePg((sql) =>
      isSlotQuery(sql) ? [slotRow({ active: true, active_pid: 4242, application_name: 'old-dms' })] : [],
    );
    const input = {
      ...recoverInput,
      policy: { terminateStaleBackend: true },
      timing: { slotWaitTimeoutSeconds: 60 },
    };

    const first = await invoke({ input }, held);
    const second = await invoke({ input, previous: first }, held, NOW + 60_000);

    expect(first.decision).toMatchObject({
      kind: 'WAIT_FOR_SLOT',
      holder: { pid: 4242, application: 'old-dms', terminate: true },
    });
    expect(first.slotWait).toEqual({ since: '2026-03-01T12:00:00.000Z', polls: 1, expired: false });
    expect(second.slotWait).toEqual({ since: '2026-03-01T12:00:00.000Z', polls: 2, expired: true });
  });

  it('refuses an input the machine cannot act on, naming the field', async () => {
    const error = await failure(
      invoke(
        { input: { ...recoverInput, slotName: 'Bad-Slot' } },
        fakePg(() => []),
      ),
    );

    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error.message).toContain('slotName');
  });
});

describe('decide-recovery: what DMS reports that rules a resume out', () => {
  const intactSlot = () => fakePg((sql) => (isSlotQuery(sql) ? [slotRow()] : []));

  it('reads the task source endpoint by its ARN', async () => {
    await invoke({ input: recoverInput }, intactSlot());

    expect(dmsMock).toHaveReceivedCommandWith(DescribeEndpointsCommand, {
      Filters: [{ Name: 'endpoint-arn', Values: [SOURCE_ENDPOINT_ARN] }],
    });
  });

  it.each([
    ['names another slot', { SlotName: 'other_slot' }, 'now names slot other_slot, not dms_slot'],
    ['names no slot', { SlotName: undefined }, 'names no slot (PostgreSQLSettings.SlotName is empty)'],
    ['reads another database', { DatabaseName: 'billing' }, 'now reads database billing, not orders'],
  ])(
    'a source endpoint that %s: NEW_TASK_FROM_SLOT, never a resume, and no new task on that endpoint',
    async (_label, settings, why) => {
      dmsMock.on(DescribeEndpointsCommand).resolves({ Endpoints: [sourceEndpoint(settings)] });

      const result = await invoke({ input: recoverInput }, intactSlot());

      expect(result.decision.kind).toBe('NEW_TASK_FROM_SLOT');
      expect(result.decision.reason).toContain(why);
      expect(result.newTask).toBeNull();
      expect(result.newTaskProblem).toContain('replacement.sourceEndpointArn');
    },
  );

  it('a source endpoint that names another slot, with a replacement endpoint given: the new task uses that one', async () => {
    dmsMock
      .on(DescribeEndpointsCommand)
      .resolves({ Endpoints: [sourceEndpoint({ SlotName: 'other_slot' })] });
    const replacementEndpoint = SOURCE_ENDPOINT_ARN.replace('SOURCE1', 'SOURCE2');
    const input = {
      ...recoverInput,
      replacement: { ...recoverInput.replacement, sourceEndpointArn: replacementEndpoint },
    };

    const result = await invoke({ input }, intactSlot());

    expect(result.newTask).toMatchObject({ sourceEndpointArn: replacementEndpoint, slotName: 'dms_slot' });
  });

  it('a source endpoint that no longer exists: NEW_TASK_FROM_SLOT', async () => {
    dmsMock
      .on(DescribeEndpointsCommand)
      .rejects(new ResourceNotFoundFault({ message: 'Endpoint not found', $metadata: {} }));

    const result = await invoke({ input: recoverInput }, intactSlot());

    expect(result.decision).toMatchObject({ kind: 'NEW_TASK_FROM_SLOT' });
    expect(result.decision.reason).toContain('its source endpoint no longer exists');
  });

  it('a task that failed to move (failed-move): NEW_TASK_FROM_SLOT at its checkpoint, not a wait or an escalation', async () => {
    taskIs(failedTask({ Status: 'failed-move', StopReason: undefined }));

    const result = await invoke({ input: recoverInput }, intactSlot());

    expect(result.decision).toMatchObject({
      kind: 'NEW_TASK_FROM_SLOT',
      lsns: { startPosition: '4AF/B00000D0' },
    });
    expect(result.decision.reason).toContain('failed-move');
  });
});

describe('decide-recovery: a task DMS restarts by itself', () => {
  const recoverable = (settings?: object) =>
    failedTask({ ReplicationTaskSettings: settings === undefined ? undefined : JSON.stringify(settings) });
  const input = { ...recoverInput, timing: { taskWaitTimeoutSeconds: 60 } };
  const slot = (active = false, confirmed = '4AF/B00000D0') =>
    fakePg((sql) =>
      isSlotQuery(sql)
        ? [
            slotRow({
              confirmed_flush_lsn: confirmed,
              ...(active && { active: true, active_pid: 5151, application_name: 'dms' }),
            }),
          ]
        : [],
    );

  it('a RECOVERABLE_ERROR under DMS defaults (RecoverableErrorCount -1): waits for DMS instead of resuming', async () => {
    taskIs(recoverable({ ErrorBehavior: { FailOnNoTablesCaptured: true } }));

    const result = await invoke({ input }, slot());

    expect(result.decision.kind).toBe('WAIT_FOR_TASK');
    expect(result.taskWait).toEqual({ since: '2026-03-01T12:00:00.000Z', polls: 1 });
    expect(result.settings).toMatchObject({ taskWaitSeconds: 30, taskWaitTimeoutSeconds: 60 });
  });

  it('RecoverableErrorCount 0 (DMS never restarts it): RESUME at once', async () => {
    taskIs(recoverable({ ErrorBehavior: { RecoverableErrorCount: 0 } }));

    expect((await invoke({ input }, slot())).decision.kind).toBe('RESUME');
  });

  it('DMS did not restart it within the wait: RESUME', async () => {
    taskIs(recoverable());
    const first = await invoke({ input }, slot());

    const later = await invoke({ input, previous: first }, slot(), NOW + 60_000);

    expect(later.decision.kind).toBe('RESUME');
    expect(later.decision.reason).toContain('DMS did not restart it within 60 s');
    expect(later.taskWait).toBeNull();
  });

  it('DMS is starting it, its own walsender on the slot: keeps waiting, never WAIT_FOR_SLOT (no terminate)', async () => {
    taskIs(recoverable());
    const first = await invoke({ input: { ...input, policy: { terminateStaleBackend: true } } }, slot());
    taskIs(failedTask({ Status: 'starting', StopReason: undefined }));

    const second = await invoke(
      { input: { ...input, policy: { terminateStaleBackend: true } }, previous: first },
      slot(true),
      NOW + 10_000,
    );

    expect(second.decision).toMatchObject({ kind: 'WAIT_FOR_TASK', holder: null });
    expect(second.taskWait).toEqual({ since: '2026-03-01T12:00:00.000Z', polls: 2 });
    expect(second.slotWait).toBeNull();
  });

  it('DMS restarted it and it reads the slot: NO_ACTION marked restartedByDms, for the machine to confirm the slot advances', async () => {
    taskIs(recoverable());
    const first = await invoke({ input }, slot());
    taskIs(failedTask({ Status: 'running', StopReason: undefined }));

    const second = await invoke({ input, previous: first }, slot(true, '4AF/B0000F00'), NOW + 10_000);

    expect(second.decision.kind).toBe('NO_ACTION');
    expect(second.restartedByDms).toBe(true);
    expect(second.taskWait).toBeNull();
  });

  it('running again with its slot active but not advanced: looks again, never "recovered" on a held slot alone', async () => {
    taskIs(recoverable());
    const first = await invoke({ input }, slot());
    taskIs(failedTask({ Status: 'running', StopReason: undefined }));

    const second = await invoke({ input, previous: first }, slot(true), NOW + 10_000);
    const late = await invoke({ input, previous: second }, slot(true), NOW + 61_000);

    expect(second.decision.kind).toBe('WAIT_FOR_TASK');
    expect(late.decision.kind).toBe('ESCALATE');
    expect(late.decision.reason).toContain('is not its walsender');
  });

  it('still starting past the wait: ESCALATE', async () => {
    taskIs(failedTask({ Status: 'starting', StopReason: undefined }));
    const first = await invoke({ input }, slot(true));

    const later = await invoke({ input, previous: first }, slot(true), NOW + 61_000);

    expect(first.decision.kind).toBe('WAIT_FOR_TASK');
    expect(later.decision.kind).toBe('ESCALATE');
    expect(later.decision.reason).toContain('still starting after 61 s');
  });
});
