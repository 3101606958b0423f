import { once } from 'node:events';
import net from 'node:net';
import { Logger } from '@aws-lambda-powertools/logger';
import { type HealthCheckDeps, makeHandler } from '../../functions/health-check.js';
import { MemoryAlertStateStore } from '../../src/adapters/local/alert-state-store.js';
import { LocalSnsSink } from '../../src/adapters/local/sns-sink.js';
import { systemClock } from '../../src/adapters/system-clock.js';
import type { HealthMetrics } from '../../src/core/health/run.js';
import { freePort, type PgNode } from '../../src/local/postgres/index.js';
import type { ExecutionEvent, TaskHandler } from '../../src/local/stepfunctions/index.js';
import type { CloudMetricsReader } from '../../src/ports/health.js';

/**
 * A fleet for the health-check machine, shared by test/e2e/health-check-fleet.test.ts and
 * bench/fleet.bench.ts: one database per reachable source, spread over a few servers; sources
 * whose port refuses (nothing listens) and sources whose port is black-holed (a socket that accepts
 * and never answers, so only the connect timeout ends the wait). Each source has its own secret.
 */
export interface FleetOptions {
  readonly nodes: readonly PgNode[];
  readonly reachable: number;
  readonly refused: number;
  readonly blackHoled: number;
  /** A logical slot in each database, watched by its source (needs max_replication_slots to match). */
  readonly slotPerDatabase?: boolean;
}

interface FleetSource {
  readonly name: string;
  readonly secretArn: string;
  readonly slots?: readonly string[];
}

interface Target {
  readonly port: number;
  readonly dbname: string;
}

export interface Fleet {
  readonly config: { readonly sources: readonly FleetSource[] };
  readonly targets: ReadonlyMap<string, Target>;
  close(): Promise<void>;
}

export const fleetArn = (name: string) =>
  `arn:aws:secretsmanager:us-east-1:123456789012:secret:dms-cdc/${name}-AbCdEf`;

export async function buildFleet(options: FleetOptions): Promise<Fleet> {
  const targets = new Map<string, Target>();
  const sources: FleetSource[] = [];
  const add = (name: string, target: Target, slot?: string) => {
    sources.push({ name, secretArn: fleetArn(name), ...(slot ? { slots: [slot] } : {}) });
    targets.set(fleetArn(name), target);
  };
  const perNode = Math.ceil(options.reachable / options.nodes.length);
  // CREATE DATABASE copies template1, which must have no other session: one at a time per server.
  await Promise.all(
    options.nodes.map(async (node, n) => {
      for (let i = n * perNode; i < Math.min(options.reachable, (n + 1) * perNode); i += 1) {
        const dbname = `fleet_${String(i).padStart(4, '0')}`;
        await node.query(`CREATE DATABASE ${dbname} STRATEGY FILE_COPY`);
        const slot = options.slotPerDatabase ? `dms_${dbname}` : undefined;
        if (slot) {
          await node.query(`SELECT pg_create_logical_replication_slot($1, 'test_decoding')`, [slot], dbname);
        }
        add(`reachable-${String(i).padStart(4, '0')}`, { port: node.port, dbname }, slot);
      }
    }),
  );
  for (let i = 0; i < options.refused; i += 1) {
    add(`refused-${String(i).padStart(4, '0')}`, { port: await freePort(), dbname: 'postgres' });
  }
  const holes = await Promise.all(Array.from({ length: options.blackHoled }, () => blackHole()));
  holes.forEach((hole, i) => {
    add(`blackholed-${String(i).padStart(4, '0')}`, { port: hole.port, dbname: 'postgres' });
  });
  sources.sort((a, b) => a.name.localeCompare(b.name));
  // Interleave so the unreachable sources land in several batches, not all in the last ones.
  const interleaved = sources.map((_, i) => sources[(i * 7) % sources.length] as FleetSource);
  const ordered = new Set(interleaved).size === sources.length ? interleaved : sources;
  return {
    config: { sources: ordered },
    targets,
    close: async () => {
      await Promise.all(holes.map((hole) => hole.close()));
    },
  };
}

/** A listening socket that accepts connections and never sends a byte. */
async function blackHole(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export interface FleetRun {
  readonly tasks: Record<string, TaskHandler>;
  readonly measured: string[];
  readonly unreachable: string[];
  /** Calls made to the alert-state store, by method: what DynamoDB would be asked. */
  readonly stateCalls: Record<string, number>;
  /** The JSON size of what each method was given, summed: how large the items written are. */
  readonly stateBytes: Record<string, number>;
}

/** The store with every method call counted by name. */
function counted<T extends object>(
  store: T,
  calls: Record<string, number>,
  bytes: Record<string, number>,
): T {
  return new Proxy(store, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        calls[String(property)] = (calls[String(property)] ?? 0) + 1;
        bytes[String(property)] = (bytes[String(property)] ?? 0) + Buffer.byteLength(JSON.stringify(args));
        return value.apply(target, args);
      };
    },
  });
}

/** The real handler with Secrets Manager, SNS, DynamoDB and CloudWatch replaced by local stand-ins. */
export function fleetTasks(
  fleet: Fleet,
  sinkFile: string,
  overrides: Partial<HealthCheckDeps> = {},
): FleetRun {
  const measured: string[] = [];
  const unreachable: string[] = [];
  const stateCalls: Record<string, number> = {};
  const stateBytes: Record<string, number> = {};
  const cloud: CloudMetricsReader = { read: async () => ({ rds: null, dms: [] }) };
  const metrics: HealthMetrics = {
    record: ({ source, measurement }) => (measurement ? measured : unreachable).push(source),
  };
  const handler = makeHandler({
    secrets: {
      async getSecretString(secretId) {
        const target = fleet.targets.get(secretId);
        if (!target) {
          throw Object.assign(new Error(`no secret ${secretId}`), { name: 'ResourceNotFoundException' });
        }
        const { port, dbname } = target;
        return JSON.stringify({ username: 'postgres', password: 'x', host: '127.0.0.1', port, dbname });
      },
    },
    env: { SOURCE_TLS: 'disable' },
    logger: new Logger({ serviceName: 'health-fleet', logLevel: 'SILENT' }),
    cloud,
    metrics,
    clock: systemClock,
    state: counted(new MemoryAlertStateStore(), stateCalls, stateBytes),
    alerts: new LocalSnsSink({ path: sinkFile }),
    ...overrides,
  });
  const noSsm: TaskHandler = () => {
    throw new Error('this run was not expected to read an SSM parameter');
  };
  return {
    tasks: {
      HealthCheckFunctionArn: handler,
      'arn:aws:states:::aws-sdk:ssm:getParameter': noSsm,
      'arn:aws:states:::aws-sdk:s3:getObject': noSsm,
    },
    measured,
    unreachable,
    stateCalls,
    stateBytes,
  };
}

/** The largest serialized input or output of any state event: what Step Functions' 256 KiB limit applies to. */
export function largestPayload(events: readonly ExecutionEvent[]): {
  bytes: number;
  where: string;
} {
  let largest = { bytes: 0, where: 'none' };
  for (const event of events) {
    for (const [side, value] of [
      ['input', event.input],
      ['output', event.output],
    ] as const) {
      if (value === undefined) continue;
      const bytes = Buffer.byteLength(JSON.stringify(value), 'utf8');
      if (bytes > largest.bytes) {
        largest = { bytes, where: `${event.type} ${event.stateName ?? ''} ${side}`.replace('  ', ' ') };
      }
    }
  }
  return largest;
}

/** Step Functions' limit on a state's input or output: 262,144 bytes of UTF-8. */
export const STATE_PAYLOAD_LIMIT = 262_144;
