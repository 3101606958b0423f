/**
 * The stack as `osls package` makes it, for the template checks (IAM simulation, cfn-guard, alarms,
 * event rules), packaged from a copy of the service in a temporary folder: osls empties the service's
 * own .serverless folder whatever --package says, and other test files and people use that one.
 * No AWS account, no credentials, no network.
 */
import { execFile } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, symlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const ROOT = path.resolve(import.meta.dirname, '../..');
/** What packaging reads: serverless.yml and what its handlers and file variables name. */
const SERVICE_FILES = [
  'serverless.yml',
  'package.json',
  'tsconfig.json',
  'functions',
  'src',
  'statemachines',
];

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };
export interface Resource {
  Type: string;
  Condition?: string;
  Properties: JsonObject;
  DependsOn?: string[];
}
export interface Template {
  Parameters: Record<string, JsonObject>;
  Conditions: Record<string, Json>;
  Resources: Record<string, Resource>;
  Outputs: Record<string, JsonObject>;
}
export interface Packaged {
  /** The folder with the template and one zip per function. */
  readonly dir: string;
  readonly template: Template;
  remove(): Promise<void>;
}

/**
 * No AWS account, no credentials, no network: packaging must work from a clean checkout.
 * Whatever credentials this process has are removed from the child's environment.
 */
export function offlineEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(env)) {
    if (/^AWS_(ACCESS_KEY_ID|SECRET_ACCESS_KEY|SESSION_TOKEN|PROFILE|DEFAULT_PROFILE)$/.test(key))
      delete env[key];
  }
  env.AWS_CONFIG_FILE = path.join(os.tmpdir(), 'dms-cdc-no-aws-config');
  env.AWS_SHARED_CREDENTIALS_FILE = path.join(os.tmpdir(), 'dms-cdc-no-aws-credentials');
  return env;
}

/** `osls package --stage <stage> --region <region>` (what `npm run package` runs), plus `--param`s. */
export async function packageService(
  options: { stage?: string; region?: string; params?: readonly string[] } = {},
): Promise<Packaged> {
  const work = await mkdtemp(path.join(os.tmpdir(), 'dms-cdc-packaged-'));
  try {
    for (const entry of SERVICE_FILES)
      await cp(path.join(ROOT, entry), path.join(work, entry), { recursive: true });
    await symlink(path.join(ROOT, 'node_modules'), path.join(work, 'node_modules'), 'dir');
    await run(
      path.join(ROOT, 'node_modules/.bin/osls'),
      [
        'package',
        '--stage',
        options.stage ?? 'dev',
        '--region',
        options.region ?? 'us-east-1',
        ...(options.params ?? []).map((param) => `--param=${param}`),
      ],
      { cwd: work, env: offlineEnv(), timeout: 240_000, maxBuffer: 16 * 1024 * 1024 },
    );
    const dir = path.join(work, '.serverless');
    const template = JSON.parse(
      await readFile(path.join(dir, 'cloudformation-template-update-stack.json'), 'utf8'),
    ) as Template;
    return { dir, template, remove: () => rm(work, { recursive: true, force: true }) };
  } catch (error) {
    await rm(work, { recursive: true, force: true });
    throw error;
  }
}
