import 'aws-sdk-client-mock-vitest/extend';
import { Logger } from '@aws-lambda-powertools/logger';
import { GetSecretValueCommand, ResourceNotFoundException } from '@aws-sdk/client-secrets-manager';
import type { Context } from 'aws-lambda';
import type pg from 'pg';
import { describe, expect, it } from 'vitest';
import { type InspectSlotDeps, makeHandler } from '../../../functions/inspect-slot.js';
import type { PgConnector, PgSession } from '../../../src/adapters/pg/client.js';
import { InvalidInputError } from '../../../src/core/errors.js';
import { SlotNotFoundError } from '../../../src/core/slot-errors.js';
import { lambdaTestContext } from '../../support/lambda-context.js';
import { failure, PASSWORD, SECRET, SOURCE_SECRET_ARN, slotRow, sourceSecretTest } from './support.js';

const SECRET_ARN = SOURCE_SECRET_ARN;
// One row as the slot adapter's statement returns it, of a slot that fails over with its primary.
const SLOT_ROW = slotRow({ failover: true });

interface FakeSource {
  readonly connect: PgConnector;
  readonly configs: pg.ClientConfig[];
  readonly queries: { sql: string; params: unknown[] }[];
  ended: number;
}

function fakeSource(rows: unknown[] | Error = [SLOT_ROW]): FakeSource {
  const source: FakeSource = {
    configs: [],
    queries: [],
    ended: 0,
    connect: async (config) => {
      source.configs.push(config);
      const session = {
        query: async (sql: string, params: unknown[]) => {
          source.queries.push({ sql, params });
          if (rows instanceof Error) throw rows;
          return { rows };
        },
        end: async () => {
          source.ended += 1;
        },
      };
      return session as unknown as PgSession;
    },
  };
  return source;
}

const lambdaContext = (): Context =>
  lambdaTestContext('dms-cdc-orchestrator-test-inspectSlot', 'c0ffee00-0000-4000-8000-000000000001');

const { secretsManager, logged, secretStore } = sourceSecretTest();

function deps(source: FakeSource, env: Record<string, string | undefined> = {}): InspectSlotDeps {
  return {
    secrets: secretStore(),
    connect: source.connect,
    logger: new Logger({ serviceName: 'dms-cdc-test', logLevel: 'DEBUG' }),
    env: { SOURCE_SECRET_ARN: SECRET_ARN, ...env },
  };
}

async function invoke(event: unknown, d: InspectSlotDeps) {
  return makeHandler(d)(event, lambdaContext());
}

describe('inspect-slot handler', () => {
  it('reads the secret named by SOURCE_SECRET_ARN, connects with verified TLS and reports the slot', async () => {
    const source = fakeSource();

    const result = await invoke({ slotName: 'dms_slot' }, deps(source));

    expect(secretsManager).toHaveReceivedCommandExactlyOnceWith(GetSecretValueCommand, {
      SecretId: SECRET_ARN,
    });
    expect(secretsManager.commandCalls(GetSecretValueCommand)[0]?.args[0].input).toEqual({
      SecretId: SECRET_ARN,
    });
    expect(source.configs).toEqual([
      expect.objectContaining({
        host: SECRET.host,
        port: 5432,
        database: 'orders',
        user: 'dms_user',
        password: PASSWORD,
        application_name: 'dms-cdc-inspect-slot',
        ssl: { rejectUnauthorized: true, servername: SECRET.host },
      }),
    ]);
    expect(source.queries).toHaveLength(1);
    expect(source.queries[0]?.params).toEqual(['dms_slot']);
    expect(source.ended).toBe(1);
    expect(result).toEqual({
      found: true,
      slot: {
        slotName: 'dms_slot',
        slotType: 'logical',
        plugin: 'test_decoding',
        database: 'orders',
        temporary: false,
        active: false,
        activePid: null,
        activeApplication: null,
        restartLsn: '4AF/B0000028',
        confirmedFlushLsn: '4AF/B00000D0',
        walStatus: 'reserved',
        safeWalSizeBytes: null,
        twoPhase: false,
        failover: true,
        synced: false,
        inactiveSince: '2026-01-02T03:04:05.678Z',
        serverLsn: '4AF/B0001000',
        inRecovery: false,
        lagBytes: 0x1000 - 0xd0,
        retainedWalBytes: 0x1000 - 0x28,
      },
    });
  });

  it('takes sourceSecretArn and database from the input over the environment and the secret', async () => {
    const source = fakeSource();
    const other = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:other-source-ZyXwVu';

    await invoke({ slotName: 'dms_slot', database: 'inventory', sourceSecretArn: other }, deps(source));

    expect(secretsManager).toHaveReceivedCommandExactlyOnceWith(GetSecretValueCommand, { SecretId: other });
    expect(source.configs[0]?.database).toBe('inventory');
  });

  it('connects without verification only when SOURCE_TLS=require says so', async () => {
    const source = fakeSource();
    await invoke({ slotName: 'dms_slot' }, deps(source, { SOURCE_TLS: 'require' }));
    expect(source.configs[0]?.ssl).toEqual({ rejectUnauthorized: false });
  });

  it.each([
    ['a missing slotName', {}, 'slotName'],
    ['a slotName of the wrong type', { slotName: 42 }, 'slotName'],
    ['a slot name PostgreSQL would reject', { slotName: 'DMS-Slot' }, 'slotName'],
    ['an empty database', { slotName: 'dms_slot', database: '' }, 'database'],
    ['an empty sourceSecretArn', { slotName: 'dms_slot', sourceSecretArn: '' }, 'sourceSecretArn'],
    ['no payload at all', null, 'input'],
  ])(
    'rejects %s with an InvalidInputError naming the field, before any AWS call',
    async (_case, event, field) => {
      const source = fakeSource();

      const error = await failure(invoke(event, deps(source)));

      expect(error).toBeInstanceOf(InvalidInputError);
      expect(error).toMatchObject({ name: 'InvalidInputError', field });
      expect(error.message.startsWith(`${field}: `)).toBe(true);
      expect(secretsManager).not.toHaveReceivedAnyCommand();
      expect(source.configs).toEqual([]);
    },
  );

  it('names the setting when no secret is configured or SOURCE_TLS is not a known mode', async () => {
    const source = fakeSource();
    const noSecret = await failure(invoke({ slotName: 'dms_slot' }, { ...deps(source), env: {} }));
    expect(noSecret).toMatchObject({ name: 'InvalidInputError', field: 'sourceSecretArn' });

    const badTls = await failure(invoke({ slotName: 'dms_slot' }, deps(source, { SOURCE_TLS: 'prefer' })));
    expect(badTls).toMatchObject({ name: 'InvalidInputError', field: 'SOURCE_TLS' });
    expect(secretsManager).not.toHaveReceivedAnyCommand();
  });

  it('reports a malformed secret clearly without its value reaching the error or the logs', async () => {
    const truncated = JSON.stringify(SECRET).slice(0, -10);
    secretsManager.on(GetSecretValueCommand).resolves({ SecretString: truncated });
    const source = fakeSource();

    const error = await failure(invoke({ slotName: 'dms_slot' }, deps(source)));

    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error).toMatchObject({ name: 'InvalidInputError', field: 'sourceSecret' });
    // The remedy rides in the message: Lambda serialises only errorType and errorMessage.
    const { remedy } = error as InvalidInputError;
    expect(remedy).toMatch(/username, password, host, port and dbname/);
    expect(error.message).toBe(`sourceSecret: the secret value is not JSON Remedy: ${remedy}`);
    expectNoSecretIn(error);
    expect(source.configs).toEqual([]);
  });

  it('names the secret field that is wrong without echoing any value', async () => {
    secretsManager
      .on(GetSecretValueCommand)
      .resolves({ SecretString: JSON.stringify({ ...SECRET, host: 42, password: PASSWORD }) });

    const error = await failure(invoke({ slotName: 'dms_slot' }, deps(fakeSource())));

    expect(error).toMatchObject({ name: 'InvalidInputError', field: 'sourceSecret.host' });
    expectNoSecretIn(error);
  });

  it('refuses a binary secret', async () => {
    secretsManager.on(GetSecretValueCommand).resolves({ SecretBinary: new TextEncoder().encode(PASSWORD) });

    const error = await failure(invoke({ slotName: 'dms_slot' }, deps(fakeSource())));

    expect(error).toMatchObject({ name: 'InvalidInputError', field: 'sourceSecret' });
    expectNoSecretIn(error);
  });

  it('refuses SOURCE_TLS=disable for a host that is not loopback', async () => {
    const source = fakeSource();
    const error = await failure(invoke({ slotName: 'dms_slot' }, deps(source, { SOURCE_TLS: 'disable' })));
    expect(error).toMatchObject({ name: 'InvalidInputError', field: 'tls' });
    expect(source.configs).toEqual([]);
  });

  it('lets Secrets Manager errors through by their AWS name', async () => {
    secretsManager
      .on(GetSecretValueCommand)
      .rejects(
        new ResourceNotFoundException({ message: 'Secrets Manager cannot find the secret', $metadata: {} }),
      );

    const error = await failure(invoke({ slotName: 'dms_slot' }, deps(fakeSource())));

    expect(error.name).toBe('ResourceNotFoundException');
  });

  it('throws SlotNotFoundError with a remedy when the slot does not exist, and closes the client', async () => {
    const source = fakeSource([]);

    const error = await failure(invoke({ slotName: 'gone_slot' }, deps(source)));

    expect(error).toBeInstanceOf(SlotNotFoundError);
    expect(error).toMatchObject({ name: 'SlotNotFoundError', slotName: 'gone_slot' });
    const { remedy } = error as SlotNotFoundError;
    expect(remedy).toMatch(/confirmed_flush_lsn/);
    expect(error.message).toBe(
      `replication slot "gone_slot" does not exist on dms_user@${SECRET.host}:5432/orders (tls verify-full)` +
        ` Remedy: ${remedy}`,
    );
    expectNoSecretIn(error);
    expect(source.ended).toBe(1);
  });

  it('closes the client when the query fails', async () => {
    const source = fakeSource(new Error('canceling statement due to statement timeout'));

    const error = await failure(invoke({ slotName: 'dms_slot' }, deps(source)));

    expect(error.message).toBe('canceling statement due to statement timeout');
    expect(source.ended).toBe(1);
  });

  it('logs what it reads as structured JSON, never the password', async () => {
    await invoke({ slotName: 'dms_slot' }, deps(fakeSource()));

    const lines = logged.join('').trim().split('\n');
    const entries = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(entries).toContainEqual(
      expect.objectContaining({
        level: 'INFO',
        message: 'reading replication slot',
        slotName: 'dms_slot',
        source: `dms_user@${SECRET.host}:5432/orders (tls verify-full)`,
        secretId: SECRET_ARN,
        function_request_id: 'c0ffee00-0000-4000-8000-000000000001',
      }),
    );
    expect(logged.join('')).not.toContain(PASSWORD);
  });
});

function expectNoSecretIn(error: Error): void {
  const everything = [
    error.message,
    error.stack ?? '',
    String((error as { remedy?: unknown }).remedy ?? ''),
    JSON.stringify(error),
    ...logged,
  ].join('\n');
  expect(everything).not.toContain(PASSWORD);
}
