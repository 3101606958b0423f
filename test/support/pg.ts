import { afterAll } from 'vitest';
import {
  createStandby,
  type PgNode,
  type PrimaryOptions,
  type StandbyOptions,
  startPrimary,
} from '../../src/local/postgres/index.js';

export * from '../../src/local/postgres/index.js';

const started: PgNode[] = [];

/**
 * Starts a primary that is destroyed after the file's tests, whatever happened in them.
 * Call at the top of a test file or inside `beforeAll`.
 */
export async function primaryForFile(options: PrimaryOptions = {}): Promise<PgNode> {
  const node = await startPrimary(options);
  started.push(node);
  return node;
}

export async function standbyForFile(primary: PgNode, options: StandbyOptions = {}): Promise<PgNode> {
  const node = await createStandby(primary, options);
  started.push(node);
  return node;
}

afterAll(async () => {
  // Standbys first: with synchronized_standby_slots set the primary is fine either way.
  await Promise.allSettled(started.reverse().map((node) => node.destroy()));
  started.length = 0;
});
