import 'aws-sdk-client-mock-vitest/extend';
import {
  CreateEndpointCommand,
  type CreateEndpointCommandInput,
  DatabaseMigrationServiceClient,
  DescribeEndpointsCommand,
  type Endpoint,
  ResourceAlreadyExistsFault,
  ResourceNotFoundFault,
} from '@aws-sdk/client-database-migration-service';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { type CreateSourceEndpointDeps, makeHandler } from '../../../functions/create-source-endpoint.js';
import { planCutover } from '../../../src/core/cutover/plan.js';
import { ConflictingResourceError } from '../../../src/core/dms/errors.js';
import { sourceEndpointIdentifier } from '../../../src/core/dms/identifiers.js';
import { InvalidInputError } from '../../../src/core/errors.js';
import {
  ACCESS_ROLE_ARN,
  awsDms,
  CERT_ARN,
  CUTOVER_NAMES,
  captureLogs,
  failure,
  lambdaContext,
  SOURCE_ENDPOINT_ARN,
  SOURCE_SECRET_ARN,
  testLogger,
} from './support.js';

const dmsMock = mockClient(DatabaseMigrationServiceClient);
captureLogs();

const IDENTIFIER = sourceEndpointIdentifier({
  prefix: 'cutover',
  sourceName: 'orders',
  slotName: 'dms_slot',
});
const INPUT = {
  ...CUTOVER_NAMES,
  certificateArn: CERT_ARN,
};

function sdkEndpoint(overrides: Partial<Endpoint> = {}): Endpoint {
  return {
    EndpointArn: SOURCE_ENDPOINT_ARN,
    EndpointIdentifier: IDENTIFIER,
    EndpointType: 'source',
    EngineName: 'postgres',
    Status: 'active',
    PostgreSQLSettings: { DatabaseName: 'orders', SlotName: 'dms_slot', PluginName: 'test-decoding' },
    ...overrides,
  };
}

function deps(overrides: Partial<CreateSourceEndpointDeps> = {}): Partial<CreateSourceEndpointDeps> {
  return {
    dms: awsDms(),
    logger: testLogger(),
    env: { SOURCE_SECRET_ARN, DMS_SECRETS_ACCESS_ROLE_ARN: ACCESS_ROLE_ARN },
    ...overrides,
  };
}

function invoke(event: unknown, d = deps()) {
  return makeHandler(d)(event, lambdaContext());
}

beforeEach(() => {
  dmsMock.reset();
  dmsMock.on(DescribeEndpointsCommand).rejects(new ResourceNotFoundFault({ $metadata: {}, message: 'none' }));
  dmsMock.on(CreateEndpointCommand).resolves({ Endpoint: sdkEndpoint() });
});

describe('create-source-endpoint handler', () => {
  it('looks the identifier up, then creates the endpoint with the exact settings (secure defaults)', async () => {
    const result = await invoke(INPUT);

    expect(dmsMock).toReceiveCommandExactlyOnceWith(DescribeEndpointsCommand, {
      Filters: [{ Name: 'endpoint-id', Values: [IDENTIFIER] }],
    });
    const expected = {
      EndpointIdentifier: IDENTIFIER,
      EndpointType: 'source',
      EngineName: 'postgres',
      SslMode: 'verify-full',
      CertificateArn: CERT_ARN,
      PostgreSQLSettings: {
        DatabaseName: 'orders',
        SecretsManagerSecretId: SOURCE_SECRET_ARN,
        SecretsManagerAccessRoleArn: ACCESS_ROLE_ARN,
        SlotName: 'dms_slot',
        PluginName: 'test-decoding',
        CaptureDdls: true,
        HeartbeatEnable: true,
        HeartbeatFrequency: 5,
      },
      Tags: [
        { Key: 'managed-by', Value: 'dms-cdc-orchestrator' },
        { Key: 'dms-cdc-source', Value: 'orders' },
        { Key: 'dms-cdc-slot', Value: 'dms_slot' },
      ],
    } satisfies CreateEndpointCommandInput;
    expect(dmsMock.commandCalls(CreateEndpointCommand)[0]?.args[0].input).toStrictEqual(expected);
    expect(result).toStrictEqual({
      endpointArn: SOURCE_ENDPOINT_ARN,
      endpointIdentifier: IDENTIFIER,
      created: true,
      status: 'active',
      sourceName: 'orders',
      slotName: 'dms_slot',
      plugin: 'test-decoding',
      databaseName: 'orders',
    });
  });

  it('passes pglogical, heartbeat, DDL capture settings and extra tags through', async () => {
    await invoke({
      ...INPUT,
      plugin: 'pglogical',
      heartbeat: { enabled: true, frequencyMinutes: 1, schema: 'dms_heartbeat' },
      captureDdls: true,
      ddlArtifactsSchema: 'dms_artifacts',
      sslMode: 'verify-ca',
      tags: { team: 'data-platform' },
    });

    const input = dmsMock.commandCalls(CreateEndpointCommand)[0]?.args[0].input;
    expect(input?.SslMode).toBe('verify-ca');
    expect(input?.PostgreSQLSettings).toMatchObject({
      PluginName: 'pglogical',
      HeartbeatEnable: true,
      HeartbeatFrequency: 1,
      HeartbeatSchema: 'dms_heartbeat',
      CaptureDdls: true,
      DdlArtifactsSchema: 'dms_artifacts',
    });
    expect(input?.Tags).toContainEqual({ Key: 'team', Value: 'data-platform' });
  });

  it('creates an Aurora PostgreSQL source with EngineName aurora-postgresql, as the cutover plan asks', async () => {
    // The plan's payload for a cutover input with source.engine aurora-postgresql, unchanged.
    const plan = planCutover(
      {
        name: 'cutover',
        source: {
          secretArn: SOURCE_SECRET_ARN,
          database: 'orders',
          sslMode: 'require',
          engine: 'aurora-postgresql',
        },
        slot: { name: 'dms_slot' },
        replicationInstanceArn: 'arn:aws:dms:eu-west-1:123456789012:rep:ABCDEF',
        target: {
          endpointArn: 'arn:aws:dms:eu-west-1:123456789012:endpoint:TARGET',
          secretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:dms-cdc/target-GhIjKl',
        },
        tableMappings: { rules: [{ 'rule-type': 'selection' }] },
      },
      new Date(),
    );
    dmsMock
      .on(CreateEndpointCommand)
      .resolves({ Endpoint: sdkEndpoint({ EngineName: 'aurora-postgresql' }) });

    await invoke(plan.calls.createSourceEndpoint);

    expect(dmsMock).toReceiveCommandWith(CreateEndpointCommand, {
      EndpointType: 'source',
      EngineName: 'aurora-postgresql',
    });
  });

  it('reuses an Aurora endpoint on a re-run, and refuses a postgres one under the same identifier', async () => {
    const aurora = { ...INPUT, engineName: 'aurora-postgresql' };
    dmsMock
      .on(DescribeEndpointsCommand)
      .resolves({ Endpoints: [sdkEndpoint({ EngineName: 'aurora-postgresql' })] });
    expect(await invoke(aurora)).toMatchObject({ created: false });

    dmsMock.on(DescribeEndpointsCommand).resolves({ Endpoints: [sdkEndpoint()] });
    expect(await failure(invoke(aurora))).toMatchObject({
      name: 'ConflictingResourceError',
      field: 'engineName',
      existing: 'postgres',
    });
    expect(dmsMock).not.toReceiveCommand(CreateEndpointCommand);
  });

  it('sends HeartbeatEnable false and no frequency when the heartbeat is turned off', async () => {
    await invoke({ ...INPUT, heartbeat: { enabled: false }, captureDdls: false });

    const settings = dmsMock.commandCalls(CreateEndpointCommand)[0]?.args[0].input.PostgreSQLSettings;
    expect(settings).toMatchObject({ HeartbeatEnable: false, CaptureDdls: false });
    expect(settings).not.toHaveProperty('HeartbeatFrequency');
  });

  it('accepts sslMode require without a certificate (the documented exception)', async () => {
    const { certificateArn: _, ...withoutCertificate } = INPUT;

    await invoke({ ...withoutCertificate, sslMode: 'require' });

    const input = dmsMock.commandCalls(CreateEndpointCommand)[0]?.args[0].input;
    expect(input?.SslMode).toBe('require');
    expect(input).not.toHaveProperty('CertificateArn');
  });

  it('reuses the endpoint an earlier run made: a second invocation sends no CreateEndpoint', async () => {
    const first = await invoke(INPUT);
    dmsMock.reset();
    dmsMock.on(DescribeEndpointsCommand).resolves({ Endpoints: [sdkEndpoint()] });

    const second = await invoke(INPUT);

    expect(dmsMock).not.toReceiveCommand(CreateEndpointCommand);
    expect(second).toStrictEqual({ ...first, created: false });
  });

  it('reuses the winner when another run created it between the lookup and the create', async () => {
    dmsMock
      .on(DescribeEndpointsCommand)
      .rejectsOnce(new ResourceNotFoundFault({ $metadata: {}, message: 'none' }))
      .resolves({ Endpoints: [sdkEndpoint()] });
    dmsMock
      .on(CreateEndpointCommand)
      .rejects(new ResourceAlreadyExistsFault({ $metadata: {}, message: 'Endpoint already exists' }));

    const result = await invoke(INPUT);

    expect(result).toMatchObject({ created: false, endpointArn: SOURCE_ENDPOINT_ARN });
  });

  it('refuses an existing endpoint with the same identifier that reads another slot', async () => {
    dmsMock.on(DescribeEndpointsCommand).resolves({
      Endpoints: [
        sdkEndpoint({
          PostgreSQLSettings: { DatabaseName: 'orders', SlotName: 'old_slot', PluginName: 'test-decoding' },
        }),
      ],
    });

    const error = await failure(invoke(INPUT));

    expect(error).toBeInstanceOf(ConflictingResourceError);
    expect(error).toMatchObject({
      name: 'ConflictingResourceError',
      field: 'slotName',
      existing: 'old_slot',
    });
    expect(dmsMock).not.toReceiveCommand(CreateEndpointCommand);
  });

  it('takes the source access from the deps when local mode injects one', async () => {
    const error = await failure(
      invoke(
        INPUT,
        deps({ env: {}, sourceAccess: { kind: 'url', url: 'postgres://dms@127.0.0.1:5432/orders' } }),
      ),
    );

    // The AWS adapter refuses a URL: only the local engine reads one. No environment was needed.
    expect(error).toMatchObject({ name: 'InvalidInputError', field: 'access' });
  });

  it.each([
    ['verify-full without a certificate', { certificateArn: undefined }, 'certificateArn'],
    [
      'verify-ca without a certificate',
      { sslMode: 'verify-ca', certificateArn: undefined },
      'certificateArn',
    ],
    ['a certificate ARN of another kind', { certificateArn: SOURCE_ENDPOINT_ARN }, 'certificateArn'],
    ['an unknown SSL mode', { sslMode: 'prefer' }, 'sslMode'],
    ['an unknown plugin', { plugin: 'wal2json' }, 'plugin'],
    ['the PostgreSQL spelling of the plugin', { plugin: 'test_decoding' }, 'plugin'],
    ['a slot name PostgreSQL would reject', { slotName: 'Dms-Slot' }, 'slotName'],
    ['an empty database name', { databaseName: '' }, 'databaseName'],
    ['a prefix starting with a digit', { identifierPrefix: '1st' }, 'identifierPrefix'],
    ['a source name with a space', { sourceName: 'my orders' }, 'sourceName'],
    ['a zero heartbeat frequency', { heartbeat: { frequencyMinutes: 0 } }, 'heartbeat.frequencyMinutes'],
    ['a heartbeat schema with a quote', { heartbeat: { schema: 'x"y' } }, 'heartbeat.schema'],
    ['a tag key DMS reserves', { tags: { 'dms:owner': 'me' } }, 'tags.dms:owner'],
    ['an engine DMS does not take for a PostgreSQL source', { engineName: 'mysql' }, 'engineName'],
    ['an unknown key (it would be dropped in silence)', { engine: 'aurora-postgresql' }, 'engine'],
    ['an unknown heartbeat key', { heartbeat: { every: 5 } }, 'heartbeat.every'],
  ])(
    'rejects %s with an InvalidInputError naming the field, before any DMS call',
    async (_case, change, field) => {
      const error = await failure(invoke({ ...INPUT, ...change }));

      expect(error).toBeInstanceOf(InvalidInputError);
      expect(error).toMatchObject({ name: 'InvalidInputError', field });
      expect(dmsMock).not.toReceiveAnyCommand();
    },
  );

  it.each([
    ['SOURCE_SECRET_ARN', { DMS_SECRETS_ACCESS_ROLE_ARN: ACCESS_ROLE_ARN }],
    ['DMS_SECRETS_ACCESS_ROLE_ARN', { SOURCE_SECRET_ARN }],
    ['DMS_SECRETS_ACCESS_ROLE_ARN', { SOURCE_SECRET_ARN, DMS_SECRETS_ACCESS_ROLE_ARN: 'dms-access' }],
  ])('names %s when the environment lacks it or has it wrong', async (field, env) => {
    const error = await failure(invoke(INPUT, deps({ env })));

    expect(error).toMatchObject({ name: 'InvalidInputError', field });
    expect(dmsMock).not.toReceiveAnyCommand();
  });
});
