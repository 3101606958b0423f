import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  INSTALL_COMMAND,
  MOTO_INSTALL,
  PGLOGICAL_FILES,
  type ProvisionDeps,
  ProvisionError,
  provisionPglogical,
  requireMoto,
} from '../support/provision.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

interface Calls {
  readonly runs: string[];
  readonly deps: ProvisionDeps;
}

/** A machine where `present` files exist, and apt-get "installs" `installs` when run. */
function machine(options: {
  present: readonly string[];
  isRoot?: boolean;
  hasApt?: boolean;
  installs?: readonly string[];
}): Calls {
  const files = new Set(options.present);
  const runs: string[] = [];
  return {
    runs,
    deps: {
      exists: (file) => files.has(file),
      isRoot: options.isRoot ?? true,
      hasApt: options.hasApt ?? true,
      run: (command, args, env) => {
        runs.push(
          [env?.DEBIAN_FRONTEND ? `DEBIAN_FRONTEND=${env.DEBIAN_FRONTEND}` : '', command, ...args].join(' '),
        );
        if (args[0] === 'install') for (const file of options.installs ?? []) files.add(file);
      },
      log: () => undefined,
    },
  };
}

describe('npm test names moto_server when it is missing (pretest)', () => {
  it('passes when moto_server is on the PATH', () => {
    expect(() => requireMoto((command) => command === 'moto_server')).not.toThrow();
  });

  it('fails naming moto_server and how to install it when it is not', () => {
    expect(() => requireMoto(() => false)).toThrow(ProvisionError);
    expect(() => requireMoto(() => false)).toThrow(/moto_server on the PATH.*pip install 'moto\[server\]'/u);
    expect(MOTO_INSTALL).toBe("pip install 'moto[server]'");
  });
});

describe('npm test provisions pglogical (pretest)', () => {
  it('does nothing when the system PostgreSQL 15 and pglogical are there', () => {
    const { deps, runs } = machine({ present: PGLOGICAL_FILES });
    expect(provisionPglogical(deps)).toBe('present');
    expect(runs).toEqual([]);
  });

  it('installs them with apt-get as root when missing, then checks they are there', () => {
    const { deps, runs } = machine({ present: [], installs: PGLOGICAL_FILES });
    expect(provisionPglogical(deps)).toBe('installed');
    expect(runs).toEqual([
      'DEBIAN_FRONTEND=noninteractive apt-get update -qq',
      'DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-15 postgresql-15-pglogical',
    ]);
  });

  it('fails when apt-get ran but the extension is still missing', () => {
    const { deps } = machine({ present: [], installs: [PGLOGICAL_FILES[0]] });
    expect(() => provisionPglogical(deps)).toThrow(/pglogical\.so is missing/);
  });

  it('fails, never skips, with the exact command when it is not root', () => {
    const { deps, runs } = machine({ present: [PGLOGICAL_FILES[0]], isRoot: false });
    expect(() => provisionPglogical(deps)).toThrow(ProvisionError);
    expect(() => provisionPglogical(deps)).toThrow(
      "need /usr/lib/postgresql/15/lib/pglogical.so. Run as root, then npm test again: sudo sh -c 'apt-get update && apt-get install -y postgresql-15 postgresql-15-pglogical'",
    );
    expect(runs).toEqual([]);
  });

  it('fails with the command when there is no apt-get', () => {
    const { deps } = machine({ present: [], hasApt: false });
    expect(() => provisionPglogical(deps)).toThrow(
      `no apt-get. On Debian or Ubuntu run as root: ${INSTALL_COMMAND}`,
    );
  });

  it('exits 0 here, where the tests already ran it (the real script, as npm runs it)', () => {
    const out = execFileSync(path.join(ROOT, 'node_modules/.bin/tsx'), ['test/support/provision.ts'], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    expect(out).toBe('');
  });
});

describe('the test command (README: npm test; .ci/run runs exactly that)', () => {
  const { scripts } = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
    scripts: Record<string, string>;
  };
  const ci = readFileSync(path.join(ROOT, '.ci/run'), 'utf8');

  it('provisions first: pretest runs the provisioning script', () => {
    expect(scripts.pretest).toBe('tsx test/support/provision.ts');
  });

  it('runs lint and typecheck, then vitest last with path coverage enforced (so `npm test -- <file>` reaches vitest)', () => {
    expect(scripts.test).toBe(
      'biome check . && tsc -p tsconfig.json && DMS_CDC_ASL_COVERAGE=enforce vitest run',
    );
  });

  it('.ci/run installs nothing itself: a fresh clone is provisioned by npm test alone', () => {
    expect(ci).not.toMatch(/apt-get/);
    expect(ci.trim().split('\n').at(-1)).toBe('npm test');
  });
});
