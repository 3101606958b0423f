import {
  type AttributeValue,
  ConditionalCheckFailedException,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import { historyKey } from '../../core/alerts/history-key.js';
import type {
  AlertLevel,
  AlertState,
  AlertStateRecord,
  AlertStateUpdate,
  HealthSample,
} from '../../ports/alert-state.js';

export interface DynamoDbAlertStateOptions {
  readonly tableName: string;
  /** Every write pushes the item's expiry this far ahead (DynamoDB TTL on `expiresAt`). Default 30 days. */
  readonly ttlDays?: number;
  readonly now?: () => number;
}

/** Attribute names of an item: `pk` is the table's only key (a string); `expiresAt` its TTL attribute. */
export const ALERT_STATE_ATTRIBUTES = {
  key: 'pk',
  ttl: 'expiresAt',
} as const;

// One condition for both cases: no item yet (a first write expects version 0, which no stored
// item has, since versions start at 1), or the item still at the version read. A write that finds
// an item TTL-deleted since the read goes through, which is what a fresh start would do anyway.
export const TRANSITION_CONDITION = 'attribute_not_exists(pk) OR version = :expected';

const LEVELS: readonly AlertLevel[] = ['OK', 'WARNING', 'CRITICAL'];

/**
 * The AlertState port over a DynamoDB table (PAY_PER_REQUEST, partition key `pk` of type S, TTL on
 * `expiresAt`): one item per alert key. Reads are strongly consistent; a transition is one PutItem
 * conditioned on the version read, and ConditionalCheckFailedException means another writer got
 * there first (false, nothing written). Other SDK errors pass through with their names.
 */
export function buildDynamoDbAlertState(
  client: DynamoDBClient,
  options: DynamoDbAlertStateOptions,
): AlertState {
  const ttlSeconds = Math.round((options.ttlDays ?? 30) * 86_400);
  const now = options.now ?? Date.now;
  const read = async (key: string) =>
    (
      await client.send(
        new GetItemCommand({ TableName: options.tableName, Key: { pk: { S: key } }, ConsistentRead: true }),
      )
    ).Item;
  const put = async (item: Record<string, AttributeValue>, expectedVersion: number | null) => {
    try {
      await client.send(
        new PutItemCommand({
          TableName: options.tableName,
          Item: { ...item, expiresAt: { N: String(Math.floor(now() / 1000) + ttlSeconds) } },
          ConditionExpression: TRANSITION_CONDITION,
          ExpressionAttributeValues: { ':expected': { N: String(expectedVersion ?? 0) } },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      // Another copy of the SDK (bundling) would fail instanceof; the name is stable.
      if ((error as { name?: unknown }).name === 'ConditionalCheckFailedException') return false;
      throw error;
    }
  };
  return {
    async get(key) {
      const item = await read(key);
      return item ? fromItem(item, key) : undefined;
    },
    transition(key, expectedVersion, next) {
      return put(toItem(key, next, (expectedVersion ?? 0) + 1), expectedVersion);
    },
    async getHistory(source) {
      const key = historyKey(source);
      const item = await read(key);
      if (!item) return undefined;
      return { samples: samplesOf(item, key), version: numberOf(item.version, 'version', key) ?? 0 };
    },
    putHistory(source, expectedVersion, samples) {
      // One item per source; the samples as one JSON string (a bounded list, far under the 400 KB item limit).
      const item = {
        pk: { S: historyKey(source) },
        samples: { S: JSON.stringify(samples) },
        version: { N: String((expectedVersion ?? 0) + 1) },
      };
      return put(item, expectedVersion);
    },
  };
}

function samplesOf(item: Record<string, AttributeValue>, key: string): HealthSample[] {
  const text = item.samples?.S;
  const parsed: unknown = text === undefined ? undefined : JSON.parse(text);
  if (!Array.isArray(parsed)) throw new Error(`alert-state item ${key} has no samples list`);
  return parsed as HealthSample[];
}

function toItem(key: string, next: AlertStateUpdate, version: number): Record<string, AttributeValue> {
  return {
    pk: { S: key },
    state: { S: next.state },
    since: { N: String(next.since) },
    lastNotifiedAt: next.lastNotifiedAt === null ? { NULL: true } : { N: String(next.lastNotifiedAt) },
    lastValue: next.lastValue === null ? { NULL: true } : { N: String(next.lastValue) },
    version: { N: String(version) },
  };
}

function fromItem(item: Record<string, AttributeValue>, key: string): AlertStateRecord {
  const state = item.state?.S as AlertLevel | undefined;
  if (!state || !LEVELS.includes(state)) {
    throw new Error(`alert-state item ${key} has no valid state (found ${JSON.stringify(item.state)})`);
  }
  return {
    state,
    since: numberOf(item.since, 'since', key) ?? 0,
    lastNotifiedAt: numberOf(item.lastNotifiedAt, 'lastNotifiedAt', key),
    lastValue: numberOf(item.lastValue, 'lastValue', key),
    version: numberOf(item.version, 'version', key) ?? 0,
  };
}

function numberOf(value: AttributeValue | undefined, name: string, key: string): number | null {
  if (value === undefined || value.NULL) return null;
  const n = Number(value.N);
  if (value.N === undefined || !Number.isFinite(n)) {
    throw new Error(`alert-state item ${key}: ${name} is not a number (found ${JSON.stringify(value)})`);
  }
  return n;
}
