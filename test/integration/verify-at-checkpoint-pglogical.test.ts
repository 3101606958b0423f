import { Logger } from '@aws-lambda-powertools/logger';
import pg from 'pg';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeHandler as verifyRowCounts } from '../../functions/verify-row-counts.js';
import { LocalSecretStore } from '../../src/adapters/local/secret-store.js';
import { ensureSlot } from '../../src/adapters/pg/slot-admin.js';
import { lambdaContext } from '../../src/local/stepfunctions/lambda.js';
import { selectionMappings } from '../../src/local/table-mappings.js';
import type { Dms, Task } from '../../src/ports/dms.js';
import { type PgNode, primaryForFile } from '../support/pg.js';
import { pglogicalPrimary } from '../support/pglogical-request.js';

/**
 * Strict verification against a pglogical slot on PostgreSQL 15 (the system binaries with the Debian
 * pglogical package): the temporary copy is decoded with test_decoding whatever the slot's plugin, and
 * the statements run on 15 as on 17.
 */

const TASK_ARN = 'arn:aws:dms:us-east-1:123456789012:task:PGLOGICALVERIFY';
const MAPPINGS = selectionMappings({ name: 'sales', schema: 'sales' });

let source: PgNode;
let target: PgNode;

beforeAll(async () => {
  [source, target] = await Promise.all([pglogicalPrimary('pgl-src'), primaryForFile({ name: 'pgl-tgt' })]);
  const schema = 'CREATE SCHEMA sales; CREATE TABLE sales.orders (id int PRIMARY KEY, amount numeric)';
  await Promise.all([source.query(schema), target.query(schema)]);
});

describe('strict verification on a pglogical slot (PostgreSQL 15)', () => {
  it('decodes a test_decoding copy of the slot and leaves the slot as it was', async () => {
    const connect = async () => {
      const client = new pg.Client(source.connectionConfig());
      await client.connect();
      return client;
    };
    await ensureSlot(connect, {
      slotName: 'dms_pgl_slot',
      plugin: 'pglogical',
      database: 'postgres',
      allowCreate: true,
      failover: false,
      timeoutMs: 10_000,
      source: 'pg15',
      pglogical: {
        nodeName: 'dms_source',
        dsn: `host=127.0.0.1 port=${source.port} dbname=postgres`,
        tables: [{ schema: 'sales', table: 'orders' }],
      },
    });
    // What the task applied: the first 100 rows, then it stopped at the position after them.
    const load = 'INSERT INTO sales.orders SELECT g, g FROM generate_series(1, 100) g';
    await Promise.all([source.query(load), target.query(load)]);
    const [position] = await source.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn');
    await source.query('INSERT INTO sales.orders SELECT g, g FROM generate_series(101, 105) g');
    await source.query('DELETE FROM sales.orders WHERE id IN (1, 2)');
    const slotBefore = await source.query(
      `SELECT slot_name, plugin, restart_lsn::text, confirmed_flush_lsn::text FROM pg_replication_slots`,
    );
    const dms = {
      describeTask: async (arn: string) =>
        ({
          arn,
          status: 'stopped',
          recoveryCheckpoint: `checkpoint:V1#3#${position?.lsn}#0#0#*#0#0`,
        }) as Task,
    } as unknown as Dms;
    const secrets = new LocalSecretStore();

    const result = await verifyRowCounts({
      secrets,
      dms,
      logger: new Logger({ serviceName: 'dms-cdc-it', logLevel: 'SILENT' }),
      env: { SOURCE_TLS: 'disable', TARGET_TLS: 'disable' },
    })(
      {
        source: { secretArn: secrets.register('pgl-src', source.url()), database: 'postgres' },
        target: { secretArn: secrets.register('pgl-tgt', target.url()), database: 'postgres' },
        tableMappings: MAPPINGS,
        strict: true,
        taskArn: TASK_ARN,
        slotName: 'dms_pgl_slot',
      },
      lambdaContext('verify-row-counts'),
    );

    expect(result.tables).toEqual([
      {
        name: 'sales.orders',
        sourceRows: 103,
        targetRows: 100,
        expectedTargetRows: 100,
        postCheckpointDelta: 3,
        truncatedAfterCheckpoint: false,
      },
    ]);
    expect(result.mismatchedTables).toBe(0);
    expect(
      await source.query(
        `SELECT slot_name, plugin, restart_lsn::text, confirmed_flush_lsn::text FROM pg_replication_slots`,
      ),
    ).toEqual(slotBefore);
    expect(slotBefore).toMatchObject([{ slot_name: 'dms_pgl_slot', plugin: 'pglogical' }]);
  });
});
