#!/usr/bin/env node
// The installed `dms-cdc` binary: runs the TypeScript CLI through tsx's loader.
import { register } from 'tsx/esm/api';

// The SDK's notice that its 2027 releases need Node 22 is for maintainers (see the README), not for
// every run of a command; the versions this package pins work on Node 20.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
register();
const { runAsProgram } = await import('../src/cli/main.ts');
await runAsProgram();
