import 'aws-sdk-client-mock-vitest/extend';
import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  GetItemCommand,
  ProvisionedThroughputExceededException,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  buildDynamoDbAlertState,
  TRANSITION_CONDITION,
} from '../../../src/adapters/aws/alert-state-dynamodb.js';
import { buildSnsAlerts } from '../../../src/adapters/aws/sns.js';
import { evaluateSource } from '../../../src/core/alerts/evaluate.js';
import { buildAlertMessage } from '../../../src/core/alerts/message.js';
import { InvalidAlertMessageError, PAYLOAD_MARKER } from '../../../src/core/alerts/sns-message.js';
import { GiB, measurement, slot, source, T0 } from './fixtures.js';

const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:dms-cdc-orchestrator-prod-alerts';
const TABLE = 'dms-cdc-orchestrator-prod-alert-state';

const sns = new SNSClient({ region: 'eu-west-1' });
const snsMock = mockClient(sns);
const dynamodb = new DynamoDBClient({ region: 'eu-west-1' });
const dynamoMock = mockClient(dynamodb);

beforeEach(() => {
  snsMock.reset();
  dynamoMock.reset();
});

function criticalAlert() {
  const o = evaluateSource(
    source(),
    measurement({ slots: [slot({ retained: Math.round(21.3 * GiB) })] }),
  ).find((x) => x.metric === 'retainedWal');
  if (!o) throw new Error('no observation');
  return buildAlertMessage(o, 'ALERT', undefined, T0);
}

describe('buildSnsAlerts', () => {
  it('publishes one message: subject, body + payload, String MessageAttributes for filter policies', async () => {
    snsMock.on(PublishCommand).resolves({ MessageId: 'b0e4c8f1-0000-4000-8000-000000000001' });
    const alert = criticalAlert();

    const result = await buildSnsAlerts(sns, TOPIC).publish(alert);

    expect(result).toEqual({ messageId: 'b0e4c8f1-0000-4000-8000-000000000001' });
    expect(snsMock).toHaveReceivedCommandTimes(PublishCommand, 1);
    expect(snsMock).toReceiveCommandWith(PublishCommand, {
      TopicArn: TOPIC,
      Subject: '[CRITICAL] orders-db slot dms_slot: retained WAL 21.3 GiB >= 20 GiB',
      Message: `${alert.body}\n\n${PAYLOAD_MARKER}\n${JSON.stringify(alert.payload)}`,
      MessageAttributes: {
        severity: { DataType: 'String', StringValue: 'CRITICAL' },
        source: { DataType: 'String', StringValue: 'orders-db' },
        slot: { DataType: 'String', StringValue: 'dms_slot' },
        metric: { DataType: 'String', StringValue: 'retainedWal' },
      },
    });
  });

  it('refuses before calling SNS an alert SNS would reject', async () => {
    const alert = { ...criticalAlert(), subject: 'x'.repeat(120) };
    await expect(buildSnsAlerts(sns, TOPIC).publish(alert)).rejects.toBeInstanceOf(InvalidAlertMessageError);
    expect(snsMock).toHaveReceivedCommandTimes(PublishCommand, 0);
  });

  it('passes SDK errors through with their names', async () => {
    snsMock
      .on(PublishCommand)
      .rejects(Object.assign(new Error('not authorized'), { name: 'AuthorizationErrorException' }));
    await expect(buildSnsAlerts(sns, TOPIC).publish(criticalAlert())).rejects.toMatchObject({
      name: 'AuthorizationErrorException',
    });
  });
});

describe('buildDynamoDbAlertState', () => {
  const store = () => buildDynamoDbAlertState(dynamodb, { tableName: TABLE, ttlDays: 30, now: () => T0 });
  const update = { state: 'CRITICAL' as const, since: T0, lastNotifiedAt: T0, lastValue: 22_870_700_851 };

  it('creates a record with PutItem conditioned on no item (expected version 0), version 1 and the TTL', async () => {
    dynamoMock.on(PutItemCommand).resolves({});
    expect(await store().transition('orders-db#dms_slot#retainedWal', null, update)).toBe(true);
    expect(dynamoMock).toReceiveCommandWith(PutItemCommand, {
      TableName: TABLE,
      Item: {
        pk: { S: 'orders-db#dms_slot#retainedWal' },
        state: { S: 'CRITICAL' },
        since: { N: String(T0) },
        lastNotifiedAt: { N: String(T0) },
        lastValue: { N: '22870700851' },
        version: { N: '1' },
        expiresAt: { N: String(Math.floor(T0 / 1000) + 30 * 86_400) },
      },
      ConditionExpression: 'attribute_not_exists(pk) OR version = :expected',
      ExpressionAttributeValues: { ':expected': { N: '0' } },
    });
    expect(TRANSITION_CONDITION).toBe('attribute_not_exists(pk) OR version = :expected');
  });

  it('updates from version 7 to 8, conditioned on version 7; nulls are stored as NULL', async () => {
    dynamoMock.on(PutItemCommand).resolves({});
    const ok = await store().transition('k', 7, {
      state: 'OK',
      since: T0,
      lastNotifiedAt: null,
      lastValue: null,
    });
    expect(ok).toBe(true);
    expect(dynamoMock).toReceiveCommandWith(PutItemCommand, {
      Item: expect.objectContaining({
        version: { N: '8' },
        lastNotifiedAt: { NULL: true },
        lastValue: { NULL: true },
      }),
      ExpressionAttributeValues: { ':expected': { N: '7' } },
    });
  });

  it('reads ConditionalCheckFailedException as "another writer got there first" (false)', async () => {
    dynamoMock
      .on(PutItemCommand)
      .rejects(
        new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }),
      );
    expect(await store().transition('k', 3, update)).toBe(false);
  });

  it('passes other errors through', async () => {
    dynamoMock
      .on(PutItemCommand)
      .rejects(new ProvisionedThroughputExceededException({ message: 'slow down', $metadata: {} }));
    await expect(store().transition('k', 3, update)).rejects.toMatchObject({
      name: 'ProvisionedThroughputExceededException',
    });
  });

  it('reads with a strongly consistent GetItem and maps the item back', async () => {
    dynamoMock.on(GetItemCommand).resolves({
      Item: {
        pk: { S: 'k' },
        state: { S: 'WARNING' },
        since: { N: '1772359200000' },
        lastNotifiedAt: { NULL: true },
        lastValue: { N: '12.5' },
        version: { N: '4' },
        expiresAt: { N: '1774951200' },
      },
    });
    expect(await store().get('k')).toEqual({
      state: 'WARNING',
      since: 1772359200000,
      lastNotifiedAt: null,
      lastValue: 12.5,
      version: 4,
    });
    expect(dynamoMock).toReceiveCommandWith(GetItemCommand, {
      TableName: TABLE,
      Key: { pk: { S: 'k' } },
      ConsistentRead: true,
    });
  });

  it('an absent item is undefined; a corrupt one is an error naming it', async () => {
    dynamoMock
      .on(GetItemCommand)
      .resolvesOnce({})
      .resolvesOnce({ Item: { pk: { S: 'k' }, state: { S: 'BAD' } } });
    expect(await store().get('k')).toBeUndefined();
    await expect(store().get('k')).rejects.toThrow(/alert-state item k has no valid state/);
  });
});
