/**
 * A moto_server (Python moto) on a free loopback port for bench/bundle.bench.ts, and the AWS resources
 * the handlers need created in it. moto is only a stand-in that answers the API calls so a real bundled
 * handler can run once for a memory figure: it proves nothing about DMS (it ignores CdcStartPosition and
 * start types, and its task states are simplified).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import {
  CreateEndpointCommand,
  CreateReplicationInstanceCommand,
  CreateReplicationTaskCommand,
  DatabaseMigrationServiceClient,
  StartReplicationTaskCommand,
} from '@aws-sdk/client-database-migration-service';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateStateMachineCommand, SFNClient } from '@aws-sdk/client-sfn';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { selectionMappings } from '../src/local/table-mappings.js';

export const MOTO_REGION = 'us-east-1';

export interface Moto {
  readonly endpoint: string;
  /** The variables a child needs to talk to moto instead of AWS (dummy credentials). */
  readonly env: Record<string, string>;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

function stopChild(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => proc.kill('SIGKILL'), 5_000);
    proc.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    proc.kill('SIGTERM');
  });
}

export async function startMoto(): Promise<Moto> {
  const port = await freePort();
  const proc = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  proc.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4_000);
  });
  const spawned = new Promise<void>((resolve, reject) => {
    proc.once('spawn', resolve);
    proc.once('error', (error) => reject(new Error(`moto_server could not start: ${error.message}`)));
  });
  await spawned;
  const endpoint = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`moto_server exited ${proc.exitCode}:\n${stderr}`);
    try {
      const response = await fetch(`${endpoint}/moto-api/`);
      if (response.ok || response.status < 500) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stopChild(proc);
      throw new Error(`moto_server did not answer on ${endpoint}:\n${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const proxy = await startTimestampProxy(port);
  const proxied = `http://127.0.0.1:${proxy.port}`;
  return {
    endpoint: proxied,
    env: {
      AWS_ENDPOINT_URL: proxied,
      AWS_ACCESS_KEY_ID: 'bench',
      AWS_SECRET_ACCESS_KEY: 'bench',
      AWS_REGION: MOTO_REGION,
    },
    stop: async () => {
      await proxy.close();
      await stopChild(proc);
    },
  };
}

// moto's DMS answers timestamps as ISO text without a zone ("2026-11-22T01:10:03.703673") where the
// awsJson1_1 protocol (and so the SDK) has epoch seconds: a loopback proxy in this process rewrites them in
// DMS responses, so the bundled client can parse them. Nothing else is changed.
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?$/;

function epochTimestamps(value: unknown): unknown {
  if (typeof value === 'string' && ISO_TIME.test(value)) {
    const ms = Date.parse(/(Z|[+-]\d{2}:\d{2})$/.test(value) ? value : `${value.slice(0, 23)}Z`);
    return Number.isNaN(ms) ? value : ms / 1000;
  }
  if (Array.isArray(value)) return value.map(epochTimestamps);
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, epochTimestamps(v)]));
  return value;
}

async function startTimestampProxy(motoPort: number): Promise<{ port: number; close(): Promise<void> }> {
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const upstream = http.request(
        {
          host: '127.0.0.1',
          port: motoPort,
          method: request.method,
          path: request.url,
          headers: request.headers,
        },
        (answer) => {
          const body: Buffer[] = [];
          answer.on('data', (chunk: Buffer) => body.push(chunk));
          answer.on('end', () => {
            let text = Buffer.concat(body);
            const target = String(request.headers['x-amz-target'] ?? '');
            if (target.startsWith('AmazonDMSv20160101.') && text.length > 0) {
              try {
                text = Buffer.from(JSON.stringify(epochTimestamps(JSON.parse(text.toString('utf8')))));
              } catch {
                // not JSON: pass it on as it is
              }
            }
            const headers = { ...answer.headers, 'content-length': String(text.length) };
            delete headers['transfer-encoding'];
            response.writeHead(answer.statusCode ?? 502, headers);
            response.end(text);
          });
        },
      );
      upstream.on('error', (error) => {
        response.writeHead(502);
        response.end(String(error));
      });
      upstream.end(Buffer.concat(chunks));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : 0,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface AwsFixture {
  readonly replicationInstanceArn: string;
  readonly replicationInstanceIdentifier: string;
  readonly sourceEndpointArn: string;
  readonly targetEndpointArn: string;
  /** Created, never started (startTask). */
  readonly readyTaskArn: string;
  /** Started in moto (stopTask, describeTask, pollTask, checkCatchUp, decideRecovery, healthCheck). */
  readonly runningTaskArn: string;
  /** Started in moto, for stopTask alone (so the others still see a running task). */
  readonly stoppableTaskArn: string;
  readonly topicArn: string;
  readonly alertStateTable: string;
  readonly stateMachineArn: string;
}

const TABLE_MAPPINGS = JSON.stringify(selectionMappings({ schema: 'public', table: 'bench_rows' }));

export async function prepareAws(moto: Moto): Promise<AwsFixture> {
  const config = {
    endpoint: moto.endpoint,
    region: MOTO_REGION,
    credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
  };
  const dms = new DatabaseMigrationServiceClient(config);
  const sns = new SNSClient(config);
  const dynamodb = new DynamoDBClient(config);
  const sfn = new SFNClient(config);
  try {
    const replicationInstanceIdentifier = 'bench-rep';
    const instance = await dms.send(
      new CreateReplicationInstanceCommand({
        ReplicationInstanceIdentifier: replicationInstanceIdentifier,
        ReplicationInstanceClass: 'dms.t3.micro',
      }),
    );
    const endpoint = async (id: string, type: 'source' | 'target') =>
      (
        await dms.send(
          new CreateEndpointCommand({
            EndpointIdentifier: id,
            EndpointType: type,
            EngineName: 'postgres',
            ServerName: '127.0.0.1',
            Port: 5432,
            DatabaseName: 'postgres',
            Username: 'postgres',
            Password: 'bench',
          }),
        )
      ).Endpoint?.EndpointArn as string;
    const replicationInstanceArn = instance.ReplicationInstance?.ReplicationInstanceArn as string;
    const sourceEndpointArn = await endpoint('bench-src', 'source');
    const targetEndpointArn = await endpoint('bench-tgt', 'target');
    const task = async (id: string) =>
      (
        await dms.send(
          new CreateReplicationTaskCommand({
            ReplicationTaskIdentifier: id,
            ReplicationInstanceArn: replicationInstanceArn,
            SourceEndpointArn: sourceEndpointArn,
            TargetEndpointArn: targetEndpointArn,
            MigrationType: 'cdc',
            TableMappings: TABLE_MAPPINGS,
          }),
        )
      ).ReplicationTask?.ReplicationTaskArn as string;
    const readyTaskArn = await task('bench-ready');
    const runningTaskArn = await task('bench-running');
    const stoppableTaskArn = await task('bench-stoppable');
    for (const arn of [runningTaskArn, stoppableTaskArn]) {
      await dms.send(
        new StartReplicationTaskCommand({
          ReplicationTaskArn: arn,
          StartReplicationTaskType: 'start-replication',
        }),
      );
    }
    const topic = await sns.send(new CreateTopicCommand({ Name: 'bench-alerts' }));
    const alertStateTable = 'bench-alert-state';
    await dynamodb.send(
      new CreateTableCommand({
        TableName: alertStateTable,
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    const machine = await sfn.send(
      new CreateStateMachineCommand({
        name: 'bench-recover',
        roleArn: 'arn:aws:iam::123456789012:role/bench-sfn',
        definition: JSON.stringify({ StartAt: 'Done', States: { Done: { Type: 'Succeed' } } }),
      }),
    );
    return {
      replicationInstanceArn,
      replicationInstanceIdentifier,
      sourceEndpointArn,
      targetEndpointArn,
      readyTaskArn,
      runningTaskArn,
      stoppableTaskArn,
      topicArn: topic.TopicArn as string,
      alertStateTable,
      stateMachineArn: machine.stateMachineArn as string,
    };
  } finally {
    for (const client of [dms, sns, dynamodb, sfn]) client.destroy();
  }
}
