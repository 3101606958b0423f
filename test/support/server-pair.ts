import type pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import { type PgMajor, type PgNode, primaryForFile } from './pg.js';

/** A source and a target server, and one client open on each. */
export interface ServerPair {
  sourceNode: PgNode;
  targetNode: PgNode;
  source: pg.Client;
  target: pg.Client;
}

/**
 * A source and a target server of `major` for the tests of the enclosing describe block, each with
 * its SQL run and a client open, filled in before the block's first test. Both servers go once the
 * block's tests are done: a version-matrix file holds seven pairs, one per major.
 */
export function serverPairForBlock(
  name: string,
  major: PgMajor,
  sql: { source: string; target: string },
): ServerPair {
  const pair = {} as ServerPair;
  beforeAll(async () => {
    [pair.sourceNode, pair.targetNode] = await Promise.all([
      primaryForFile({ name: `${name}-src`, major }),
      primaryForFile({ name: `${name}-tgt`, major }),
    ]);
    await Promise.all([pair.sourceNode.query(sql.source), pair.targetNode.query(sql.target)]);
    [pair.source, pair.target] = await Promise.all([pair.sourceNode.connect(), pair.targetNode.connect()]);
  });
  afterAll(async () => {
    await Promise.all([pair.source?.end(), pair.target?.end()]);
    await Promise.all([pair.sourceNode?.destroy(), pair.targetNode?.destroy()]);
  });
  return pair;
}
