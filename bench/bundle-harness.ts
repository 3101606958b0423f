/**
 * The harness of npm run bench:bundle: serverless.yml read the way serverless-esbuild reads it (its
 * defaults, the target it derives from the runtime, the options it strips), and the fresh node
 * processes that import a bundle or run its handler once and print one BENCH line.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type * as esbuild from 'esbuild';
import yaml from 'js-yaml';

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '..');

/** The node every child runs on: the Lambda runtime's major, set by useNode() before the first child. */
let childNode = process.execPath;
let childNodeVersion = process.version;

export function useNode(nodePath: string, version: string): void {
  childNode = nodePath;
  childNodeVersion = version;
}

export function childNodeUsed(): { path: string; version: string } {
  return { path: childNode, version: childNodeVersion };
}

// --- serverless.yml, read the way serverless-esbuild reads it --------------------------------------

// CloudFormation short-form tags (!Ref, !If, ...) only need to parse; the bench never evaluates them.
const CFN_TAGS = ['Ref', 'GetAtt', 'Sub', 'If', 'Not', 'Equals', 'And', 'Or', 'Join', 'Split', 'Select'];
export const SCHEMA = yaml.DEFAULT_SCHEMA.extend(
  CFN_TAGS.flatMap((tag) =>
    (['scalar', 'sequence', 'mapping'] as const).map(
      (kind) => new yaml.Type(`!${tag}`, { kind, construct: (data: unknown) => ({ [`Fn::${tag}`]: data }) }),
    ),
  ),
);

export interface ServerlessYml {
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

export function esbuildOptions(
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

export function entryOf(handler: string): { entry: string; exportName: string } {
  const dot = handler.lastIndexOf('.');
  const base = handler.slice(0, dot);
  const file = ENTRY_EXTENSIONS.map((ext) => `${base}${ext}`).find((f) => existsSync(path.join(ROOT, f)));
  if (!file) throw new Error(`no source for handler ${handler}`);
  return { entry: file, exportName: handler.slice(dot + 1) };
}

// --- child processes -------------------------------------------------------------------------------

export const INIT_SCRIPT = `
const started = performance.now();
await import(process.env.BENCH_BUNDLE_URL);
const initMs = performance.now() - started;
process.stdout.write('\\nBENCH ' + JSON.stringify({ initMs }) + '\\n');
`;

export const INVOKE_SCRIPT = `
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
export function childEnv(
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

export async function child<T>(script: string, env: NodeJS.ProcessEnv): Promise<T> {
  const { stdout } = await run(childNode, ['--input-type=module', '-e', script], {
    env,
    timeout: 60_000,
    maxBuffer: 16 * 1024 * 1024,
  });
  const line = stdout.split('\n').find((l) => l.startsWith('BENCH '));
  if (!line) throw new Error(`child printed no result:\n${stdout}`);
  return JSON.parse(line.slice('BENCH '.length)) as T;
}
