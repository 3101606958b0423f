import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repoRoot = path.resolve(import.meta.dirname, '../..');
const biome = path.join(repoRoot, 'node_modules/.bin/biome');

// The same module in two places: the core must refuse what an adapter may do.
const PROBE = `import { readFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import pg from 'pg';
import { SNSClient } from '@aws-sdk/client-sns';
import { connectPg } from '../adapters/pg/client.js';
import { localMachine } from '../../local/machine.js';
import { createHash } from 'node:crypto';
import * as z from 'zod';
import { at } from './json-read.js';
export const used = [readFileSync, spawn, pg, SNSClient, connectPg, localMachine, createHash, z, at];
export const home = process.env.HOME;
export const here = process.cwd();
`;

let dir: string;

/** The repository's biome.json in a scratch tree (nothing is written into the working tree). */
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'dms-cdc-boundaries-'));
  const config = JSON.parse(readFileSync(path.join(repoRoot, 'biome.json'), 'utf8'));
  delete config.vcs;
  delete config.$schema;
  writeFileSync(path.join(dir, 'biome.json'), JSON.stringify(config));
  for (const where of ['src/core/cutover', 'src/adapters/aws']) {
    mkdirSync(path.join(dir, where), { recursive: true });
    writeFileSync(path.join(dir, where, 'probe.ts'), PROBE);
  }
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** `file:line rule` for each diagnostic biome reports on the scratch tree. */
function lint(target: string): { status: number | null; diagnostics: string[] } {
  const run = spawnSync(biome, ['lint', '--max-diagnostics=100', '--colors=off', target], {
    cwd: dir,
    encoding: 'utf8',
  });
  const diagnostics = [...`${run.stdout}${run.stderr}`.matchAll(/^(\S+\.ts):(\d+):\d+ (lint\/\S+)/gm)].map(
    ([, file, line, rule]) => `${file}:${line} ${rule}`,
  );
  return { status: run.status, diagnostics };
}

describe('the core’s boundaries are enforced by biome', () => {
  it('fails on an adapter, the local engine, the AWS SDK, pg, node I/O modules and process in src/core', () => {
    const { status, diagnostics } = lint('src/core');
    expect(status).not.toBe(0);
    const file = 'src/core/cutover/probe.ts';
    expect(diagnostics).toEqual(
      expect.arrayContaining([
        `${file}:1 lint/style/noRestrictedImports`,
        `${file}:2 lint/style/noRestrictedImports`,
        `${file}:3 lint/style/noRestrictedImports`,
        `${file}:4 lint/style/noRestrictedImports`,
        `${file}:5 lint/style/noRestrictedImports`,
        `${file}:6 lint/style/noRestrictedImports`,
        `${file}:11 lint/style/noProcessEnv`,
        `${file}:12 lint/style/noRestrictedGlobals`,
      ]),
    );
    // Pure modules stay allowed: hashing, zod, the core's own files.
    for (const line of [7, 8, 9]) expect(diagnostics.join('\n')).not.toContain(`${file}:${line} `);
  });

  it('lets an adapter do the same', () => {
    expect(lint('src/adapters')).toEqual({ status: 0, diagnostics: [] });
  });
});
