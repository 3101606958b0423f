#!/usr/bin/env node
// The installed `dms-cdc` binary: runs the CLI bundle built ahead of time into dist/cli/ (npm's
// `prepare`, so `npm ci` builds it; bin/build-cli.js). No TypeScript is compiled at run time.
import { existsSync } from 'node:fs';

// The SDK's notice that its 2027 releases need Node 22 is for maintainers (see the README), not for
// every run of a command; the versions this package pins work on Node 20.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
// pg decides at load whether it runs on Cloudflare Workers: without `navigator` (Node 20; Node 21 and
// later have one) it constructs a fetch Response to find out, which loads Node's fetch implementation
// for nothing: about 10 ms of every command that connects. Node 21's own navigator.userAgent answers it.
if (globalThis.navigator === undefined) {
  Object.defineProperty(globalThis, 'navigator', {
    value: Object.freeze({ userAgent: `Node.js/${process.versions.node.split('.')[0]}` }),
    configurable: true,
    writable: true,
  });
}
const bundle = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(bundle)) {
  process.stderr.write(
    'dms-cdc: the CLI is not built (dist/cli/main.js is missing): run `npm run build:cli`\n',
  );
  process.exit(2);
}
const { runAsProgram } = await import(bundle.href);
await runAsProgram();
