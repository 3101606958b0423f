import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateTableCommand, DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDynamoDbAlertState } from '../../../src/adapters/aws/alert-state-dynamodb.js';
import { FileAlertStateStore, MemoryAlertStateStore } from '../../../src/adapters/local/alert-state-store.js';
import { viewHistory } from '../../../src/core/health/history.js';
import { lsnFromBigInt } from '../../../src/core/lsn.js';
import type { AlertState, HealthSample } from '../../../src/ports/alert-state.js';
import { measurement, T0 } from './fixtures.js';

/**
 * The sample-history half of the alert-state port, the same contract on every adapter: the memory
 * and file stores, and the DynamoDB one against moto_server (a local DynamoDB), so the conditional
 * PutItem is exercised by a real condition evaluator rather than a mock.
 */

const TABLE = 'alert-state';
let moto: ChildProcess;
let dynamodb: DynamoDBClient;
let dir: string;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject()));
    });
  });
}

async function waitFor(url: string): Promise<void> {
  for (let i = 0; i < 100; i += 1) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`moto_server did not answer at ${url}`);
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'history-store-'));
  const port = await freePort();
  moto = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
  await waitFor(`http://127.0.0.1:${port}/moto-api/`);
  dynamodb = new DynamoDBClient({
    region: 'eu-west-1',
    endpoint: `http://127.0.0.1:${port}`,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  });
  await dynamodb.send(
    new CreateTableCommand({
      TableName: TABLE,
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
}, 30_000);

afterAll(async () => {
  dynamodb?.destroy();
  moto?.kill();
  await rm(dir, { recursive: true, force: true });
});

const sample = (minute: number): HealthSample => ({
  at: T0 + minute * 60_000,
  lsn: String(1_000_000 + minute * 4096),
  walFreeBytes: null,
  slots: { dms_slot: '1000000' },
});

let n = 0;
/** A fresh name per store and source: the stores outlive each test. */
function unique(): number {
  n += 1;
  return n;
}
const stores: [string, () => AlertState][] = [
  ['memory', () => new MemoryAlertStateStore()],
  ['file', () => new FileAlertStateStore(join(dir, `state-${unique()}.json`))],
  ['DynamoDB (moto_server)', () => buildDynamoDbAlertState(dynamodb, { tableName: TABLE, now: () => T0 })],
];

describe.each(stores)('%s: sample histories', (_kind, make) => {
  it('creates once, then only from the version read; a stale writer loses', async () => {
    const store = make();
    const source = `src-${unique()}`;
    expect(await store.getHistory(source)).toBeUndefined();
    expect(await store.putHistory(source, null, [sample(0)])).toBe(true);
    expect(await store.putHistory(source, null, [sample(9)])).toBe(false);
    expect(await store.putHistory(source, 1, [sample(0), sample(1)])).toBe(true);
    expect(await store.putHistory(source, 1, [sample(5)])).toBe(false);
    expect(await store.getHistory(source)).toEqual({ samples: [sample(0), sample(1)], version: 2 });
    // Alert records under other keys of the same source are untouched by it.
    expect(await store.get(`${source}#-#sourceCheck`)).toBeUndefined();
  });

  it('two overlapping checks both keep their sample (the loser merges and writes again)', async () => {
    const store = make();
    const source = `src-${unique()}`;
    await store.putHistory(source, null, [sample(0), sample(1)]);
    const at = (minute: number) =>
      viewHistory(
        store,
        { ...measurement({ source }), serverLsn: lsnFromBigInt(BigInt(minute * 8192)) },
        T0 + minute * 60_000,
        // Every sample stored: this is about concurrent writers, not spacing.
        0,
      );
    const [a, b] = await Promise.all([at(2), at(3)]);
    await Promise.all([a.save(), b.save()]);
    const kept = await store.getHistory(source);
    expect(kept?.samples.map((s) => (s.at - T0) / 60_000)).toEqual([0, 1, 2, 3]);
    // A retried check writes its sample again: replaced, not doubled.
    await (await at(3)).save();
    expect((await store.getHistory(source))?.samples).toHaveLength(4);
  });
});

it('DynamoDB keeps a history as one item: pk source#-#history, the samples as JSON, version, TTL', async () => {
  const store = buildDynamoDbAlertState(dynamodb, { tableName: TABLE, ttlDays: 2, now: () => T0 });
  await store.putHistory('orders-db', null, [sample(0)]);
  const { Item } = await dynamodb.send(
    new GetItemCommand({ TableName: TABLE, Key: { pk: { S: 'orders-db#-#history' } }, ConsistentRead: true }),
  );
  expect(Item).toEqual({
    pk: { S: 'orders-db#-#history' },
    samples: { S: JSON.stringify([sample(0)]) },
    version: { N: '1' },
    expiresAt: { N: String(Math.floor(T0 / 1000) + 2 * 86_400) },
  });
});
