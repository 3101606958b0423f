import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectionRule } from '../../src/local/table-mappings.js';
import { runCli } from '../support/cli.js';
import { freePort, type PgNode, primaryForFile } from '../support/pg.js';

let node: PgNode;
const dir = mkdtempSync(path.join(os.tmpdir(), 'dms-cdc-preflight-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

beforeAll(async () => {
  node = await primaryForFile({ name: 'preflight-cli' });
  await node.query(`CREATE TABLE orders (id int PRIMARY KEY, customer int);
    CREATE TABLE customers (id int PRIMARY KEY); CREATE TABLE audit (at timestamptz, msg text)`);
  await node.query(`SELECT pg_create_logical_replication_slot('dms_slot', 'test_decoding')`);
  await node.query('CREATE DATABASE target');
  await node.query(
    `CREATE ROLE dms_target LOGIN;
     CREATE TABLE public.orders (id int PRIMARY KEY, customer int REFERENCES public.orders);
     GRANT SELECT ON public.orders TO dms_target`,
    [],
    'target',
  );
});

function run(argv: string[], env: NodeJS.ProcessEnv = {}) {
  return runCli(argv, { env });
}

/** dms-cdc preflight against this file's server. */
const preflight = (...flags: string[]) => run(['preflight', '--source', node.url(), ...flags]);

function mappings(tables: string[]): string {
  const file = path.join(dir, `mappings-${tables.join('-')}.json`);
  const rules = tables.map((name, i) => selectionRule({ id: i + 1, name, schema: 'public', table: name }));
  writeFileSync(file, JSON.stringify({ rules }));
  return file;
}

describe('dms-cdc preflight against a real server', () => {
  it('exits 1 with blockers and prints exactly the report object as JSON', async () => {
    const { status, stdout } = await preflight('--slot', 'dms_slot', '--json');
    expect(status).toBe(1);
    const report = JSON.parse(stdout);
    expect(Object.keys(report)).toEqual(['source', 'summary', 'findings']);
    expect(report.summary.blockers).toBe(1);
    expect(report.findings[0]).toMatchObject({ id: 'tables.primary-key', severity: 'blocker' });
    expect(report.source).toMatchObject({
      slot: 'dms_slot',
      plugin: 'test-decoding',
      pluginChosenBy: 'slot',
      roundTrips: 3,
    });
  });

  it('exits 0 when the table mappings leave out the table without a key, and prints a readable report', async () => {
    const file = mappings(['orders', 'customers']);
    const { status, stdout } = await preflight('--table-mappings', file);
    expect(status).toBe(0);
    expect(stdout).toContain('2 of 3 tables in scope (table-mappings)');
    expect(stdout).toContain('[server.version-supported] PostgreSQL 17 needs DMS engine 3.6.1 or later');
    expect(stdout.split('\n').at(-1)).toBe('0 blocker(s), 0 warning(s), 1 info: ready for DMS CDC');
  });

  it('--create-slot: a missing slot that will be created is info; without the flag it blocks', async () => {
    const file = mappings(['orders', 'customers']);
    const args = ['preflight', '--source', node.url(), '--table-mappings', file, '--slot', 'made_later'];
    const created = await run([...args, '--create-slot']);
    expect(created.status).toBe(0);
    expect(created.stdout).toContain('Replication slot made_later does not exist yet: it will be created');
    expect((await run(args)).status).toBe(1);
    const orphan = await preflight('--create-slot');
    expect(orphan.status).toBe(2);
  });

  it('checks the target: privileges, missing tables and foreign keys, then passes once fixed', async () => {
    const file = mappings(['orders', 'customers']);
    const target = `postgres://dms_target@127.0.0.1:${node.port}/target`;
    const argv = [
      'preflight',
      '--source',
      node.url(),
      '--table-mappings',
      file,
      '--target',
      target,
      '--json',
    ];
    const before = JSON.parse((await run(argv)).stdout);
    const byId = Object.fromEntries(before.findings.map((f: { id: string }) => [f.id, f]));
    expect(byId['target.privileges']).toMatchObject({
      severity: 'blocker',
      observed: 'public.orders (missing insert, update, delete)',
    });
    expect(byId['target.tables-ready']).toMatchObject({ severity: 'blocker', observed: 'public.customers' });
    expect(byId['target.foreign-keys']).toMatchObject({
      severity: 'warning',
      observed: 'public.orders (orders_customer_fkey)',
    });

    await node.query(
      `CREATE TABLE public.customers (id int PRIMARY KEY); ALTER TABLE public.orders DROP CONSTRAINT orders_customer_fkey;
       GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON ALL TABLES IN SCHEMA public TO dms_target`,
      [],
      'target',
    );
    const { status, stdout } = await run(argv);
    const after = JSON.parse(stdout);
    // What is left is the advice for prepared tables, an info.
    expect(
      after.findings
        .filter((f: { id: string }) => f.id.startsWith('target.'))
        .map((f: { id: string }) => f.id),
    ).toEqual(['target.table-prep-mode']);
    expect(after.source.target).toBe(`dms_target@127.0.0.1:${node.port}/target (tls disable)`);
    expect(status).toBe(0);
  });

  it('exits 2 with one error line, one remedy line and no password when the source cannot be reached', async () => {
    const port = await freePort();
    const { status, stdout, stderr } = await run(
      ['preflight', '--source', `postgres://dms@127.0.0.1:${port}/shop`],
      { PGPASSWORD: 'hunter2-secret' },
    );
    expect(status).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.split('\n')).toHaveLength(2);
    expect(stderr).toMatch(
      /^preflight could not run: SourceUnreachableError: cannot reach dms@127\.0\.0\.1:\d+\/shop.*\nremedy: \S/,
    );
    expect(stderr).not.toContain('hunter2-secret');
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it('exits 2 for a database that does not exist, an unreadable mappings file and a bad plugin', async () => {
    const missingDb = await run(['preflight', '--source', node.url('nope')]);
    expect(missingDb.status).toBe(2);
    expect(missingDb.stderr).toContain('database "nope" does not exist');
    const noFile = await preflight('--table-mappings', path.join(dir, 'none.json'));
    expect(noFile).toMatchObject({ status: 2 });
    expect(noFile.stderr).toMatch(
      /^preflight could not run: InvalidInputError: --table-mappings: cannot read/,
    );
    const plugin = await preflight('--plugin', 'wal2json');
    expect(plugin.status).toBe(2);
    expect(plugin.stderr).toContain('--plugin must be one of test-decoding, pglogical');
    const engine = await preflight('--dms-version', 'latest');
    expect(engine.status).toBe(2);
    expect(engine.stderr).toContain('--dms-version must look like 3.5.3, got "latest"');
    const kind = await preflight('--target-engine', 'kafka');
    expect(kind.status).toBe(2);
    expect(kind.stderr).toContain('--target-engine must be kinesis, got "kafka"');
  });

  it('--target-engine kinesis adds the Kinesis task guidance as info findings', async () => {
    const argv = ['preflight', '--source', node.url(), '--table-mappings', mappings(['orders']), '--json'];
    const ids = async (extra: string[]) =>
      (JSON.parse((await run([...argv, ...extra])).stdout).findings as { id: string; severity: string }[])
        .filter((f) => f.id.startsWith('target.kinesis-'))
        .map((f) => `${f.id} ${f.severity}`);
    expect(await ids([])).toEqual([]);
    expect(await ids(['--target-engine', 'kinesis'])).toEqual([
      'target.kinesis-partition-key info',
      'target.kinesis-parallel-apply info',
    ]);
  });
});
