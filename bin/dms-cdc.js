#!/usr/bin/env node
// The installed `dms-cdc` binary: runs the TypeScript CLI through tsx's loader.
import { register } from 'tsx/esm/api';

register();
const { runAsProgram } = await import('../src/cli/main.ts');
await runAsProgram();
