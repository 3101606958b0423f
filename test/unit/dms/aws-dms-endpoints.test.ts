import 'aws-sdk-client-mock-vitest/extend';
import {
  AccessDeniedFault,
  CreateEndpointCommand,
  type CreateEndpointCommandInput,
  DatabaseMigrationServiceClient,
  DeleteEndpointCommand,
  DescribeConnectionsCommand,
  DescribeEndpointsCommand,
  ResourceAlreadyExistsFault,
  ResourceNotFoundFault,
  TestConnectionCommand,
} from '@aws-sdk/client-database-migration-service';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { buildAwsDms } from '../../../src/adapters/aws/dms.js';
import { DmsResourceExistsError, DmsUnexpectedResponseError } from '../../../src/core/dms/errors.js';
import { InvalidInputError } from '../../../src/core/errors.js';
import { ACCESS_ROLE_ARN, INSTANCE_ARN, SECRET_ARN, SOURCE_ARN, sourceEndpointSpec } from './fixtures.js';

const client = new DatabaseMigrationServiceClient({ region: 'us-east-1' });
const dmsMock = mockClient(client);
const dms = buildAwsDms(client);

const sdkEndpoint = {
  EndpointArn: SOURCE_ARN,
  EndpointIdentifier: sourceEndpointSpec().identifier,
  EndpointType: 'source' as const,
  EngineName: 'postgres',
  Status: 'active',
  PostgreSQLSettings: {
    DatabaseName: 'orders',
    SlotName: 'dms_orders_slot',
    PluginName: 'test-decoding' as const,
  },
};

const fault = { $metadata: {} };

beforeEach(() => {
  dmsMock.reset();
});

/** The PostgreSQLSettings every source endpoint of sourceEndpointSpec() sends: its secret and slot. */
const ORDERS_SLOT_SETTINGS = {
  DatabaseName: 'orders',
  SecretsManagerSecretId: SECRET_ARN,
  SecretsManagerAccessRoleArn: ACCESS_ROLE_ARN,
  SlotName: 'dms_orders_slot',
  PluginName: 'test-decoding' as const,
};

describe('createSourceEndpoint', () => {
  it('sends the exact CreateEndpoint input: secret, slot, test-decoding, heartbeat on', async () => {
    dmsMock.on(CreateEndpointCommand).resolves({ Endpoint: sdkEndpoint });

    const endpoint = await dms.createSourceEndpoint(
      sourceEndpointSpec({ heartbeat: { enabled: true, frequencyMinutes: 5, schema: 'dms' } }),
    );

    const expected = {
      EndpointIdentifier: 'prod-src-orders-dms-orders-slot-1a2b3c4d',
      EndpointType: 'source',
      EngineName: 'postgres',
      SslMode: 'verify-full',
      PostgreSQLSettings: {
        ...ORDERS_SLOT_SETTINGS,
        CaptureDdls: false,
        HeartbeatEnable: true,
        HeartbeatFrequency: 5,
        HeartbeatSchema: 'dms',
      },
      Tags: [
        { Key: 'app', Value: 'dms-cdc-orchestrator' },
        { Key: 'source', Value: 'orders' },
      ],
    } satisfies CreateEndpointCommandInput;
    expect(dmsMock).toReceiveCommandExactlyOnceWith(CreateEndpointCommand, expected);
    expect(dmsMock.commandCalls(CreateEndpointCommand)[0]?.args[0].input).toStrictEqual(expected);
    expect(endpoint).toStrictEqual({
      arn: SOURCE_ARN,
      identifier: 'prod-src-orders-dms-orders-slot-1a2b3c4d',
      endpointType: 'source',
      engineName: 'postgres',
      databaseName: 'orders',
      slotName: 'dms_orders_slot',
      pluginName: 'test-decoding',
      status: 'active',
    });
  });

  it('leaves the heartbeat schema to DMS when none is given', async () => {
    dmsMock.on(CreateEndpointCommand).resolves({ Endpoint: sdkEndpoint });

    await dms.createSourceEndpoint(sourceEndpointSpec());

    const settings = dmsMock.commandCalls(CreateEndpointCommand)[0]?.args[0].input.PostgreSQLSettings;
    expect(settings).toMatchObject({ HeartbeatEnable: true, HeartbeatFrequency: 5 });
    expect(settings).not.toHaveProperty('HeartbeatSchema');
  });

  it('sends HeartbeatEnable false and no frequency when the heartbeat is off', async () => {
    dmsMock.on(CreateEndpointCommand).resolves({ Endpoint: sdkEndpoint });

    await dms.createSourceEndpoint(
      sourceEndpointSpec({
        heartbeat: { enabled: false, frequencyMinutes: 5 },
        pluginName: 'pglogical',
        captureDdls: true,
      }),
    );

    const settings = dmsMock.commandCalls(CreateEndpointCommand)[0]?.args[0].input.PostgreSQLSettings;
    expect(settings).toMatchObject({ HeartbeatEnable: false, PluginName: 'pglogical', CaptureDdls: true });
    expect(settings).not.toHaveProperty('HeartbeatFrequency');
  });

  it('sends EngineName, CertificateArn and DdlArtifactsSchema when the spec has them', async () => {
    dmsMock.on(CreateEndpointCommand).resolves({ Endpoint: sdkEndpoint });
    const certificateArn = 'arn:aws:dms:us-east-1:123456789012:cert:RDSCABUNDLE2024';

    await dms.createSourceEndpoint(
      sourceEndpointSpec({
        engineName: 'aurora-postgresql',
        certificateArn,
        captureDdls: true,
        ddlArtifactsSchema: 'dms_artifacts',
      }),
    );

    const expected = {
      EndpointIdentifier: 'prod-src-orders-dms-orders-slot-1a2b3c4d',
      EndpointType: 'source',
      EngineName: 'aurora-postgresql',
      SslMode: 'verify-full',
      CertificateArn: certificateArn,
      PostgreSQLSettings: {
        ...ORDERS_SLOT_SETTINGS,
        CaptureDdls: true,
        DdlArtifactsSchema: 'dms_artifacts',
        HeartbeatEnable: true,
        HeartbeatFrequency: 5,
      },
      Tags: [
        { Key: 'app', Value: 'dms-cdc-orchestrator' },
        { Key: 'source', Value: 'orders' },
      ],
    } satisfies CreateEndpointCommandInput;
    expect(dmsMock.commandCalls(CreateEndpointCommand)[0]?.args[0].input).toStrictEqual(expected);
  });

  it('defaults EngineName to postgres and leaves CertificateArn and DdlArtifactsSchema out when not given', async () => {
    dmsMock.on(CreateEndpointCommand).resolves({ Endpoint: sdkEndpoint });

    await dms.createSourceEndpoint(sourceEndpointSpec());

    const input = dmsMock.commandCalls(CreateEndpointCommand)[0]?.args[0].input;
    expect(input?.EngineName).toBe('postgres');
    expect(input).not.toHaveProperty('CertificateArn');
    expect(input?.PostgreSQLSettings).not.toHaveProperty('DdlArtifactsSchema');
  });

  it('refuses URL access (local mode only) without calling DMS', async () => {
    const spec = sourceEndpointSpec({
      access: { kind: 'url', url: 'postgres://dms@db.internal:5432/orders' },
    });

    await expect(dms.createSourceEndpoint(spec)).rejects.toMatchObject({
      name: 'InvalidInputError',
      field: 'access',
    });
    expect(dmsMock).not.toReceiveAnyCommand();
  });

  it('refuses an identifier DMS would reject without calling DMS', async () => {
    await expect(dms.createSourceEndpoint(sourceEndpointSpec({ identifier: 'orders--src' }))).rejects.toThrow(
      InvalidInputError,
    );
    expect(dmsMock).not.toReceiveAnyCommand();
  });

  it('maps ResourceAlreadyExistsFault to DmsResourceExistsError', async () => {
    dmsMock
      .on(CreateEndpointCommand)
      .rejects(new ResourceAlreadyExistsFault({ ...fault, message: 'Endpoint already exists' }));

    const error = await dms.createSourceEndpoint(sourceEndpointSpec()).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(DmsResourceExistsError);
    expect(error).toMatchObject({ name: 'DmsResourceExistsError', operation: 'CreateEndpoint' });
  });
});

describe('findEndpoint', () => {
  it('filters by endpoint-id and maps the endpoint', async () => {
    dmsMock.on(DescribeEndpointsCommand).resolves({ Endpoints: [sdkEndpoint] });

    const endpoint = await dms.findEndpoint(sdkEndpoint.EndpointIdentifier);

    expect(dmsMock).toReceiveCommandExactlyOnceWith(DescribeEndpointsCommand, {
      Filters: [{ Name: 'endpoint-id', Values: [sdkEndpoint.EndpointIdentifier] }],
    });
    expect(endpoint).toMatchObject({
      arn: SOURCE_ARN,
      slotName: 'dms_orders_slot',
      pluginName: 'test-decoding',
    });
  });

  it('is undefined when DMS answers ResourceNotFoundFault (its answer to a filter matching nothing)', async () => {
    dmsMock
      .on(DescribeEndpointsCommand)
      .rejects(new ResourceNotFoundFault({ ...fault, message: 'No Endpoints found' }));

    await expect(dms.findEndpoint('absent')).resolves.toBeUndefined();
  });

  it('is undefined on an empty list or when only other identifiers come back', async () => {
    dmsMock
      .on(DescribeEndpointsCommand)
      .resolvesOnce({ Endpoints: [] })
      .resolvesOnce({ Endpoints: [sdkEndpoint] });

    await expect(dms.findEndpoint('absent')).resolves.toBeUndefined();
    await expect(dms.findEndpoint('other-endpoint')).resolves.toBeUndefined();
  });

  it('reads the database name from the top level when PostgreSQLSettings lacks it', async () => {
    const { PostgreSQLSettings: _, ...bare } = sdkEndpoint;
    dmsMock.on(DescribeEndpointsCommand).resolves({ Endpoints: [{ ...bare, DatabaseName: 'orders' }] });

    await expect(dms.findEndpoint(sdkEndpoint.EndpointIdentifier)).resolves.toMatchObject({
      databaseName: 'orders',
      slotName: undefined,
      pluginName: undefined,
    });
  });

  it('lets other faults through with their SDK name', async () => {
    dmsMock.on(DescribeEndpointsCommand).rejects(new AccessDeniedFault({ ...fault, message: 'not allowed' }));

    await expect(dms.findEndpoint('x')).rejects.toMatchObject({ name: 'AccessDeniedFault' });
  });
});

describe('deleteEndpoint', () => {
  it('sends the ARN', async () => {
    dmsMock.on(DeleteEndpointCommand).resolves({});

    await dms.deleteEndpoint(SOURCE_ARN);

    expect(dmsMock).toReceiveCommandExactlyOnceWith(DeleteEndpointCommand, { EndpointArn: SOURCE_ARN });
  });
});

describe('connection tests', () => {
  it('starts a test from the replication instance', async () => {
    dmsMock.on(TestConnectionCommand).resolves({ Connection: { Status: 'testing' } });

    const test = await dms.testConnection(INSTANCE_ARN, SOURCE_ARN);

    expect(dmsMock).toReceiveCommandExactlyOnceWith(TestConnectionCommand, {
      ReplicationInstanceArn: INSTANCE_ARN,
      EndpointArn: SOURCE_ARN,
    });
    expect(test).toStrictEqual({ status: 'testing', lastFailureMessage: undefined });
  });

  it('describes the test by endpoint-arn and replication-instance-arn', async () => {
    dmsMock.on(DescribeConnectionsCommand).resolves({
      Connections: [{ Status: 'failed', LastFailureMessage: 'FATAL: password authentication failed' }],
    });

    const test = await dms.describeConnectionTest(INSTANCE_ARN, SOURCE_ARN);

    expect(dmsMock).toReceiveCommandExactlyOnceWith(DescribeConnectionsCommand, {
      Filters: [
        { Name: 'endpoint-arn', Values: [SOURCE_ARN] },
        { Name: 'replication-instance-arn', Values: [INSTANCE_ARN] },
      ],
    });
    expect(test).toStrictEqual({
      status: 'failed',
      lastFailureMessage: 'FATAL: password authentication failed',
    });
  });

  it('is undefined when no test has run (not found, or an empty list)', async () => {
    dmsMock
      .on(DescribeConnectionsCommand)
      .rejectsOnce(new ResourceNotFoundFault({ ...fault, message: 'none' }))
      .resolvesOnce({ Connections: [] });

    await expect(dms.describeConnectionTest(INSTANCE_ARN, SOURCE_ARN)).resolves.toBeUndefined();
    await expect(dms.describeConnectionTest(INSTANCE_ARN, SOURCE_ARN)).resolves.toBeUndefined();
  });

  it('refuses a connection status the port does not know', async () => {
    dmsMock.on(TestConnectionCommand).resolves({ Connection: { Status: 'pondering' } });

    await expect(dms.testConnection(INSTANCE_ARN, SOURCE_ARN)).rejects.toThrow(DmsUnexpectedResponseError);
  });
});
