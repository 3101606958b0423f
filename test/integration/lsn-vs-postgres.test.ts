import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { compareLsn, formatLsn, lsnDiff, lsnFromBigInt, parseLsn } from '../../src/core/lsn.js';
import { type PgNode, primaryForFile } from '../support/pg.js';

let server: PgNode;

beforeAll(async () => {
  server = await primaryForFile();
});

describe('LSN maths agree with PostgreSQL', () => {
  it('lsnDiff equals pg_wal_lsn_diff for LSNs the server produced', async () => {
    const produced = await serverLsns(server, 200);
    expect(new Set(produced).size).toBeGreaterThan(100);
    const pairs = produced.flatMap((a, i) => produced.slice(i, i + 20).map((b) => [a, b] as const));
    const expected = await serverDiffs(pairs);
    const ours = pairs.map(([a, b]) => lsnDiff(parseLsn(a), parseLsn(b)).toString());
    expect(ours).toEqual(expected);
  });

  it('lsnDiff, compareLsn and formatLsn equal the server for random 64-bit positions', async () => {
    const anyLsn = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }).map((n) => formatLsn(lsnFromBigInt(n)));
    const pairs = fc.sample(fc.tuple(anyLsn, anyLsn), 500);
    const { rows } = await query<{ diff: string; cmp: number; a_text: string }>(
      `SELECT pg_wal_lsn_diff(a::pg_lsn, b::pg_lsn)::text AS diff,
              CASE WHEN a::pg_lsn < b::pg_lsn THEN -1 WHEN a::pg_lsn > b::pg_lsn THEN 1 ELSE 0 END AS cmp,
              a::pg_lsn::text AS a_text
         FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS p(a, b, n) ORDER BY n`,
      [pairs.map((p) => p[0]), pairs.map((p) => p[1])],
    );
    const ours = pairs.map(([a, b]) => ({
      diff: lsnDiff(parseLsn(a), parseLsn(b)).toString(),
      cmp: compareLsn(parseLsn(a), parseLsn(b)),
      a_text: a,
    }));
    expect(ours).toEqual(rows);
  });

  it('parses every spelling the server accepts the same way the server does', async () => {
    const spellings = [
      '0/0',
      '0/00000000',
      'ffffffff/ffffffff',
      'Ab/Cd',
      '00000001/00000000',
      '4AF/B00000D0',
    ];
    const { rows } = await query<{ text: string }>(
      'SELECT s::pg_lsn::text AS text FROM unnest($1::text[]) s',
      [spellings],
    );
    expect(spellings.map((s) => formatLsn(parseLsn(s)))).toEqual(rows.map((r) => r.text));
  });
});

/** Commits many small transactions and a few WAL segment switches, recording pg_current_wal_lsn() after each. */
async function serverLsns(node: PgNode, count: number): Promise<string[]> {
  const client = await node.connect();
  try {
    await client.query('CREATE TABLE IF NOT EXISTS lsn_probe (id serial PRIMARY KEY, payload text)');
    const lsns: string[] = [];
    for (let i = 0; i < count; i += 1) {
      if (i % 50 === 25) await client.query('SELECT pg_switch_wal()');
      await client.query('INSERT INTO lsn_probe (payload) SELECT repeat($1, $2)', ['x', (i * 37) % 5000]);
      const { rows } = await client.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn');
      lsns.push(rows[0]?.lsn ?? '');
    }
    return lsns;
  } finally {
    await client.end();
  }
}

async function serverDiffs(pairs: ReadonlyArray<readonly [string, string]>): Promise<string[]> {
  const { rows } = await query<{ diff: string }>(
    `SELECT pg_wal_lsn_diff(a::pg_lsn, b::pg_lsn)::text AS diff
       FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS p(a, b, n) ORDER BY n`,
    [pairs.map((p) => p[0]), pairs.map((p) => p[1])],
  );
  return rows.map((r) => r.diff);
}

async function query<Row extends Record<string, unknown>>(sql: string, params: unknown[]) {
  const client = await server.connect();
  try {
    return await client.query<Row>(sql, params);
  } finally {
    await client.end();
  }
}
