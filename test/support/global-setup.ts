import { readdirSync, rmdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { startAslCoverage } from './asl-coverage-setup.js';

/**
 * Gives this test run its own root for PostgreSQL nodes (forked workers inherit the variable),
 * and on teardown removes whatever a crashed or interrupted test left there, loudly.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const { NODES_ROOT, sweepOrphans } = await import('../../src/local/postgres/registry.js');
  const root = path.join(NODES_ROOT, `run-${process.pid}`);
  process.env.DMS_CDC_PG_ROOT = root;
  // initdb once per run and copy the result: several times faster than initdb per server.
  process.env.DMS_CDC_PG_TEMPLATES = '1';
  // State-machine path coverage (npm test, npm run coverage:asl): see asl-coverage-setup.ts.
  const finishAslCoverage = startAslCoverage(project);
  const sweepNodes = async () => {
    const left = sweepOrphans({ all: true, root });
    rmSync(root, { recursive: true, force: true });
    // The shared parent goes too once no other run or rehearsal uses it.
    rmdirIfEmpty(NODES_ROOT);
    if (left > 0) {
      throw new Error(
        `${left} PostgreSQL node(s) were left running by the tests; they have now been removed`,
      );
    }
  };
  return () => runAll([sweepNodes, finishAslCoverage]);
}

/** Every teardown step runs even when one throws; all their errors are reported. */
async function runAll(steps: ReadonlyArray<() => Promise<void>>): Promise<void> {
  const errors: unknown[] = [];
  for (const step of steps) {
    try {
      await step();
    } catch (error) {
      errors.push(error);
    }
  }
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) {
    throw new AggregateError(errors, errors.map((e) => (e as Error).message).join('\n'));
  }
}

function rmdirIfEmpty(dir: string): void {
  try {
    if (readdirSync(dir).length === 0) rmdirSync(dir);
  } catch {
    // Gone already, or another run created something in it meanwhile.
  }
}
