/**
 * An external check of the packaged template: cfn-guard (the binary @cdklabs/cdk-validator-cfnguard ships)
 * with every AWS Control Tower proactive-control rule it ships, over the stack as CloudFormation would
 * create it. cfn-guard reads no intrinsic function (an `Fn::If` or a `Ref` to a parameter fails any
 * value check), so the template is first evaluated for two parameter sets (test/deploy/cfn-resolve.ts):
 * the minimum a deploy needs, and every option on.
 *
 * A rule that fails is either fixed in serverless.yml or listed, with its reason, in
 * test/deploy/cfn-guard-suppressions.json (by resource, or every resource); a suppression no stack needs
 * any more fails the test too.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Resolver } from './cfn-resolve.js';
import { packageService, ROOT } from './packaged.js';

const run = promisify(execFile);
const GUARD_PACKAGE = path.join(ROOT, 'node_modules/@cdklabs/cdk-validator-cfnguard');
const RULES = path.join(GUARD_PACKAGE, 'rules/control-tower/cfn-guard');
const ACCOUNT = '123456789012';
const REGION = 'eu-west-1';

interface Suppression {
  readonly rule: string;
  /** Logical ids, or "*" for every resource the rule looks at. */
  readonly resources: readonly string[] | '*';
  readonly reason: string;
}

const STACKS = {
  minimal: [
    `sourceSecretArn=arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:dms-cdc/source-AbCdEf`,
    `dmsSecretsAccessRoleArn=arn:aws:iam::${ACCOUNT}:role/dms-cdc/dms-secrets-access`,
  ],
  full: [
    `sourceSecretArn=arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:dms-cdc/source-AbCdEf`,
    `sourceSecretKmsKeyArn=arn:aws:kms:${REGION}:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`,
    `dmsSecretsAccessRoleArn=arn:aws:iam::${ACCOUNT}:role/dms-cdc/dms-secrets-access`,
    'subnetIds=subnet-0a,subnet-0b',
    'securityGroupIds=sg-0c',
    `targetSecretArn=arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:dms-cdc/target-GhIjKl`,
    `logKmsKeyArn=arn:aws:kms:${REGION}:${ACCOUNT}:key/4234abcd-12ab-34cd-56ef-1234567890ab`,
    'healthCheckLogLevel=ALL',
    'alertEmail=dba@example.com',
  ],
} as const;

function guardBinary(): string {
  const os_ = process.platform === 'darwin' ? 'macos' : 'ubuntu';
  const arch = process.arch === 'arm64' ? 'aarch64' : 'x86_64';
  return path.join(GUARD_PACKAGE, 'bin', os_, arch, 'cfn-guard');
}

/** cfn-guard's JSON output is one document per rule file, concatenated. */
function documents(text: string): unknown[] {
  const out: unknown[] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i += 1;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{') {
      if (depth === 0) start = i;
      depth += 1;
    } else if (c === '}') {
      depth -= 1;
      if (depth === 0) out.push(JSON.parse(text.slice(start, i + 1)));
    }
  }
  return out;
}

/** Every /Resources/<id> a failure names. */
function resourcesIn(node: unknown, found = new Set<string>()): Set<string> {
  if (typeof node === 'string') {
    const match = /^\/Resources\/([^/]+)/.exec(node);
    if (match?.[1]) found.add(match[1]);
  } else if (Array.isArray(node)) for (const item of node) resourcesIn(item, found);
  else if (node && typeof node === 'object')
    for (const value of Object.values(node)) resourcesIn(value, found);
  return found;
}

interface GuardReport {
  readonly compliant: Set<string>;
  readonly notApplicable: Set<string>;
  /** rule -> the resources it fails on ("?" when cfn-guard names none). */
  readonly failures: Map<string, Set<string>>;
}

async function guard(template: unknown): Promise<GuardReport> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'dms-cdc-guard-'));
  try {
    const file = path.join(dir, 'template.json');
    await writeFile(file, JSON.stringify(template, null, 2));
    const output = await run(
      guardBinary(),
      ['validate', '--rules', RULES, '--data', file, '--output-format', 'json', '--show-summary', 'none'],
      { maxBuffer: 256 * 1024 * 1024, timeout: 300_000 },
    ).catch((error: { code?: number; stdout?: string }) => {
      // 19: some rule failed; anything else is cfn-guard itself failing.
      if (error.code !== 19 || error.stdout === undefined) throw error;
      return { stdout: error.stdout };
    });
    const report: GuardReport = { compliant: new Set(), notApplicable: new Set(), failures: new Map() };
    for (const doc of documents(output.stdout) as {
      compliant: string[];
      not_applicable: string[];
      not_compliant: { Rule: { name: string } }[];
    }[]) {
      for (const rule of doc.compliant) report.compliant.add(rule);
      for (const rule of doc.not_applicable) report.notApplicable.add(rule);
      for (const failure of doc.not_compliant) {
        const resources = resourcesIn(failure);
        const set = report.failures.get(failure.Rule.name) ?? new Set<string>();
        for (const id of resources.size ? resources : ['?']) set.add(id);
        report.failures.set(failure.Rule.name, set);
      }
    }
    for (const rule of report.failures.keys()) report.compliant.delete(rule);
    return report;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

let suppressions: Suppression[];
const reports: Partial<Record<keyof typeof STACKS, GuardReport>> = {};
const removers: (() => Promise<void>)[] = [];

beforeAll(async () => {
  suppressions = JSON.parse(
    await readFile(path.join(ROOT, 'test/deploy/cfn-guard-suppressions.json'), 'utf8'),
  ) as Suppression[];
  for (const [name, params] of Object.entries(STACKS) as [keyof typeof STACKS, readonly string[]][]) {
    const packaged = await packageService({ stage: 'prod', region: REGION, params });
    removers.push(packaged.remove);
    const state = JSON.parse(await readFile(path.join(packaged.dir, 'serverless-state.json'), 'utf8')) as {
      service: { provider: { stackParameters: { ParameterKey: string; ParameterValue: string }[] } };
    };
    const resolver = new Resolver(packaged.template, {
      partition: 'aws',
      region: REGION,
      account: ACCOUNT,
      stackName: 'dms-cdc-orchestrator-prod',
      params: Object.fromEntries(
        state.service.provider.stackParameters.map((p) => [p.ParameterKey, p.ParameterValue]),
      ),
    });
    reports[name] = await guard(resolver.resolvedTemplate());
  }
}, 600_000);

afterAll(async () => {
  for (const remove of removers) await remove();
});

function suppressed(rule: string, resource: string): Suppression | undefined {
  return suppressions.find(
    (s) => s.rule === rule && (s.resources === '*' || (s.resources as readonly string[]).includes(resource)),
  );
}

describe('cfn-guard (AWS Control Tower rules) over the packaged template', () => {
  it('has a reason for every suppression', () => {
    for (const s of suppressions) expect(s.reason.length, s.rule).toBeGreaterThan(20);
  });

  it.each(Object.keys(STACKS) as (keyof typeof STACKS)[])(
    'the %s stack fails no rule that is not suppressed',
    (name) => {
      const report = reports[name] as GuardReport;
      const unsuppressed: string[] = [];
      let suppressedCount = 0;
      for (const [rule, resources] of report.failures) {
        for (const resource of resources) {
          if (suppressed(rule, resource)) suppressedCount += 1;
          else unsuppressed.push(`${rule} on ${resource}`);
        }
      }
      console.log(
        `cfn-guard ${name} stack: ${report.compliant.size} rules passed, ${report.failures.size} failed ` +
          `(${suppressedCount} rule/resource failures suppressed, ${unsuppressed.length} not), ` +
          `${[...report.notApplicable].filter((r) => !report.compliant.has(r) && !report.failures.has(r)).length} ` +
          `not applicable; ` +
          `failed: ${[...report.failures.keys()].sort().join(', ')}; passed: ${[...report.compliant].sort().join(', ')}`,
      );
      expect(unsuppressed).toEqual([]);
      expect(report.compliant.size).toBeGreaterThan(5);
    },
  );

  it('keeps no suppression that no stack needs', () => {
    const used = new Set<Suppression>();
    for (const report of Object.values(reports))
      for (const [rule, resources] of (report as GuardReport).failures)
        for (const resource of resources) {
          const s = suppressed(rule, resource);
          if (s) used.add(s);
        }
    expect(suppressions.filter((s) => !used.has(s)).map((s) => s.rule)).toEqual([]);
  });
});
