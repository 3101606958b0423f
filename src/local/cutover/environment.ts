import os from 'node:os';
import path from 'node:path';
import { LocalDms } from '../../adapters/local/dms/engine.js';
import { LocalSecretStore } from '../../adapters/local/secret-store.js';
import { LocalSnsSink, type SnsNotification } from '../../adapters/local/sns-sink.js';
import { DEMO_SCHEMA_SQL } from '../demo-schema.js';
import { type PgNode, startPrimary } from '../postgres/index.js';

/** Everything a local cutover runs against: two real servers, the local engine, secrets and alerts. */
export interface LocalCutoverEnvironment {
  readonly source: PgNode;
  readonly target: PgNode;
  readonly secrets: LocalSecretStore;
  readonly dms: LocalDms;
  readonly alerts: LocalSnsSink;
  readonly alertsPath: string;
  readonly sourceSecretArn: string;
  readonly targetSecretArn: string;
  readonly targetEndpointArn: string;
  readonly replicationInstanceArn: string;
  destroy(): Promise<void>;
}

export const LOCAL_REPLICATION_INSTANCE = 'arn:aws:dms:local:000000000000:rep:LOCALENGINE';

export interface EnvironmentOptions {
  /** Existing servers (tests); by default two embedded PostgreSQL 17 servers are started. */
  readonly source?: PgNode;
  readonly target?: PgNode;
  /** Create the demo schema on both (the rehearsal); tests bring their own schema. */
  readonly demoSchema?: boolean;
  readonly onAlert?: (notification: SnsNotification) => void;
  /** The local engine's replication-instance clock (server_time stop positions); the system clock by default. */
  readonly dmsClock?: () => number;
}

export async function createLocalEnvironment(
  options: EnvironmentOptions = {},
): Promise<LocalCutoverEnvironment> {
  const owned: PgNode[] = [];
  const start = async (node: PgNode | undefined, name: string) => {
    if (node) return node;
    const started = await startPrimary({ name });
    owned.push(started);
    return started;
  };
  try {
    const [source, target] = await Promise.all([
      start(options.source, 'cutover-source'),
      start(options.target, 'cutover-target'),
    ]);
    if (options.demoSchema) await Promise.all([source.query(DEMO_SCHEMA_SQL), target.query(DEMO_SCHEMA_SQL)]);
    const secrets = new LocalSecretStore();
    const dms = new LocalDms({ secrets, clock: options.dmsClock });
    const alertsPath = path.join(os.tmpdir(), `dms-cdc-alerts-${process.pid}-${Date.now()}.jsonl`);
    const alerts = new LocalSnsSink({ path: alertsPath, onPublish: options.onAlert });
    return {
      source,
      target,
      secrets,
      dms,
      alerts,
      alertsPath,
      sourceSecretArn: secrets.register('source', source.url()),
      targetSecretArn: secrets.register('target', target.url()),
      targetEndpointArn: dms.registerTargetEndpoint('local-target', target.url()).arn,
      replicationInstanceArn: LOCAL_REPLICATION_INSTANCE,
      async destroy() {
        await dms.shutdown();
        await Promise.all(owned.map((node) => node.destroy()));
      },
    };
  } catch (error) {
    await Promise.all(owned.map((node) => node.destroy()));
    throw error;
  }
}
