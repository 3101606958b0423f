import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { type PgNode, primaryForFile } from '../support/pg.js';

/**
 * libpq's password conventions against a server that asks for passwords
 * (scram-sha-256 for two roles), with a different password for the source and the target.
 */
let node: PgNode;
const dir = mkdtempSync(path.join(os.tmpdir(), 'dms-cdc-passwords-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SOURCE_PASSWORD = 'src-Secret-4e1f';
const TARGET_PASSWORD = 'tgt-Secret-9a2c';

beforeAll(async () => {
  node = await primaryForFile({ name: 'cli-passwords' });
  await node.query(`CREATE ROLE dms_src LOGIN REPLICATION PASSWORD '${SOURCE_PASSWORD}';
    CREATE ROLE dms_tgt LOGIN PASSWORD '${TARGET_PASSWORD}'`);
  await node.query(`SELECT pg_create_logical_replication_slot('pw_slot', 'test_decoding')`);
  await node.query('CREATE DATABASE target');
  // Password authentication for these two roles only: the harness's own role stays trusted.
  const hba = path.join(node.dataDir, 'pg_hba.conf');
  writeFileSync(
    hba,
    `host all dms_src 127.0.0.1/32 scram-sha-256\nhost all dms_tgt 127.0.0.1/32 scram-sha-256\n${readFileSync(hba, 'utf8')}`,
  );
  await node.query('SELECT pg_reload_conf()');
});

function run(argv: string[], env: NodeJS.ProcessEnv) {
  return runCli(argv, { env });
}

const sourceUrl = () => `postgres://dms_src@127.0.0.1:${node.port}/postgres`;
const targetUrl = () => `postgres://dms_tgt@127.0.0.1:${node.port}/target`;
const inspect = () => ['slot', 'inspect', '--source', sourceUrl(), '--slot', 'pw_slot', '--json'];

function passFile(name: string, lines: string[], mode = 0o600): string {
  const file = path.join(dir, name);
  writeFileSync(file, `${lines.join('\n')}\n`);
  chmodSync(file, mode);
  return file;
}

describe('dms-cdc passwords (libpq conventions)', () => {
  it('takes the password from PGPASSWORD', async () => {
    const { status, stdout } = await run(inspect(), { PGPASSWORD: SOURCE_PASSWORD, HOME: dir });
    expect(status).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ slotName: 'pw_slot' });
  });

  it('takes the password from the PGPASSFILE line matching host:port:database:user', async () => {
    const file = passFile('pgpass-explicit', [
      '# comments and lines for other servers are skipped',
      `127.0.0.1:${node.port}:postgres:someone_else:wrong`,
      `127.0.0.1:${node.port}:*:dms_src:${SOURCE_PASSWORD}`,
    ]);
    const { status, stdout, stderr } = await run(inspect(), { PGPASSFILE: file, HOME: '/nonexistent' });
    expect(stderr).toBe('');
    expect(status).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ slotName: 'pw_slot' });
  });

  it('takes the password from ~/.pgpass, and a different one for the target', async () => {
    const home = mkdtempSync(path.join(dir, 'home-'));
    writeFileSync(
      path.join(home, '.pgpass'),
      [
        `*:*:postgres:dms_src:${SOURCE_PASSWORD}`,
        `127.0.0.1:${node.port}:target:dms_tgt:${TARGET_PASSWORD}`,
        '',
      ].join('\n'),
      { mode: 0o600 },
    );
    const { status, stdout, stderr } = await run(
      ['preflight', '--source', sourceUrl(), '--target', targetUrl(), '--slot', 'pw_slot', '--json'],
      { HOME: home },
    );
    expect(stderr).toBe('');
    expect([0, 1]).toContain(status);
    const report = JSON.parse(stdout);
    expect(report.source.target).toBe(`dms_tgt@127.0.0.1:${node.port}/target (tls disable)`);
  });

  it('ignores a password file that others can read, as libpq does, and says so', async () => {
    const file = passFile('pgpass-open', [`*:*:*:dms_src:${SOURCE_PASSWORD}`], 0o644);
    const { status, stderr } = await run(inspect(), { PGPASSFILE: file });
    expect(status).toBe(1);
    expect(stderr).toContain('SourceAuthenticationError');
    expect(stderr).toContain(`${file} was ignored: group or others can read it`);
  });

  it('reports a missing password as SourceAuthenticationError naming PGPASSWORD and .pgpass', async () => {
    const { status, stderr } = await run(inspect(), { HOME: '/nonexistent' });
    expect(status).toBe(1);
    const lines = stderr.split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toBe(
      `SourceAuthenticationError: dms_src@127.0.0.1:${node.port}/postgres (tls disable) asked for a password and none was given`,
    );
    expect(lines[1]).toMatch(/^remedy: Set PGPASSWORD, or add a line .* to ~\/\.pgpass/);
    expect(stderr).not.toMatch(/unreachable|check the host and port/i);
  });

  it('reports a wrong password as SourceAuthenticationError without echoing it', async () => {
    const { status, stderr } = await run(inspect(), { PGPASSWORD: 'wrong-Pass-77' });
    expect(status).toBe(1);
    expect(stderr).toMatch(/^SourceAuthenticationError: .*rejected the login \(SQLSTATE 28P01\)/);
    expect(stderr).not.toContain('wrong-Pass-77');
  });

  it.each([
    ['slot inspect', (url: string) => ['slot', 'inspect', '--source', url, '--all']],
    ['preflight', (url: string) => ['preflight', '--source', url]],
    ['health', (url: string) => ['health', '--source', url]],
  ])('%s refuses a URL that carries a password, in one line that says where it belongs', async (_, argv) => {
    const url = `postgres://dms_src:${SOURCE_PASSWORD}@127.0.0.1:${node.port}/postgres`;
    const { status, stdout, stderr } = await run(argv(url), {});
    expect(status).not.toBe(0);
    expect(stdout).toBe('');
    expect(stderr).toContain('the URL carries a password');
    expect(stderr).toMatch(/PGPASSWORD, or put it in ~\/\.pgpass/);
    expect(stderr).not.toContain(SOURCE_PASSWORD);
    expect(stderr).not.toContain(url);
  });
});
