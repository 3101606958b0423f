import 'aws-sdk-client-mock-vitest/extend';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { makeHandler } from '../../../functions/terminate-slot-holder.js';
import {
  SlotHolderTerminationRefusedError,
  TerminationNotAllowedError,
} from '../../../src/core/recovery/errors.js';
import {
  type FakePg,
  failure,
  fakePg,
  isSlotQuery,
  lambdaContext,
  SOURCE_SECRET_ARN,
  slotRow,
  sourceSecretTest,
  testLogger,
} from './support.js';

const { secretsManager: secretsMock, secretStore } = sourceSecretTest();

const event = (overrides: Record<string, unknown> = {}) => ({
  source: { secretArn: SOURCE_SECRET_ARN, database: 'orders' },
  slotName: 'dms_slot',
  pid: 4242,
  allowed: true,
  ...overrides,
});

function invoke(input: unknown, source: FakePg) {
  return makeHandler({
    secrets: secretStore(),
    connect: source.connect,
    logger: testLogger(),
    env: {},
  })(input, lambdaContext());
}

const isTerminate = (sql: string) => sql.includes('pg_terminate_backend');

describe('terminate-slot-holder handler', () => {
  it('signals that PID only in the statement that checks it still holds the slot, and reports the slot after', async () => {
    const source = fakePg((sql) =>
      isTerminate(sql)
        ? [{ pid: 4242, application_name: 'old-dms', terminated: true }]
        : isSlotQuery(sql)
          ? [slotRow()]
          : [],
    );

    const result = await invoke(event(), source);

    expect(result).toEqual({
      terminated: true,
      pid: 4242,
      application: 'old-dms',
      slotActive: false,
      activePid: null,
    });
    const [terminate] = source.queries;
    expect(terminate?.sql).toMatch(/pg_terminate_backend\(s\.active_pid, \$3::bigint\)/);
    expect(terminate?.sql).toMatch(/WHERE s\.slot_name = \$1::text AND s\.active_pid = \$2::int/);
    expect(terminate?.params).toEqual(['dms_slot', 4242, 5000]);
    expect(source.configs[0]).toMatchObject({ application_name: 'dms-cdc-terminate-slot-holder' });
    expect(source.open()).toBe(0);
  });

  it('signals nothing when that PID no longer holds the slot (a new holder is never hit)', async () => {
    const source = fakePg((sql) =>
      isTerminate(sql) ? [] : isSlotQuery(sql) ? [slotRow({ active: true, active_pid: 5555 })] : [],
    );

    const result = await invoke(event(), source);

    expect(result).toEqual({
      terminated: false,
      pid: 4242,
      application: null,
      slotActive: true,
      activePid: 5555,
    });
  });

  it('refuses without the policy, before touching the source', async () => {
    const source = fakePg(() => []);

    const error = await failure(invoke(event({ allowed: false }), source));

    expect(error).toBeInstanceOf(TerminationNotAllowedError);
    expect(error.message).toContain('policy');
    expect(source.configs).toHaveLength(0);
    expect(secretsMock).not.toHaveReceivedCommand(GetSecretValueCommand);
  });

  it('names the missing privilege when the server refuses (SQLSTATE 42501)', async () => {
    const denied = Object.assign(new pg.DatabaseError('permission denied to terminate process', 0, 'error'), {
      code: '42501',
    });
    const source = fakePg(() => denied);

    const error = await failure(invoke(event(), source));

    expect(error).toBeInstanceOf(SlotHolderTerminationRefusedError);
    expect(error.message).toContain('pg_signal_backend');
    expect(source.open()).toBe(0);
  });
});
