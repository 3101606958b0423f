import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { handler, type InspectSlotResult } from '../../functions/inspect-slot.js';
import { SourceTlsError, SourceUnreachableError } from '../../src/adapters/pg/client.js';
import { SlotNotFoundError } from '../../src/core/slot-errors.js';
import { lambdaTestContext } from '../support/lambda-context.js';
import { freePort, type PgNode, primaryForFile } from '../support/pg.js';
import { loopbackSecret } from '../support/secrets.js';

const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:dms-cdc/local-source-AbCdEf';

// The real handler, as Lambda would load it; only Secrets Manager is replaced.
const secretsManager = mockClient(SecretsManagerClient);
let primary: PgNode;

beforeAll(async () => {
  primary = await primaryForFile({ name: 'inspect-slot' });
  await primary.query(`SELECT pg_create_logical_replication_slot('dms_slot', 'test_decoding')`);
  await primary.query('CREATE TABLE orders (id int PRIMARY KEY, note text)');
  await primary.query(`INSERT INTO orders SELECT g, repeat('x', 200) FROM generate_series(1, 2000) g`);
});

afterAll(() => {
  secretsManager.restore();
});

beforeEach(() => {
  secretsManager.reset();
  useSecret(primary.port);
  vi.stubEnv('AWS_REGION', 'us-east-1');
  vi.stubEnv('SOURCE_SECRET_ARN', SECRET_ARN);
  // Loopback only: connectionFromSecret refuses `disable` for any other host.
  vi.stubEnv('SOURCE_TLS', 'disable');
});

afterEach(() => {
  vi.unstubAllEnvs();
});

function useSecret(port: number): void {
  secretsManager.on(GetSecretValueCommand, { SecretId: SECRET_ARN }).resolves({
    SecretString: loopbackSecret(port),
  });
}

const context = (): Context => lambdaTestContext('inspect-slot-it');

async function inspect(event: unknown): Promise<InspectSlotResult> {
  return handler(event, context());
}

interface ServerView {
  current: string;
  restart_lsn: string;
  confirmed_flush_lsn: string;
  lag: string;
  retained: string;
  plugin: string;
  database: string;
  active: boolean;
  wal_status: string;
  failover: boolean;
  synced: boolean;
}

async function serverView(): Promise<ServerView> {
  const [row] = await primary.query<ServerView>(
    `SELECT pg_current_wal_lsn()::text AS current,
            restart_lsn::text, confirmed_flush_lsn::text,
            pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn)::text AS lag,
            pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)::text AS retained,
            plugin::text, database::text, active, wal_status, failover, synced
       FROM pg_replication_slots WHERE slot_name = 'dms_slot'`,
  );
  if (!row) throw new Error('dms_slot is missing from pg_replication_slots');
  return row;
}

describe('inspect-slot against PostgreSQL 17', () => {
  it('reports the LSNs pg_replication_slots holds and the lag pg_wal_lsn_diff computes', async () => {
    // The server can write WAL on its own (checkpoints, standby snapshots): compare only a reading
    // taken while pg_current_wal_lsn() stood still on both sides of the handler call.
    for (let attempt = 1; ; attempt += 1) {
      const before = await serverView();
      const result = await inspect({ slotName: 'dms_slot' });
      const after = await serverView();
      if (before.current !== after.current && attempt < 10) continue;
      expect(before.current).toBe(after.current);

      expect(result.found).toBe(true);
      expect(result.slot).toMatchObject({
        slotName: 'dms_slot',
        slotType: 'logical',
        plugin: 'test_decoding',
        database: 'postgres',
        temporary: false,
        active: false,
        activePid: null,
        walStatus: before.wal_status,
        failover: false,
        synced: false,
        inRecovery: false,
        restartLsn: before.restart_lsn,
        confirmedFlushLsn: before.confirmed_flush_lsn,
        serverLsn: before.current,
        lagBytes: Number(before.lag),
        retainedWalBytes: Number(before.retained),
      });
      // 2000 rows of 200 bytes were written after the slot was created and nothing consumed them.
      expect(result.slot.lagBytes).toBeGreaterThan(400_000);
      break;
    }
  });

  it('closes its connection after the invocation', async () => {
    await inspect({ slotName: 'dms_slot' });
    const open = await primary.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'dms-cdc-inspect-slot'`,
    );
    expect(open).toEqual([{ n: 0 }]);
  });

  it('throws SlotNotFoundError for a slot the server does not have', async () => {
    await expect(inspect({ slotName: 'no_such_slot' })).rejects.toSatisfy(
      (error: unknown) =>
        error instanceof SlotNotFoundError &&
        error.name === 'SlotNotFoundError' &&
        // The remedy rides in the message (remedyInMessage): Lambda serialises only the name and message.
        error.message ===
          `replication slot "no_such_slot" does not exist on postgres@127.0.0.1:${primary.port}/postgres (tls disable)` +
            ` Remedy: ${error.remedy}`,
    );
  });

  it('fails with SourceTlsError when TLS is required and the server offers none', async () => {
    vi.stubEnv('SOURCE_TLS', 'verify-full');
    await expect(inspect({ slotName: 'dms_slot' })).rejects.toBeInstanceOf(SourceTlsError);
  });

  it('fails with SourceUnreachableError when nothing listens on the port', async () => {
    const closed = await freePort();
    secretsManager.reset();
    useSecret(closed);
    await expect(inspect({ slotName: 'dms_slot' })).rejects.toMatchObject({
      name: 'SourceUnreachableError',
      message: expect.stringContaining(`127.0.0.1:${closed}`),
    });
    await expect(inspect({ slotName: 'dms_slot' })).rejects.toBeInstanceOf(SourceUnreachableError);
  });
});
