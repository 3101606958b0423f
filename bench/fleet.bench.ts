// npm run bench:fleet: one health-check schedule over a fleet, through the real machine
// (statemachines/health-check.asl.json, local runner) and the real handler (functions/health-check.ts).
//   1,000 sources: 950 databases over 3 embedded PostgreSQL 17 servers, 25 sources whose port refuses
//   and 25 whose port accepts and never answers (only the connect timeout ends the wait).
// Printed side by side with the machine this one replaced (one invocation per source, 10 at a time,
// every full result collected into the state; its handler's 10 s connect timeout): wall time, the
// largest state input or output against Step Functions' 256 KiB limit, invocations, counts.
// FLEET_SOURCES, FLEET_UNREACHABLE and FLEET_SERVERS change the shape.

import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import type { ExecutionEvent, TaskHandler } from '../src/local/stepfunctions/index.js';
import type { Fleet } from '../test/e2e/health-check-fleet.js';

process.env.DMS_CDC_PG_TEMPLATES = '1';
// About 7.5 MB per database: on disk, not in /dev/shm.
const ownRoot = process.env.DMS_CDC_PG_ROOT === undefined;
process.env.DMS_CDC_PG_ROOT ??= path.join(tmpdir(), `dms-cdc-pg-bench-fleet-${process.pid}`);
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const { startPrimary } = await import('../src/local/postgres/index.js');
const { runStateMachine } = await import('../src/local/stepfunctions/index.js');
const { buildFleet, fleetTasks, largestPayload, STATE_PAYLOAD_LIMIT } = await import(
  '../test/e2e/health-check-fleet.js'
);
const { legacyTasks } = await import('./fleet-legacy.js');
const { createLogger } = await import('../src/adapters/aws/logger.js');
const { buildEmfHealthMetrics, HEALTH_METRICS_NAMESPACE } = await import(
  '../src/adapters/aws/cloudwatch-emf.js'
);
const { Metrics } = await import('@aws-lambda-powertools/metrics');

const SOURCES = Number(process.env.FLEET_SOURCES ?? 1000);
const UNREACHABLE = Number(process.env.FLEET_UNREACHABLE ?? 50);
const SERVERS = Number(process.env.FLEET_SERVERS ?? 3);
const MACHINE = 'statemachines/health-check.asl.json';
// The machine before batching, as it was committed.
const PREVIOUS = execFileSync('git', ['show', 'c61e61f~1:statemachines/health-check.asl.json'], {
  encoding: 'utf8',
});

const reachable = SOURCES - UNREACHABLE;
const perServer = Math.ceil(reachable / SERVERS);
let t = performance.now();
const nodes = await Promise.all(
  Array.from({ length: SERVERS }, (_, n) =>
    startPrimary({
      name: `bench-fleet-${n}`,
      settings: { max_connections: 250, max_replication_slots: perServer + 20 },
    }),
  ),
);
const sinkDir = await mkdtemp(path.join(tmpdir(), 'dms-cdc-bench-fleet-'));
try {
  const fleet = await buildFleet({
    nodes,
    reachable,
    refused: Math.floor(UNREACHABLE / 2),
    blackHoled: UNREACHABLE - Math.floor(UNREACHABLE / 2),
    slotPerDatabase: true,
  });
  console.log(
    `${SERVERS} servers, ${reachable} databases (~${perServer} per server, a logical slot in each), ${UNREACHABLE} unreachable ` +
      `(${Math.floor(UNREACHABLE / 2)} refused, ${UNREACHABLE - Math.floor(UNREACHABLE / 2)} black-holed): ` +
      `ready in ${((performance.now() - t) / 1000).toFixed(1)} s`,
  );
  const configBytes = Buffer.byteLength(JSON.stringify(fleet.config));
  console.log(`configuration document: ${SOURCES} sources, ${kib(configBytes)}`);

  const rows: string[][] = [];
  // HEALTH_CHECK_SOURCE_TIMEOUT_SECONDS and HEALTH_CHECK_BATCH_CONCURRENCY reach the handler as in AWS.
  const handlerEnv = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => key.startsWith('HEALTH_CHECK_')),
  );
  const warned: { source: string; error: string | null }[] = [];
  const current = fleetTasks(fleet, path.join(sinkDir, 'new.jsonl'), {
    env: { SOURCE_TLS: 'disable', ...handlerEnv },
    logger: capturingLogger(warned),
  });
  for (const [label, definition, tasks] of [
    ['batches (this machine)', undefined, current.tasks],
    ['one invocation per source (before)', PREVIOUS, legacyTasks(fleet, path.join(sinkDir, 'old.jsonl'))],
  ] as const) {
    let invocations = 0;
    const inner = tasks.HealthCheckFunctionArn as TaskHandler;
    const counted: Record<string, TaskHandler> = {
      ...tasks,
      HealthCheckFunctionArn: (event, context) => {
        invocations += 1;
        return inner(event, context);
      },
    };
    t = performance.now();
    const result = await runStateMachine({
      ...(definition === undefined ? { definitionPath: MACHINE } : { definition }),
      tasks: counted,
      input: fleet.config,
    });
    const wall = (performance.now() - t) / 1000;
    const largest = largestPayload(result.events);
    const mapOutput = result.events.find((e) => e.type === 'StateExited' && e.stateName === 'CheckSources');
    const task = taskDurations(result.events, definition === undefined ? 'CheckBatch' : 'CheckSource');
    rows.push([
      label,
      result.status,
      `${wall.toFixed(1)} s`,
      `${kib(largest.bytes)} (${((100 * largest.bytes) / STATE_PAYLOAD_LIMIT).toFixed(0)}% of 256 KiB)`,
      largest.where,
      kib(Buffer.byteLength(JSON.stringify(mapOutput?.output ?? null))),
      String(invocations),
      `${(task.mean / 1000).toFixed(2)} / ${(task.max / 1000).toFixed(1)} s`,
      counts(result.output),
    ]);
  }
  const header = [
    'machine',
    'status',
    'wall time',
    'largest state payload',
    'at',
    'Map output',
    'invocations',
    'invocation mean / max',
    'counts',
  ];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  for (const row of [header, ...rows]) console.log(row.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  '));
  const perSource = Object.entries(current.stateCalls)
    .map(
      ([method, n]) =>
        `${method} ${(n / SOURCES).toFixed(2)} (${((current.stateBytes[method] ?? 0) / n).toFixed(0)} bytes of arguments each)`,
    )
    .join(', ');
  console.log(`alert-state store calls per source and run (DynamoDB requests in AWS): ${perSource}`);
  const surprising = warned.filter((w) => w.source.startsWith('reachable-'));
  if (surprising.length > 0) {
    const byCause = new Map<string, number>();
    for (const w of surprising) {
      const key = (w.error ?? '').replace(/127\.0\.0\.1:\d+\/fleet_\d+/, '<db>').slice(0, 120);
      byCause.set(key, (byCause.get(key) ?? 0) + 1);
    }
    console.log(`reachable sources that failed on this machine (${surprising.length}):`);
    for (const [cause, n] of byCause) console.log(`  ${n} x ${cause}`);
  }
  await cloudWatchPerSource(fleet);
  await fleet.close();
} finally {
  await Promise.allSettled(nodes.map((node) => node.destroy()));
  await rm(sinkDir, { recursive: true, force: true });
  // The servers are gone; what is left is the template this run made.
  if (ownRoot) await rm(process.env.DMS_CDC_PG_ROOT, { recursive: true, force: true });
}
// A batch deadline timer may still be pending.
process.exit(0);

/**
 * What the handler writes to CloudWatch Logs (its log lines and the EMF metric documents, both on
 * stdout) for 25 healthy sources checked through the machine with the real logger and metrics:
 * bytes per source and check, and the custom metrics (name and dimensions) each source creates.
 */
async function cloudWatchPerSource(fleet: Fleet): Promise<void> {
  const sources = fleet.config.sources.filter((s) => s.name.startsWith('reachable-')).slice(0, 25);
  const lines: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  const run = fleetTasks(fleet, path.join(sinkDir, 'emf.jsonl'), {
    logger: createLogger(),
    metrics: buildEmfHealthMetrics(new Metrics({ namespace: HEALTH_METRICS_NAMESPACE })),
  });
  process.stdout.write = ((chunk: string | Uint8Array) => {
    lines.push(...String(chunk).split('\n').filter(Boolean));
    return true;
  }) as typeof process.stdout.write;
  try {
    await runStateMachine({ definitionPath: MACHINE, tasks: run.tasks, input: { sources } });
  } finally {
    process.stdout.write = write;
  }
  const metrics = new Set<string>();
  let emf = 0;
  for (const line of lines) {
    const doc = JSON.parse(line) as { _aws?: { CloudWatchMetrics: { Metrics: { Name: string }[] }[] } };
    if (!doc._aws) continue;
    emf += 1;
    const { _aws, ...rest } = doc;
    const dimensions = Object.entries(rest)
      .filter(([, v]) => typeof v === 'string')
      .map(([k, v]) => `${k}=${v}`)
      .join(',');
    for (const m of _aws.CloudWatchMetrics[0]?.Metrics ?? []) metrics.add(`${m.Name}{${dimensions}}`);
  }
  // CloudWatch Logs bills each event's bytes plus 26 bytes.
  const bytes = lines.reduce((n, line) => n + Buffer.byteLength(line) + 26, 0);
  console.log(
    `CloudWatch per source and check (${sources.length} healthy sources, one slot each): ${(bytes / sources.length).toFixed(0)} log bytes ` +
      `(${(lines.length / sources.length).toFixed(2)} events, ${(emf / sources.length).toFixed(2)} of them EMF), ` +
      `${(metrics.size / sources.length).toFixed(2)} custom metrics`,
  );
}

/** A silent logger that keeps the warnings (a source that could not be checked), for the report. */
function capturingLogger(into: { source: string; error: string | null }[]): Logger {
  const logger = new Logger({ serviceName: 'bench-fleet', logLevel: 'SILENT' });
  logger.warn = ((_message: string, extra?: { source?: string; error?: string | null }) => {
    into.push({ source: extra?.source ?? '?', error: extra?.error ?? null });
  }) as Logger['warn'];
  return logger;
}

/** How long each invocation of the Map's task took, from its StateEntered to its StateExited. */
function taskDurations(events: readonly ExecutionEvent[], state: string): { mean: number; max: number } {
  const entered = new Map<number, number>();
  const took: number[] = [];
  for (const e of events) {
    if (e.stateName !== state || e.index === undefined) continue;
    if (e.type === 'StateEntered') entered.set(e.index, e.timestamp);
    if (e.type === 'StateExited') took.push(e.timestamp - (entered.get(e.index) ?? e.timestamp));
  }
  return { mean: took.reduce((a, b) => a + b, 0) / Math.max(1, took.length), max: Math.max(0, ...took) };
}

function kib(bytes: number): string {
  return `${(bytes / 1024).toFixed(1)} KiB`;
}

function counts(output: unknown): string {
  const o = output as Record<string, unknown> | undefined;
  if (o && typeof o.ok === 'number') {
    return `ok ${o.ok}, warning ${o.warning}, critical ${o.critical}, failed ${o.failed}`;
  }
  const results = (o?.results ?? []) as { status?: string; state?: string }[];
  const by = (status: string) => results.filter((r) => r.status === status).length;
  const ok = results.filter((r) => r.status === 'CHECKED' && r.state === 'OK').length;
  return `ok ${ok}, unreachable ${by('UNREACHABLE')}, failed ${by('FAILED')} (${results.length} full results in the state)`;
}
