import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readZip } from './zip.js';

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '../..');
const PACKAGED = path.join(ROOT, '.serverless');
const SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:dms-cdc/source-AbCdEf';
const KMS_KEY_ARN = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };
interface Resource {
  Type: string;
  Properties: JsonObject;
  DependsOn?: string[];
}
interface Template {
  Parameters: Record<string, JsonObject>;
  Conditions: Record<string, Json>;
  Resources: Record<string, Resource>;
  Outputs: Record<string, JsonObject>;
}

/**
 * No AWS account, no credentials, no network: packaging must work from a clean checkout.
 * Whatever credentials this process has are removed from the child's environment.
 */
function offlineEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(env)) {
    if (/^AWS_(ACCESS_KEY_ID|SECRET_ACCESS_KEY|SESSION_TOKEN|PROFILE|DEFAULT_PROFILE)$/.test(key))
      delete env[key];
  }
  env.AWS_CONFIG_FILE = path.join(os.tmpdir(), 'dms-cdc-no-aws-config');
  env.AWS_SHARED_CREDENTIALS_FILE = path.join(os.tmpdir(), 'dms-cdc-no-aws-credentials');
  return env;
}

let template: Template;
let withParams: { provider: { stackParameters: { ParameterKey: string; ParameterValue: string }[] } };
let paramsDir: string;
const timings: Record<string, number> = {};

beforeAll(async () => {
  // A stage with every param given, packaged elsewhere, to see the params reach the stack. First:
  // osls empties the service's .serverless folder whatever --package says.
  paramsDir = await mkdtemp(path.join(os.tmpdir(), 'dms-cdc-package-'));
  let started = performance.now();
  await run(
    path.join(ROOT, 'node_modules/.bin/osls'),
    [
      'package',
      '--stage',
      'prod',
      '--region',
      'eu-west-1',
      '--package',
      paramsDir,
      `--param=sourceSecretArn=${SECRET_ARN}`,
      `--param=sourceSecretKmsKeyArn=${KMS_KEY_ARN}`,
      '--param=subnetIds=subnet-0a,subnet-0b',
      '--param=securityGroupIds=sg-0c',
    ],
    { cwd: ROOT, env: offlineEnv(), timeout: 240_000 },
  );
  timings.oslsWithParams = performance.now() - started;
  withParams = (
    JSON.parse(await readFile(path.join(paramsDir, 'serverless-state.json'), 'utf8')) as {
      service: typeof withParams;
    }
  ).service;

  // Then exactly what a developer runs.
  started = performance.now();
  await run('npm', ['run', 'package'], { cwd: ROOT, env: offlineEnv(), timeout: 240_000 });
  timings.npmRunPackage = performance.now() - started;
  template = JSON.parse(
    await readFile(path.join(PACKAGED, 'cloudformation-template-update-stack.json'), 'utf8'),
  ) as Template;
}, 300_000);

afterAll(async () => {
  if (paramsDir) await rm(paramsDir, { recursive: true, force: true });
  console.info(
    `packaging took ${Object.entries(timings)
      .map(([name, ms]) => `${name} ${(ms / 1000).toFixed(1)} s`)
      .join(', ')}`,
  );
});

function ofType(type: string): [string, Resource][] {
  return Object.entries(template.Resources).filter(([, resource]) => resource.Type === type);
}

function functions(): [string, Resource][] {
  return ofType('AWS::Lambda::Function');
}

/** Every object with an Effect, wherever it sits (policies, key policy, Fn::If branches). */
function statements(node: Json, found: JsonObject[] = []): JsonObject[] {
  if (Array.isArray(node)) {
    for (const item of node) statements(item, found);
  } else if (node !== null && typeof node === 'object') {
    if ('Effect' in node && 'Action' in node) found.push(node);
    for (const value of Object.values(node)) statements(value, found);
  }
  return found;
}

function list(value: Json | undefined): Json[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

function roleOf(fn: Resource): string {
  const role = fn.Properties.Role as { 'Fn::GetAtt': [string, string] };
  expect(role).toEqual({ 'Fn::GetAtt': [expect.any(String), 'Arn'] });
  return role['Fn::GetAtt'][0];
}

describe('npm run package (osls + serverless-esbuild, offline)', () => {
  it('produces a template with at least one function', () => {
    expect(existsSync(path.join(PACKAGED, 'cloudformation-template-update-stack.json'))).toBe(true);
    expect(functions().map(([id]) => id)).toContain('InspectSlotLambdaFunction');
  });

  it('gives every function its own IAM role and creates no shared one', () => {
    const roles = functions().map(([, fn]) => roleOf(fn));
    expect(new Set(roles).size).toBe(roles.length);
    for (const role of roles) expect(template.Resources[role]?.Type).toBe('AWS::IAM::Role');
    expect(template.Resources.IamRoleLambdaExecution).toBeUndefined();
    expect(ofType('AWS::IAM::Role')).toHaveLength(roles.length);
  });

  it('has no statement allowing every action, nor any Secrets Manager action on every resource', () => {
    const all = statements(template.Resources as unknown as Json);
    expect(all.length).toBeGreaterThan(5);
    for (const statement of all) {
      const actions = list(statement.Action);
      expect(actions).not.toContain('*');
      const resources = list(statement.Resource);
      if (actions.some((action) => String(action).toLowerCase().startsWith('secretsmanager:'))) {
        expect(actions).not.toContain('secretsmanager:*');
        for (const resource of resources) expect(JSON.stringify(resource)).not.toContain('*');
      }
      if (resources.includes('*') && statement.Effect === 'Allow') {
        // Only where AWS allows nothing narrower: a key policy's own key, and EC2 Describe calls.
        const keyPolicy = 'Principal' in statement;
        const describe = actions.every((action) => /^ec2:Describe/.test(String(action)));
        expect(keyPolicy || describe, JSON.stringify(statement)).toBe(true);
      }
    }
  });

  it('lets inspect-slot read only the configured source secret, and decrypt only through Secrets Manager', () => {
    const role = template.Resources[
      roleOf(template.Resources.InspectSlotLambdaFunction as Resource)
    ] as Resource;
    const own = statements(role.Properties.Policies ?? null);
    const secretStatements = own.filter((s) =>
      list(s.Action).some((action) => String(action).startsWith('secretsmanager:')),
    );
    expect(secretStatements).toEqual([
      {
        Sid: 'ReadSourceSecret',
        Effect: 'Allow',
        Action: 'secretsmanager:GetSecretValue',
        Resource: { Ref: 'SourceSecretArn' },
      },
    ]);
    expect(template.Parameters.SourceSecretArn).toMatchObject({ Type: 'String' });
    const pattern = new RegExp(String(template.Parameters.SourceSecretArn?.AllowedPattern));
    expect(pattern.test(SECRET_ARN)).toBe(true);
    expect(pattern.test('*')).toBe(false);
    expect(pattern.test('')).toBe(false);
    expect(pattern.test('arn:aws:secretsmanager:eu-west-1:123456789012:secret:*')).toBe(false);

    const kms = own.filter((s) => list(s.Action).some((action) => String(action).startsWith('kms:')));
    expect(kms).toEqual([
      {
        Sid: 'DecryptSourceSecretThroughSecretsManager',
        Effect: 'Allow',
        Action: 'kms:Decrypt',
        Resource: { Ref: 'SourceSecretKmsKeyArn' },
        Condition: {
          // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub syntax
          StringEquals: { 'kms:ViaService': { 'Fn::Sub': 'secretsmanager.${AWS::Region}.amazonaws.com' } },
        },
      },
    ]);
    const policyStatements = (role.Properties.Policies as JsonObject[])[0]?.PolicyDocument as JsonObject;
    const conditional = (policyStatements.Statement as JsonObject[]).filter((s) => 'Fn::If' in s);
    expect(conditional.map((s) => (s['Fn::If'] as Json[])[0])).toEqual([
      'HasSourceSecretKmsKey',
      'InVpc',
      'InVpc',
    ]);

    const logs = own.find((s) => s.Sid === 'OwnLogGroup');
    expect(logs).toEqual({
      Sid: 'OwnLogGroup',
      Effect: 'Allow',
      Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      Resource: { 'Fn::GetAtt': ['InspectSlotLogGroup', 'Arn'] },
    });
    expect(template.Resources.InspectSlotLogGroup?.Properties.RetentionInDays).toBe(30);
  });

  it('passes the source secret ARN to the function and runs it in a VPC only when subnets are given', () => {
    const fn = template.Resources.InspectSlotLambdaFunction as Resource;
    const variables = (fn.Properties.Environment as { Variables: JsonObject }).Variables;
    expect(variables.SOURCE_SECRET_ARN).toEqual({ Ref: 'SourceSecretArn' });
    expect(variables.SOURCE_TLS).toBe('verify-full');
    expect(fn.Properties.VpcConfig).toEqual({
      'Fn::If': [
        'InVpc',
        { SubnetIds: { Ref: 'SubnetIds' }, SecurityGroupIds: { Ref: 'SecurityGroupIds' } },
        { Ref: 'AWS::NoValue' },
      ],
    });
    expect(template.Conditions.InVpc).toEqual({
      'Fn::Not': [{ 'Fn::Equals': [{ 'Fn::Join': [',', { Ref: 'SubnetIds' }] }, ''] }],
    });
  });

  it('hands the Serverless params to the stack as parameters', () => {
    expect(withParams.provider.stackParameters).toEqual([
      { ParameterKey: 'SourceSecretArn', ParameterValue: SECRET_ARN },
      { ParameterKey: 'SourceSecretKmsKeyArn', ParameterValue: KMS_KEY_ARN },
      { ParameterKey: 'SubnetIds', ParameterValue: 'subnet-0a,subnet-0b' },
      { ParameterKey: 'SecurityGroupIds', ParameterValue: 'sg-0c' },
    ]);
    const kmsPattern = new RegExp(String(template.Parameters.SourceSecretKmsKeyArn?.AllowedPattern));
    expect(kmsPattern.test(KMS_KEY_ARN)).toBe(true);
    expect(kmsPattern.test('')).toBe(true);
    expect(kmsPattern.test('alias/aws/secretsmanager')).toBe(false);
  });

  it('encrypts the alert topic with a rotating customer-managed key the alarm and event services may use', () => {
    const topics = ofType('AWS::SNS::Topic');
    expect(topics).toHaveLength(1);
    const [topicId, topic] = topics[0] as [string, Resource];
    expect(topic.Properties.KmsMasterKeyId).toEqual({ 'Fn::GetAtt': ['AlertKey', 'Arn'] });

    const key = template.Resources.AlertKey as Resource;
    expect(key.Type).toBe('AWS::KMS::Key');
    expect(key.Properties.EnableKeyRotation).toBe(true);
    const principals = statements(key.Properties.KeyPolicy ?? null).map((s) => s.Principal);
    expect(principals).toEqual(
      expect.arrayContaining([
        // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub syntax
        { AWS: { 'Fn::Sub': 'arn:${AWS::Partition}:iam::${AWS::AccountId}:root' } },
        { Service: 'cloudwatch.amazonaws.com' },
        { Service: 'sns.amazonaws.com' },
        { Service: 'events.amazonaws.com' },
      ]),
    );
    expect(template.Outputs.AlertTopicArn?.Value).toEqual({ Ref: topicId });
  });

  it('runs every function on nodejs20.x, arm64, trusting the RDS certificates the runtime ships', () => {
    for (const [id, fn] of functions()) {
      expect(fn.Properties.Runtime, id).toBe('nodejs20.x');
      expect(fn.Properties.Architectures, id).toEqual(['arm64']);
      expect(fn.Properties.MemorySize, id).toBe(256);
      const variables = (fn.Properties.Environment as { Variables: JsonObject }).Variables;
      expect(variables.NODE_EXTRA_CA_CERTS, id).toBe('/var/runtime/ca-cert.pem');
    }
  });

  it('bundles each function into a zip under 1 MB whose handler loads as an ES module', async () => {
    for (const [id, fn] of functions()) {
      const key = String((fn.Properties.Code as { S3Key: Json }).S3Key);
      const zipPath = path.join(PACKAGED, path.basename(key));
      const { size } = await stat(zipPath);
      expect(size, id).toBeLessThan(1024 * 1024);

      const entries = readZip(await readFile(zipPath));
      const handler = String(fn.Properties.Handler);
      const file = `${handler.slice(0, handler.lastIndexOf('.'))}.mjs`;
      const entry = entries.find((e) => e.name === file);
      expect(entry, `${id}: ${file} in ${entries.map((e) => e.name).join(', ')}`).toBeDefined();
      // Nothing but the bundle and its map: no node_modules, no sources, no secrets.
      expect(entries.map((e) => e.name).sort()).toEqual([file, `${file}.map`]);

      const dir = await mkdtemp(path.join(os.tmpdir(), 'dms-cdc-bundle-'));
      try {
        const bundle = path.join(dir, path.basename(file));
        await writeFile(bundle, (entry as NonNullable<typeof entry>).read());
        const { stdout } = await run(
          process.execPath,
          [
            '--input-type=module',
            '-e',
            `const m = await import(${JSON.stringify(pathToFileURL(bundle).href)}); process.stdout.write(typeof m.${handler.slice(handler.lastIndexOf('.') + 1)});`,
          ],
          { env: { ...offlineEnv(), AWS_REGION: 'us-east-1' }, timeout: 30_000 },
        );
        expect(stdout, id).toBe('function');
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    }
  });
});
