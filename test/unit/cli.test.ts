import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';

function run(argv: string[], env: NodeJS.ProcessEnv = {}) {
  return runCli(argv, { env });
}

/** dms-cdc slot <action> with a source URL; the cases here are refused by the flag checks, before any connection. */
const slot = (action: string, ...flags: string[]) =>
  run(['slot', action, '--source', 'postgres://127.0.0.1/db', ...flags]);

describe('dms-cdc CLI', () => {
  it.each([[[]], [['--help']], [['help']]])('%j prints the overview listing every command', async (argv) => {
    const { status, stdout } = await run(argv);
    expect(status).toBe(0);
    expect(stdout).toContain('usage: dms-cdc <command>');
    expect(stdout).toMatch(/slot inspect\s+Show a replication slot/);
    expect(stdout).toMatch(/slot create\s+Create a logical slot/);
    expect(stdout).toMatch(/slot cleanup\s+Remove what DMS left/);
    expect(stdout).toMatch(/rehearse\s+Rehearse a whole cutover locally/);
  });

  it('prints a command usage for `help <command>` and `<command> --help`', async () => {
    expect((await run(['help', 'slot', 'inspect'])).stdout).toContain('dms-cdc slot inspect --source <url>');
    const viaFlag = await run(['slot', 'create', '--help']);
    expect(viaFlag).toMatchObject({ status: 0, stdout: expect.stringContaining('--failover') });
  });

  it('prints the package version', async () => {
    expect(await run(['--version'])).toMatchObject({
      status: 0,
      stdout: expect.stringMatching(/^\d+\.\d+\.\d+$/),
    });
  });

  it('rejects an unknown command with status 2 and the overview', async () => {
    const { status, stderr } = await run(['frobnicate']);
    expect(status).toBe(2);
    expect(stderr).toContain('unknown command "frobnicate"');
    expect(stderr).toContain('commands:');
  });

  it('rejects an unknown flag with status 2 and the command usage', async () => {
    const { status, stderr } = await run(['slot', 'inspect', '--bogus']);
    expect(status).toBe(2);
    expect(stderr).toContain("Unknown option '--bogus'");
    expect(stderr).toContain('usage: dms-cdc slot inspect');
  });

  it('health keeps exit status 2 for critical: an unknown flag there is 3 (could not run)', async () => {
    const { status, stderr } = await run(['health', '--bogus']);
    expect(status).toBe(3);
    expect(stderr).toContain("Unknown option '--bogus'");
  });

  it('requires a source', async () => {
    const { status, stderr } = await run(['slot', 'inspect', '--slot', 'dms_slot']);
    expect(status).toBe(2);
    expect(stderr).toContain('--source is required');
  });

  it('verify takes the source from DMS_CDC_SOURCE_URL and still requires a target, before connecting', async () => {
    const env = { DMS_CDC_SOURCE_URL: 'postgres://dms@127.0.0.1:1/db' };
    const { status, stderr } = await run(['verify'], env);
    expect(status).toBe(2);
    expect(stderr).toMatch(/^--target is required: the target database URL\n/);
    expect((await run(['verify', '--target', 'postgres://dms@127.0.0.1:1/db'])).stderr).toMatch(
      /^--source is required: the source database URL\n/,
    );
  });

  it('names the flag and the fix for an invalid slot name', async () => {
    const { status, stderr } = await slot('inspect', '--slot', 'Bad-Name');
    expect(status).toBe(1);
    expect(stderr).toContain('InvalidInputError: --slot: "Bad-Name" is not a valid replication slot name');
    expect(stderr).toContain('remedy: Use 1 to 63 characters');
  });

  it('refuses to reach a remote source without TLS', async () => {
    const { status, stderr } = await run(
      ['slot', 'inspect', '--source', 'postgres://dms@db.internal:5432/app?sslmode=disable', '--all'],
      { PGPASSWORD: 'secret-password' },
    );
    expect(status).toBe(1);
    expect(stderr).toContain('TLS cannot be disabled for db.internal');
    expect(stderr).not.toContain('secret-password');
  });

  it('reports a refused connection as one line, not a stack trace', async () => {
    const { status, stderr } = await run(['slot', 'inspect', '--all'], {
      DMS_CDC_SOURCE_URL: 'postgres://127.0.0.1:1/db',
    });
    expect(status).toBe(1);
    expect(stderr).toMatch(
      /^SourceUnreachableError: cannot reach postgres@127\.0\.0\.1:1\/db \(ECONNREFUSED\)/,
    );
    expect(stderr).toContain('\nremedy: ');
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it('needs a subcommand for a command group', async () => {
    const { status, stderr } = await run(['slot']);
    expect(status).toBe(2);
    expect(stderr).toBe('"slot" needs a subcommand: slot inspect, slot create, slot cleanup');
  });

  it('rejects an unknown plugin', async () => {
    const { status, stderr } = await slot('create', '--slot', 's', '--plugin', 'wal2json');
    expect(status).toBe(2);
    expect(stderr).toContain('--plugin must be test-decoding or pglogical, got "wal2json"');
  });

  it('rejects a non-numeric --tps', async () => {
    const { status, stderr } = await run(['rehearse', '--tps', 'many']);
    expect(status).toBe(2);
    expect(stderr).toContain('--tps must be a whole number from 1 to 10000, got "many"');
  });

  it.each([
    [
      ['slot', 'create', '--slot', 's', '--timeout', '3601'],
      '--timeout must be a whole number from 1 to 3600',
    ],
    [['slot', 'create', '--slot', 's', '--timeout', '0'], '--timeout must be a whole number from 1 to 3600'],
    [
      ['slot', 'create', '--slot', 's', '--timeout', '1e9'],
      '--timeout must be a whole number from 1 to 3600',
    ],
    [['rehearse', '--seconds', '99999999'], '--seconds must be a whole number from 1 to 3600'],
    [['rehearse', '--tps', '10001'], '--tps must be a whole number from 1 to 10000'],
  ])('bounds every count and duration flag: %j', async (argv, message) => {
    const { status, stderr } = await run(argv, { DMS_CDC_SOURCE_URL: 'postgres://dms@127.0.0.1:1/db' });
    expect(status).toBe(2);
    expect(stderr).toContain(message);
    expect(stderr).not.toContain('cannot reach');
  });
});
