import 'aws-sdk-client-mock-vitest/extend';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { describe, expect, it } from 'vitest';
import { type EnsureSlotDeps, makeHandler } from '../../../functions/ensure-slot.js';
import { InvalidInputError } from '../../../src/core/errors.js';
import { SlotMismatchError, SlotNotFoundError } from '../../../src/core/slot-errors.js';
import {
  type FakePg,
  failure,
  fakePg,
  isSlotQuery,
  lambdaContext,
  PASSWORD,
  SECRET,
  SOURCE_SECRET_ARN,
  slotRow,
  sourceSecretTest,
  testLogger,
} from './support.js';

const { secretsManager, logged, secretStore } = sourceSecretTest();

/** A source where the slot exists from the start, or only once pg_create_logical_replication_slot ran. */
function source(options: { exists: boolean; row?: Record<string, unknown> }): FakePg {
  let exists = options.exists;
  return fakePg((sql) => {
    if (isSlotQuery(sql)) return exists ? [slotRow(options.row)] : [];
    // The creator session's first read: its PID and whether the function takes failover (17+).
    if (sql.includes('pg_backend_pid()')) return [{ pid: 4242, hasFailover: true }];
    if (sql.includes('pg_create_logical_replication_slot')) {
      exists = true;
      return [{ lsn: '4AF/B00000D0' }];
    }
    return new Error(`unexpected statement: ${sql}`);
  });
}

function deps(pg: FakePg, env: Record<string, string> = {}): Partial<EnsureSlotDeps> {
  return {
    secrets: secretStore(),
    connect: pg.connect,
    logger: testLogger(),
    env: { SOURCE_SECRET_ARN, ...env },
  };
}

function invoke(event: unknown, d: Partial<EnsureSlotDeps>, remainingMs = 30_000) {
  return makeHandler(d)(event, lambdaContext(remainingMs));
}

const creations = (pg: FakePg) =>
  pg.queries.filter(
    (q) => q.sql.includes('pg_create_logical_replication_slot') && !q.sql.includes('pg_backend_pid()'),
  );

describe('ensure-slot handler', () => {
  it('finds an existing slot over verified TLS and reports it with LSNs as text, creating nothing', async () => {
    const pg = source({ exists: true });

    const result = await invoke({ slotName: 'dms_slot' }, deps(pg));

    expect(secretsManager).toHaveReceivedCommandExactlyOnceWith(GetSecretValueCommand, {
      SecretId: SOURCE_SECRET_ARN,
    });
    expect(pg.configs[0]).toMatchObject({
      host: SECRET.host,
      database: 'orders',
      application_name: 'dms-cdc-ensure-slot',
      ssl: { rejectUnauthorized: true, servername: SECRET.host },
    });
    expect(creations(pg)).toEqual([]);
    expect(pg.open()).toBe(0);
    expect(result).toMatchObject({
      slotName: 'dms_slot',
      created: false,
      confirmedFlushLsn: '4AF/B00000D0',
      restartLsn: '4AF/B0000028',
      pglogical: null,
      slot: { slotName: 'dms_slot', plugin: 'test_decoding', database: 'orders', active: false },
    });
    expect(JSON.parse(JSON.stringify(result))).toStrictEqual(result);
  });

  it('refuses a missing slot with SlotNotFoundError unless the input allows creating it', async () => {
    const pg = source({ exists: false });

    const error = await failure(invoke({ slotName: 'dms_slot' }, deps(pg)));

    expect(error).toBeInstanceOf(SlotNotFoundError);
    expect(error.name).toBe('SlotNotFoundError');
    expect(creations(pg)).toEqual([]);
    expect(pg.open()).toBe(0);
  });

  it('creates the slot with test_decoding (and failover on 17 when asked) when allowCreate is true', async () => {
    const pg = source({ exists: false });

    const result = await invoke({ slotName: 'dms_slot', allowCreate: true, failover: true }, deps(pg));

    expect(creations(pg).map((q) => q.params)).toEqual([['dms_slot', 'test_decoding', true]]);
    expect(result).toMatchObject({ created: true, confirmedFlushLsn: '4AF/B00000D0' });
    expect(pg.open()).toBe(0);
  });

  it('is idempotent: a second run finds the slot the first one made and creates nothing', async () => {
    const pg = source({ exists: false });
    const first = await invoke({ slotName: 'dms_slot', allowCreate: true }, deps(pg));

    const second = await invoke({ slotName: 'dms_slot', allowCreate: true }, deps(pg));

    expect(creations(pg)).toHaveLength(1);
    expect(second).toStrictEqual({ ...first, created: false });
  });

  it('refuses an existing slot made with another plugin', async () => {
    const pg = source({ exists: true, row: { plugin: 'pgoutput' } });

    const error = await failure(invoke({ slotName: 'dms_slot' }, deps(pg)));

    expect(error).toBeInstanceOf(SlotMismatchError);
    expect(error).toMatchObject({ name: 'SlotMismatchError', field: 'plugin', observed: 'pgoutput' });
  });

  it('never logs the password', async () => {
    await invoke({ slotName: 'dms_slot' }, deps(source({ exists: true })));

    expect(logged.join('')).toContain('ensuring replication slot');
    expect(logged.join('')).not.toContain(PASSWORD);
  });

  it.each([
    ['a missing slotName', {}, 'slotName'],
    ['a slot name PostgreSQL would reject', { slotName: 'Dms-Slot' }, 'slotName'],
    ['an unknown plugin', { slotName: 'dms_slot', plugin: 'pgoutput' }, 'plugin'],
    ['allowCreate as text', { slotName: 'dms_slot', allowCreate: 'true' }, 'allowCreate'],
    ['a zero timeout', { slotName: 'dms_slot', timeoutSeconds: 0 }, 'timeoutSeconds'],
    ['pglogical without its tables', { slotName: 'dms_slot', plugin: 'pglogical' }, 'pglogical'],
    [
      'pglogical with an empty table list',
      { slotName: 'dms_slot', plugin: 'pglogical', pglogical: { tables: [] } },
      'pglogical.tables',
    ],
  ])(
    'rejects %s with an InvalidInputError naming the field, before reading the secret',
    async (_c, event, field) => {
      const pg = source({ exists: true });

      const error = await failure(invoke(event, deps(pg)));

      expect(error).toBeInstanceOf(InvalidInputError);
      expect(error).toMatchObject({ name: 'InvalidInputError', field });
      expect(secretsManager).not.toHaveReceivedAnyCommand();
      expect(pg.configs).toEqual([]);
    },
  );

  it('names SOURCE_TLS when it is not a known mode', async () => {
    const error = await failure(
      invoke({ slotName: 'dms_slot' }, deps(source({ exists: true }), { SOURCE_TLS: 'on' })),
    );

    expect(error).toMatchObject({ name: 'InvalidInputError', field: 'SOURCE_TLS' });
  });
});
