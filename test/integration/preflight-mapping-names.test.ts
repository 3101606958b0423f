import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectionRule } from '../../src/local/table-mappings.js';
import { runCli } from '../support/cli.js';
import { type PgNode, primaryForFile } from '../support/pg.js';

/** Table mappings over names with -, quotes, spaces, %, _ and brackets, on a real server. */
let node: PgNode;
const dir = mkdtempSync(path.join(os.tmpdir(), 'dms-cdc-mapping-names-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const NAMES = ['order-items', `it's`, 'with space', '100%', 'a_b', 'aXb', 'odd[name', 'say "hi"'];

beforeAll(async () => {
  node = await primaryForFile({ name: 'mapping-names' });
  await node.query('CREATE SCHEMA "my-schema"');
  for (const name of NAMES) {
    await node.query(`CREATE TABLE "my-schema".${quoteIdent(name)} (id int PRIMARY KEY)`);
  }
});

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

function mappings(file: string, rules: Array<['include' | 'exclude', string, string]>): string {
  const target = path.join(dir, file);
  writeFileSync(
    target,
    JSON.stringify({
      rules: rules.map(([action, schema, table], i) =>
        selectionRule({ id: i + 1, name: `rule-${i + 1}`, schema, table, action }),
      ),
    }),
  );
  return target;
}

const preflight = (file: string) =>
  runCli(['preflight', '--source', node.url(), '--table-mappings', file, '--json']);

describe('preflight --table-mappings over names DMS users really have', () => {
  it('selects by pattern and literally, whatever the characters, without crashing', async () => {
    const file = mappings('names.json', [
      ['include', 'my-schema', 'order-items'],
      ['include', 'my-schema', `it's`],
      ['include', 'my-schema', 'with%'],
      ['include', 'my-schema', '100[%]'],
      ['include', 'my-schema', 'a[_]b'],
      ['include', 'my-schema', 'odd[[]name'],
      ['include', 'my-schema', 'say "hi"'],
    ]);
    const { status, stdout, stderr } = await preflight(file);
    expect(stderr).toBe('');
    expect([0, 1]).toContain(status);
    const report = JSON.parse(stdout);
    // aXb is not selected: [_] is a literal underscore.
    expect(report.source.tablesInScope).toBe(NAMES.length - 1);
  });

  it('names the rule of a malformed bracket class, exit 2, one error line and its remedy', async () => {
    const file = mappings('bad.json', [
      ['include', 'my-schema', '%'],
      ['exclude', 'my-schema', 'odd[name'],
    ]);
    const { status, stdout, stderr } = await preflight(file);
    expect(status).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.split('\n')).toHaveLength(2);
    expect(stderr.split('\n')[1]).toMatch(/^remedy: In DMS patterns/);
    expect(stderr).toContain(
      'TableMappingPatternError: --table-mappings.rules[1].object-locator.table-name (rule "rule-2"): the [ at character 4 opens a class that is never closed',
    );
  });

  it('refuses a mapping file over 1 MB, and a device that never ends, before parsing', async () => {
    const big = path.join(dir, 'big.json');
    writeFileSync(big, `{"rules": [${' '.repeat(1_048_576)}]}`);
    const tooBig = await preflight(big);
    expect(tooBig.status).toBe(2);
    expect(tooBig.stderr).toContain(`--table-mappings: "${big}" is larger than 1 MB`);
    const endless = await preflight('/dev/zero');
    expect(endless.status).toBe(2);
    expect(endless.stderr).toContain('--table-mappings: "/dev/zero" is larger than 1 MB');
  });
});
