import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { freePort, type PgNode, primaryForFile } from '../support/pg.js';

/** `dms-cdc verify` as users run it: exit statuses, the JSON shape, and repair SQL that repairs. */
let node: PgNode;
const dir = mkdtempSync(path.join(os.tmpdir(), 'dms-cdc-verify-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const DDL = `CREATE TYPE state AS ENUM ('new', 'done');
  CREATE TABLE orders (id bigint PRIMARY KEY, note text, amount numeric, at timestamptz, doc jsonb, tags text[], st state, raw bytea);
  CREATE TABLE lines (order_id bigint, n int, qty int, PRIMARY KEY (order_id, n));
  CREATE TABLE log (msg text, at int)`;
const DATA = `INSERT INTO orders SELECT g, 'note ' || g, g * 2.5, '2024-01-01 00:00+00'::timestamptz + g * interval '1 min',
    jsonb_build_object('g', g), ARRAY['a', g::text], 'new', decode(lpad(to_hex(g), 4, '0'), 'hex') FROM generate_series(1, 500) g;
  INSERT INTO lines SELECT g % 50, g, g FROM generate_series(1, 500) g;
  INSERT INTO log SELECT 'm' || (g % 10), g % 3 FROM generate_series(1, 100) g`;

beforeAll(async () => {
  node = await primaryForFile({ name: 'verify-cli' });
  for (const db of ['source', 'target']) {
    await node.query(`CREATE DATABASE ${db}`);
    await node.query(DDL, [], db);
    await node.query(DATA, [], db);
  }
});

const run = (argv: string[], signal?: AbortSignal) => runCli(argv, { signal });

const both = () => ['--source', node.url('source'), '--target', node.url('target')];

describe('dms-cdc verify', () => {
  it('exits 0 on equal databases and prints the report shape the issue gives', async () => {
    const { status, stdout } = await run(['verify', ...both(), '--json']);
    expect(status).toBe(0);
    const report = JSON.parse(stdout);
    expect(Object.keys(report)).toEqual(['tables', 'sequences', 'summary']);
    expect(report.tables.map((t: { name: string }) => t.name)).toEqual([
      'public.lines',
      'public.log',
      'public.orders',
    ]);
    expect(report.tables[2]).toMatchObject({
      name: 'public.orders',
      rows: 500,
      equal: true,
      missingOnTarget: [],
      extraOnTarget: [],
      changed: [],
    });
    expect(report.summary).toMatchObject({ equal: true, tables: 3, rowsCompared: 1100 });
  });

  it('exits 1 on differences, writes repair SQL that makes the target equal, then exits 0', async () => {
    await node.query(
      `UPDATE orders SET note = 'it''s \\ changed', amount = 0 WHERE id = 7;
       UPDATE orders SET note = '' WHERE id = 8;
       DELETE FROM orders WHERE id IN (9, 300);
       INSERT INTO orders (id, note) VALUES (9000, 'extra');
       DELETE FROM lines WHERE order_id = 3 AND n = 3;
       UPDATE lines SET qty = 0 WHERE order_id = 4 AND n = 4;
       INSERT INTO log VALUES ('stray', 1);
       DELETE FROM log WHERE ctid IN (SELECT ctid FROM log WHERE msg = 'm1' LIMIT 1)`,
      [],
      'target',
    );
    await node.query(`UPDATE orders SET note = NULL WHERE id = 8`, [], 'source');
    const file = path.join(dir, 'repair.sql');
    const { status, stdout } = await run(['verify', ...both(), '--repair-sql', file]);
    expect(status).toBe(1);
    expect(stdout).toContain(
      'public.orders: DIFFERENT (500 rows): 2 missing on the target, 1 extra, 2 changed',
    );
    expect(stdout).toContain('changed: id="7" [note, amount]; id="8" [note]');
    expect(stdout).toContain(
      'public.log: DIFFERENT (100 rows, no primary key: whole-row checksums): 1 missing on the target, 1 extra, 0 changed',
    );
    expect(existsSync(`${file}.partial`)).toBe(false);
    const sql = readFileSync(file, 'utf8');
    expect(sql.startsWith('-- Statements that make the target equal')).toBe(true);
    await node.query(sql, [], 'target');
    // Run twice: the statements are safe to rerun.
    await node.query(sql, [], 'target');
    const after = await run(['verify', ...both(), '--json']);
    expect(JSON.parse(after.stdout).summary).toMatchObject({
      equal: true,
      missingOnTarget: 0,
      extraOnTarget: 0,
      changed: 0,
    });
    expect(after.status).toBe(0);
  });

  it('exits 2 with one line when a server cannot be reached, and on a usage mistake', async () => {
    const port = await freePort();
    const down = await run([
      'verify',
      '--source',
      node.url('source'),
      '--target',
      `postgres://postgres@127.0.0.1:${port}/x`,
    ]);
    expect(down.status).toBe(2);
    expect(down.stderr).toMatch(
      /^verify could not run: SourceUnreachableError: cannot reach postgres@127\.0\.0\.1:\d+\/x/,
    );
    expect(down.stderr.split('\n')).toHaveLength(2);
    expect((await run(['verify', '--source', node.url('source')])).status).toBe(2);
    expect((await run(['verify', ...both(), '--bogus'])).status).toBe(2);
  });

  it('stops cleanly when interrupted: exit 2, one line, no repair file left behind', async () => {
    const controller = new AbortController();
    controller.abort(new Error('interrupted'));
    const file = path.join(dir, 'interrupted.sql');
    const { status, stderr } = await run(['verify', ...both(), '--repair-sql', file], controller.signal);
    expect(status).toBe(2);
    expect(stderr).toBe(
      'verify interrupted: queries cancelled and connections closed; nothing was compared to the end',
    );
    expect(existsSync(file) || existsSync(`${file}.partial`)).toBe(false);
    const sessions = await node.query<{ n: string }>(
      `SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = 'dms-cdc-verify'`,
    );
    expect(Number(sessions[0]?.n)).toBe(0);
  });
});
