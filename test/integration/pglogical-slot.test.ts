import pg from 'pg';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeHandler as makeEnsureSlot } from '../../functions/ensure-slot.js';
import { LocalSecretStore } from '../../src/adapters/local/secret-store.js';
import { ensureSlot } from '../../src/adapters/pg/slot-admin.js';
import { planCutover } from '../../src/core/cutover/plan.js';
import { silentLogger } from '../../src/local/cutover/handlers.js';
import { lambdaContext } from '../../src/local/stepfunctions/lambda.js';
import { selectionRule } from '../../src/local/table-mappings.js';
import type { PgNode } from '../support/pg.js';
import { pglogicalPrimary, pglogicalSlotRequest } from '../support/pglogical-request.js';

let source: PgNode;
const connect = async () => {
  const client = new pg.Client(source.connectionConfig());
  await client.connect();
  return client;
};

beforeAll(async () => {
  source = await pglogicalPrimary();
  await source.query(`
    CREATE SCHEMA sales;
    CREATE TABLE sales.orders (id int PRIMARY KEY, amount numeric);
    CREATE TABLE sales.audit_log (at timestamptz, line text);`);
});

describe('pglogical slot setup (PostgreSQL 15)', () => {
  const tables = [
    { schema: 'sales', table: 'orders' },
    { schema: 'sales', table: 'audit_log' },
  ];
  const request = () => pglogicalSlotRequest(source, 'dms_pgl_slot', tables);

  it('creates the slot, the node and both replication sets, with tables in each', async () => {
    const result = await ensureSlot(connect, request());
    expect(result.created).toBe(true);
    expect(result.reading.slot).toMatchObject({ plugin: 'pglogical', slotType: 'logical', failover: null });
    expect(result.pglogical).toEqual({
      nodeCreated: true,
      setsCreated: ['dms_pgl_slot', 'idms_pgl_slot'],
      tablesAdded: [
        'sales.orders -> dms_pgl_slot',
        'sales.orders -> idms_pgl_slot',
        'sales.audit_log -> idms_pgl_slot',
      ],
      insertOnly: ['sales.audit_log'],
    });
    const sets = await source.query(
      `SELECT set_name, replicate_insert AS ins, replicate_update AS upd, replicate_delete AS del,
              replicate_truncate AS trunc
         FROM pglogical.replication_set WHERE set_name LIKE '%dms_pgl_slot' ORDER BY set_name`,
    );
    expect(sets).toEqual([
      { set_name: 'dms_pgl_slot', ins: false, upd: true, del: true, trunc: false },
      { set_name: 'idms_pgl_slot', ins: true, upd: false, del: false, trunc: true },
    ]);
  });

  it('is idempotent: a re-run adds nothing and creates nothing', async () => {
    const again = await ensureSlot(connect, request());
    expect(again.created).toBe(false);
    expect(again.pglogical).toEqual({
      nodeCreated: false,
      setsCreated: [],
      tablesAdded: [],
      insertOnly: ['sales.audit_log'],
    });
    const [{ n } = { n: -1 }] = await source.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM pglogical.replication_set_table',
    );
    expect(n).toBe(3);
  });
});

describe('the cutover plan on a pglogical slot (PostgreSQL 15)', () => {
  it("EnsureSlot builds the replication sets from the table mappings' scope, as preflight resolves it", async () => {
    await source.query(`
      CREATE SCHEMA crm;
      CREATE TABLE crm.accounts (id int PRIMARY KEY);
      CREATE TABLE crm."Hyphen-Table" (id int PRIMARY KEY);
      CREATE TABLE crm.scratch (id int PRIMARY KEY)`);
    const secrets = new LocalSecretStore();
    const plan = planCutover(
      {
        name: 'pgl',
        source: {
          secretArn: secrets.register('pgl-src', source.url()),
          database: 'postgres',
          sslMode: 'none',
        },
        slot: { name: 'dms_pgl_plan', plugin: 'pglogical', create: true },
        replicationInstanceArn: 'arn:aws:dms:us-east-1:123456789012:rep:RI1',
        target: { endpointArn: 'arn:aws:dms:us-east-1:123456789012:endpoint:TGT' },
        tableMappings: {
          rules: [selection('1', 'crm', '%', 'include'), selection('2', 'crm', 'scratch', 'exclude')],
        },
        end: { mode: 'continuous' },
      },
      new Date(),
    );
    const ensure = makeEnsureSlot({ secrets, env: { SOURCE_TLS: 'disable' }, logger: silentLogger() });

    const result = await ensure(plan.calls.ensureSlot, lambdaContext('ensure-slot'));

    expect(result.created).toBe(true);
    expect(result.pglogical?.tablesAdded).toEqual([
      'crm.accounts -> dms_pgl_plan',
      'crm."Hyphen-Table" -> dms_pgl_plan',
      'crm.accounts -> idms_pgl_plan',
      'crm."Hyphen-Table" -> idms_pgl_plan',
    ]);
  });
});

const selection = (id: string, schema: string, table: string, action: 'include' | 'exclude') =>
  selectionRule({ id, schema, table, action });
