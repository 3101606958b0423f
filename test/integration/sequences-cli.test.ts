import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectionMappings } from '../../src/local/table-mappings.js';
import { runCli } from '../support/cli.js';
import { freePort, type PgNode, primaryForFile } from '../support/pg.js';

let source: PgNode;
let target: PgNode;
const dir = mkdtempSync(path.join(os.tmpdir(), 'dms-cdc-sequences-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const TABLES_SQL = `CREATE TABLE orders (id bigserial PRIMARY KEY); CREATE TABLE notes (id serial PRIMARY KEY);`;

beforeAll(async () => {
  [source, target] = await Promise.all([
    primaryForFile({ name: 'sequences-cli-src' }),
    primaryForFile({ name: 'sequences-cli-tgt' }),
  ]);
  await source.query(`${TABLES_SQL}
    INSERT INTO orders SELECT FROM generate_series(1, 12); INSERT INTO notes SELECT FROM generate_series(1, 3);
    CREATE TABLE only_on_source (id serial PRIMARY KEY); INSERT INTO only_on_source DEFAULT VALUES;`);
  await target.query(TABLES_SQL);
});

const run = (argv: string[], env: NodeJS.ProcessEnv = {}) => runCli(argv, { env });

function mappings(tables: string[]): string {
  const file = path.join(dir, `mappings-${tables.join('-')}.json`);
  const rules = tables.map((name, i) => ({ id: i + 1, name, schema: 'public', table: name }));
  writeFileSync(file, JSON.stringify(selectionMappings(...rules)));
  return file;
}

const both = () => ['--source', source.url(), '--target', target.url()];
const targetValue = async (sequence: string) =>
  (
    await target.query<{ v: string; c: boolean }>(
      `SELECT last_value::text AS v, is_called AS c FROM ${sequence}`,
    )
  )[0];

describe('dms-cdc sequences sync', () => {
  it('--dry-run plans and changes nothing', async () => {
    const { status, stdout } = await run([
      'sequences',
      'sync',
      ...both(),
      '--table-mappings',
      mappings(['orders', 'notes']),
      '--dry-run',
    ]);
    expect(status).toBe(0);
    expect(stdout).toMatch(/public\.orders_id_seq\s+would set\s+0\s+12/);
    expect(stdout).toContain(
      '2 sequences: would set 2, in step 0, target ahead 0, not synced 0 (dry run: nothing changed)',
    );
    expect(await targetValue('orders_id_seq')).toEqual({ v: '1', c: false });
  });

  it('sets the target with a gap, then finds it in step (JSON)', async () => {
    const mapped = ['--table-mappings', mappings(['orders', 'notes'])];
    const first = await run(['sequences', 'sync', ...both(), ...mapped, '--gap', '100', '--json']);
    expect(first.status).toBe(0);
    expect(JSON.parse(first.stdout)).toEqual({
      dryRun: false,
      gap: 100,
      sequences: [
        {
          name: 'public.notes_id_seq',
          target: 'public.notes_id_seq',
          action: 'set',
          from: 0,
          to: 103,
          reason: 'moved forward to the source',
        },
        {
          name: 'public.orders_id_seq',
          target: 'public.orders_id_seq',
          action: 'set',
          from: 0,
          to: 112,
          reason: 'moved forward to the source',
        },
      ],
      summary: { sequences: 2, set: 2, inStep: 0, targetAhead: 0, notSynced: 0 },
    });
    expect(await targetValue('orders_id_seq')).toEqual({ v: '112', c: true });
    const again = await run(['sequences', 'sync', ...both(), ...mapped, '--gap', '100', '--json']);
    expect(JSON.parse(again.stdout).summary).toEqual({
      sequences: 2,
      set: 0,
      inStep: 2,
      targetAhead: 0,
      notSynced: 0,
    });
    const lower = await run(['sequences', 'sync', ...both(), ...mapped]);
    expect(lower.status).toBe(0);
    expect(lower.stdout).toContain('2 sequences: set 0, in step 0, target ahead 2, not synced 0');
    expect(await targetValue('orders_id_seq')).toEqual({ v: '112', c: true });
  });

  it('exits 1 naming a sequence the target lacks (without mappings: every user table)', async () => {
    const { status, stdout } = await run(['sequences', 'sync', ...both()]);
    expect(status).toBe(1);
    expect(stdout).toMatch(/public\.only_on_source_id_seq\s+missing-on-target/);
    expect(stdout).toContain('not synced 1');
  });

  it('exits 2 on a bad flag or an unreachable target, redacting the password', async () => {
    const badGap = await run(['sequences', 'sync', ...both(), '--gap=-3']);
    expect(badGap.status).toBe(2);
    expect(badGap.stderr).toContain('--gap must be a whole number from 0 to 1000000000, got "-3"');
    const unknown = await run(['sequences', 'sync', ...both(), '--force']);
    expect(unknown.status).toBe(2);
    const port = await freePort();
    const down = await run(
      [
        'sequences',
        'sync',
        '--source',
        source.url(),
        '--target',
        `postgres://postgres@127.0.0.1:${port}/postgres`,
      ],
      { PGPASSWORD: 'hunter2-secret' },
    );
    expect(down.status).toBe(2);
    expect(down.stderr).toMatch(/^sequences sync could not run: SourceUnreachableError/);
    expect(down.stderr).not.toContain('hunter2-secret');
  });

  it('has a usage with every flag', async () => {
    const { status, stdout } = await run(['sequences', 'sync', '--help']);
    expect(status).toBe(0);
    for (const flag of ['--source', '--target', '--table-mappings', '--gap', '--dry-run', '--json'])
      expect(stdout).toContain(flag);
  });
});
