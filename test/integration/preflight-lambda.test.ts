import 'aws-sdk-client-mock-vitest/extend';
import { Logger } from '@aws-lambda-powertools/logger';
import {
  DatabaseMigrationServiceClient,
  DescribeReplicationInstancesCommand,
} from '@aws-sdk/client-database-migration-service';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { makeHandler, type PreflightDeps } from '../../functions/preflight.js';
import { buildDmsEngineVersionReader } from '../../src/adapters/aws/dms-engine-version.js';
import { buildSecretsManagerStore } from '../../src/adapters/aws/secrets.js';
import { connectPg } from '../../src/adapters/pg/client.js';
import { planCutover } from '../../src/core/cutover/plan.js';
import { InvalidInputError } from '../../src/core/errors.js';
import { selectionMappings } from '../../src/local/table-mappings.js';
import { captureStdio } from '../support/capture-stdio.js';
import { type PgNode, primaryForFile } from '../support/pg.js';
import { loopbackSecret } from '../support/secrets.js';

const SOURCE_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:dms-cdc/source-AbCdEf';
const TARGET_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:dms-cdc/target-GhIjKl';
const PASSWORD = 'pw-Zq9!never-logged';
const secretsManager = mockClient(SecretsManagerClient);
const dms = mockClient(DatabaseMigrationServiceClient);
const INSTANCE_ARN = 'arn:aws:dms:us-east-1:123456789012:rep:ABCDEF';

let node: PgNode;
let logged: string[];

beforeAll(async () => {
  node = await primaryForFile({ name: 'preflight-lambda' });
  await node.query('CREATE DATABASE shop');
  await node.query('CREATE TABLE orders (id int PRIMARY KEY); CREATE TABLE audit (msg text)', [], 'shop');
  await node.query(`SELECT pg_create_logical_replication_slot('dms_slot', 'test_decoding')`, [], 'shop');
});

beforeEach(() => {
  const secret = (dbname: string) => loopbackSecret(node.port, { password: PASSWORD, dbname });
  secretsManager.reset();
  dms.reset();
  dms
    .on(DescribeReplicationInstancesCommand)
    .resolves({ ReplicationInstances: [{ EngineVersion: '3.6.1' }] });
  secretsManager
    .on(GetSecretValueCommand, { SecretId: SOURCE_ARN })
    .resolves({ SecretString: secret('shop') });
  secretsManager
    .on(GetSecretValueCommand, { SecretId: TARGET_ARN })
    .resolves({ SecretString: secret('postgres') });
  logged = captureStdio();
});

afterEach(() => {
  vi.restoreAllMocks();
});

function deps(env: Record<string, string> = {}): PreflightDeps {
  return {
    secrets: buildSecretsManagerStore(new SecretsManagerClient({ region: 'us-east-1' })),
    connect: connectPg,
    dmsEngineVersion: buildDmsEngineVersionReader(
      new DatabaseMigrationServiceClient({ region: 'us-east-1' }),
    ),
    logger: new Logger({ serviceName: 'dms-cdc-test' }),
    // Loopback only: the connection module refuses disabled TLS for any other host.
    env: { SOURCE_SECRET_ARN: SOURCE_ARN, SOURCE_TLS: 'disable', TARGET_TLS: 'disable', ...env },
  };
}

const context = {
  awsRequestId: 'c0ffee00-0000-4000-8000-000000000002',
  functionName: 'preflight',
} as Context;

describe('preflight Lambda against a real server', () => {
  it('reads the replication instance EngineVersion: an engine too old for the source major is a blocker naming the one that reads it', async () => {
    dms
      .on(DescribeReplicationInstancesCommand)
      .resolves({ ReplicationInstances: [{ EngineVersion: '3.5.4' }] });
    const report = await makeHandler(deps())({ replicationInstanceArn: INSTANCE_ARN }, context);
    expect(dms).toHaveReceivedCommandWith(DescribeReplicationInstancesCommand, {
      Filters: [{ Name: 'replication-instance-arn', Values: [INSTANCE_ARN] }],
    });
    expect(report.findings.filter((f) => f.id === 'server.version-supported')).toEqual([
      expect.objectContaining({
        severity: 'blocker',
        title: 'PostgreSQL 17 needs DMS engine 3.6.1 or later; the replication instance runs DMS 3.5.4',
      }),
    ]);

    dms
      .on(DescribeReplicationInstancesCommand)
      .resolves({ ReplicationInstances: [{ EngineVersion: '3.6.1' }] });
    const fine = await makeHandler(deps())({ replicationInstanceArn: INSTANCE_ARN }, context);
    expect(fine.findings.filter((f) => f.id === 'server.version-supported')).toEqual([]);

    // Without an instance: the newest engine listed is assumed, and the finding says so.
    const assumed = await makeHandler(deps())({}, context);
    expect(assumed.findings.find((f) => f.id === 'server.version-supported')?.title).toContain(
      'no engine version was given, so this assumes the newest listed (3.6.1)',
    );
  });

  it('targetEngine kinesis adds the Kinesis task guidance; any other engine is refused by name', async () => {
    const report = await makeHandler(deps())({ targetEngine: 'kinesis' }, context);
    expect(report.findings.filter((f) => f.id.startsWith('target.kinesis-')).map((f) => f.severity)).toEqual([
      'info',
      'info',
      'info',
    ]);
    await expect(makeHandler(deps())({ targetEngine: 'kafka' }, context)).rejects.toMatchObject({
      field: 'targetEngine',
    });
  });

  it('returns the same report as the CLI, closes its connection and never logs the password', async () => {
    // An optional ARN left empty by CloudFormation means no target.
    const report = await makeHandler(deps({ TARGET_SECRET_ARN: '' }))({ slotName: 'dms_slot' }, context);
    expect(Object.keys(report)).toEqual(['source', 'summary', 'findings']);
    expect(report.source).toMatchObject({
      connection: `postgres@127.0.0.1:${node.port}/shop (tls disable)`,
      database: 'shop',
      slot: 'dms_slot',
      tablesInScope: 2,
      target: null,
    });
    expect(report.summary.blockers).toBe(1);
    expect(report.findings[0]).toMatchObject({
      id: 'tables.primary-key',
      observed: expect.stringContaining('public.audit'),
    });
    expect(secretsManager).toHaveReceivedCommandExactlyOnceWith(GetSecretValueCommand, {
      SecretId: SOURCE_ARN,
    });
    const open = await node.query(
      `SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'dms-cdc-preflight'`,
    );
    expect(open).toEqual([{ n: 0 }]);
    expect(logged.join('')).toContain('"message":"preflight done"');
    expect(logged.join('')).not.toContain(PASSWORD);
  });

  it('takes table mappings as the JSON string DMS uses, and checks a target from its own secret', async () => {
    const tableMappings = JSON.stringify(selectionMappings({ schema: 'public', table: 'orders' }));
    const report = await makeHandler(deps({ TARGET_SECRET_ARN: TARGET_ARN }))({ tableMappings }, context);
    expect(report.summary.blockers).toBe(1);
    expect(report.findings.filter((f) => f.severity === 'blocker').map((f) => [f.id, f.observed])).toEqual([
      ['target.tables-ready', 'public.orders'],
    ]);
    expect(report.source.target).toBe(`postgres@127.0.0.1:${node.port}/postgres (tls disable)`);
  });

  it('with the cutover plan payload, a missing slot that slot.create will make is info, not a blocker', async () => {
    const input = (create: boolean) => ({
      name: 'shop',
      source: { secretArn: SOURCE_ARN, database: 'shop', sslMode: 'require' },
      slot: { name: 'not_yet_made', create },
      replicationInstanceArn: 'arn:aws:dms:us-east-1:123456789012:rep:ABCDEF',
      target: { endpointArn: 'arn:aws:dms:us-east-1:123456789012:endpoint:TARGET', secretArn: TARGET_ARN },
      tableMappings: selectionMappings({ schema: 'public', table: 'orders' }),
    });
    const run = async (create: boolean) => {
      const payload = planCutover(input(create), new Date()).calls.preflight;
      const report = await makeHandler(deps())(payload, context);
      return report.findings.filter((f) => f.id === 'slot.exists').map((f) => f.severity);
    };

    expect(await run(true)).toEqual(['info']);
    expect(await run(false)).toEqual(['blocker']);
  });

  it('rejects malformed input by field name', async () => {
    await expect(makeHandler(deps())({ slotName: 'dms_slot', creatSlot: true }, context)).rejects.toThrow(
      InvalidInputError,
    );
    await expect(makeHandler(deps())({ slotName: 'Bad-Slot' }, context)).rejects.toThrow(InvalidInputError);
    await expect(makeHandler(deps())({ plugin: 'wal2json' }, context)).rejects.toMatchObject({
      field: 'plugin',
    });
    await expect(makeHandler(deps())({ tableMappings: '{nope' }, context)).rejects.toMatchObject({
      field: 'tableMappings',
    });
  });
});
