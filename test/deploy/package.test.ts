import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BATCH_DEADLINE_MS } from '../../src/core/health/fleet.js';
import { offlineEnv } from './packaged.js';
import { readZip } from './zip.js';

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '../..');
const PACKAGED = path.join(ROOT, '.serverless');
const SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:dms-cdc/source-AbCdEf';
const KMS_KEY_ARN = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const ACCESS_ROLE_ARN = 'arn:aws:iam::123456789012:role/dms-cdc/dms-secrets-access';
const TARGET_SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:dms-cdc/target-GhIjKl';
const ASL_PATH = path.join(ROOT, 'statemachines/cutover.asl.json');

/**
 * Every function, whether it connects to the source (secret, VPC) and the optional target (its
 * secret), or only calls AWS APIs.
 */
const FUNCTIONS = {
  PlanCutover: { source: false, target: false },
  Preflight: { source: true, target: true },
  InspectSlot: { source: true, target: false },
  EnsureSlot: { source: true, target: false },
  CreateSourceEndpoint: { source: false, target: false },
  TestEndpointConnection: { source: false, target: false },
  CreateCdcTask: { source: true, target: false },
  StartTask: { source: false, target: false },
  DescribeTask: { source: false, target: false },
  StopTask: { source: false, target: false },
  FindTask: { source: false, target: false },
  PollTask: { source: false, target: false },
  CheckCatchUp: { source: true, target: false },
  VerifyRowCounts: { source: true, target: true },
  SyncSequences: { source: true, target: true },
  Notify: { source: false, target: false },
  HealthCheck: { source: true, target: false },
  DecideRecovery: { source: true, target: false },
  TerminateSlotHolder: { source: true, target: false },
  NotifyRecovery: { source: false, target: false },
  RouteRecoveryEvent: { source: false, target: false },
  NotifyAlarm: { source: false, target: false },
} as const;
type FunctionName = keyof typeof FUNCTIONS;

// Actions with no resource type in the Service Authorization Reference: grantable on "*" only.
const DMS_ACTIONS_WITHOUT_RESOURCES = [
  'dms:DescribeEndpoints',
  'dms:DescribeConnections',
  'dms:DescribeReplicationTasks',
  'dms:DescribeReplicationInstances',
];
const OTHER_ACTIONS_WITHOUT_RESOURCES = [
  'cloudwatch:GetMetricData',
  // Step Functions log delivery (Step Functions Developer Guide, "Logging using CloudWatch Logs").
  'logs:CreateLogDelivery',
  'logs:GetLogDelivery',
  'logs:UpdateLogDelivery',
  'logs:DeleteLogDelivery',
  'logs:ListLogDeliveries',
  'logs:PutResourcePolicy',
  'logs:DescribeResourcePolicies',
  'logs:DescribeLogGroups',
  'xray:PutTraceSegments',
  'xray:PutTelemetryRecords',
  'xray:GetSamplingRules',
  'xray:GetSamplingTargets',
];
const dmsArn = (kind: string) => ({
  'Fn::Sub': `arn:\${AWS::Partition}:dms:\${AWS::Region}:\${AWS::AccountId}:${kind}:*`,
});
const TAGGED = { StringEquals: { 'aws:RequestTag/managed-by': 'dms-cdc-orchestrator' } };

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
      `--param=dmsSecretsAccessRoleArn=${ACCESS_ROLE_ARN}`,
      '--param=subnetIds=subnet-0a,subnet-0b',
      '--param=securityGroupIds=sg-0c',
      `--param=targetSecretArn=${TARGET_SECRET_ARN}`,
      '--param=stateMachineTracing=true',
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

/** The statements of one function's role (its single inline policy), Fn::If branches included. */
function roleStatements(name: FunctionName): JsonObject[] {
  const role = template.Resources[
    roleOf(template.Resources[`${name}LambdaFunction`] as Resource)
  ] as Resource;
  return statements(role.Properties.Policies ?? null);
}

/** action -> resources (and condition, if any) for a role's statements on one service. */
function grants(name: FunctionName, service: string): Record<string, Json> {
  const found: Record<string, Json> = {};
  for (const statement of roleStatements(name)) {
    for (const action of list(statement.Action)) {
      if (!String(action).startsWith(`${service}:`)) continue;
      // The statement naming the recoveryRoutes task ARNs (present only when routes exist) stands apart.
      if (JSON.stringify(statement.Resource) === JSON.stringify({ Ref: 'RecoveryTaskArns' })) {
        found[`${action} (routes)`] = statement.Resource ?? null;
        continue;
      }
      expect(found[String(action)], `${name}: ${action} granted twice`).toBeUndefined();
      found[String(action)] =
        statement.Condition === undefined
          ? (statement.Resource ?? null)
          : { Resource: statement.Resource ?? null, Condition: statement.Condition };
    }
  }
  return found;
}

function roleOf(fn: Resource): string {
  const role = fn.Properties.Role as { 'Fn::GetAtt': [string, string] };
  expect(role).toEqual({ 'Fn::GetAtt': [expect.any(String), 'Arn'] });
  return role['Fn::GetAtt'][0];
}

describe('npm run package (osls + serverless-esbuild, offline)', () => {
  it('produces a template with every function', () => {
    expect(existsSync(path.join(PACKAGED, 'cloudformation-template-update-stack.json'))).toBe(true);
    expect(
      functions()
        .map(([id]) => id)
        .sort(),
    ).toEqual(
      Object.keys(FUNCTIONS)
        .map((name) => `${name}LambdaFunction`)
        .sort(),
    );
  });

  it('gives every function its own IAM role and creates no shared one', () => {
    const roles = functions().map(([, fn]) => roleOf(fn));
    expect(new Set(roles).size).toBe(roles.length);
    for (const role of roles) expect(template.Resources[role]?.Type).toBe('AWS::IAM::Role');
    expect(template.Resources.IamRoleLambdaExecution).toBeUndefined();
    // Four more: the three state machines' and the health-check schedule's.
    expect(
      ofType('AWS::IAM::Role')
        .map(([id]) => id)
        .sort(),
    ).toEqual(
      [
        ...roles,
        'CutoverStateMachineRole',
        'HealthCheckStateMachineRole',
        'HealthCheckScheduleRole',
        'RecoverStateMachineRole',
      ].sort(),
    );
  });

  it('has no statement allowing every action, nor any Secrets Manager action on every resource', () => {
    const all = statements(template.Resources as unknown as Json);
    expect(all.length).toBeGreaterThan(5);
    for (const statement of all) {
      const actions = list(statement.Action);
      expect(actions).not.toContain('*');
      if (!('Principal' in statement)) {
        // No service-wide wildcard (dms:*, iam:*, ...) in any role; only the key policy's own kms:*.
        for (const action of actions)
          expect(String(action), JSON.stringify(statement)).not.toMatch(/[:*]\*$/);
      }
      const resources = list(statement.Resource);
      if (actions.some((action) => String(action).toLowerCase().startsWith('secretsmanager:'))) {
        expect(actions).not.toContain('secretsmanager:*');
        for (const resource of resources) expect(JSON.stringify(resource)).not.toContain('*');
      }
      if (resources.includes('*') && statement.Effect === 'Allow') {
        // Only where AWS allows nothing narrower: a key policy's own key, EC2 Describe calls, and the
        // DMS Describe calls that support no resource-level permission.
        const keyPolicy = 'Principal' in statement;
        const describe = actions.every(
          (action) =>
            /^ec2:Describe/.test(String(action)) ||
            DMS_ACTIONS_WITHOUT_RESOURCES.includes(String(action)) ||
            OTHER_ACTIONS_WITHOUT_RESOURCES.includes(String(action)),
        );
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
    expect(template.Resources.InspectSlotLogGroup?.Properties.RetentionInDays).toEqual({
      Ref: 'LogRetentionInDays',
    });
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
      { ParameterKey: 'LogRetentionInDays', ParameterValue: '365' },
      { ParameterKey: 'LogKmsKeyArn', ParameterValue: '' },
      { ParameterKey: 'SourceSecretArn', ParameterValue: SECRET_ARN },
      { ParameterKey: 'SourceSecretKmsKeyArn', ParameterValue: KMS_KEY_ARN },
      { ParameterKey: 'DmsSecretsAccessRoleArn', ParameterValue: ACCESS_ROLE_ARN },
      { ParameterKey: 'SubnetIds', ParameterValue: 'subnet-0a,subnet-0b' },
      { ParameterKey: 'SecurityGroupIds', ParameterValue: 'sg-0c' },
      { ParameterKey: 'TargetSecretArn', ParameterValue: TARGET_SECRET_ARN },
      { ParameterKey: 'TargetSecretKmsKeyArn', ParameterValue: '' },
      { ParameterKey: 'StateMachineLogExecutionData', ParameterValue: 'false' },
      { ParameterKey: 'StateMachineTracing', ParameterValue: 'true' },
      { ParameterKey: 'HealthCheckConfigBucket', ParameterValue: '' },
      { ParameterKey: 'HealthCheckConfigKey', ParameterValue: '' },
      { ParameterKey: 'HealthCheckConfigParameter', ParameterValue: '' },
      { ParameterKey: 'HealthCheckConfig', ParameterValue: '{"sources":[]}' },
      { ParameterKey: 'HealthCheckSchedule', ParameterValue: 'rate(1 minute)' },
      { ParameterKey: 'HealthCheckScheduleState', ParameterValue: 'ENABLED' },
      { ParameterKey: 'HealthCheckSecretArns', ParameterValue: '' },
      { ParameterKey: 'HealthCheckSecretKmsKeyArns', ParameterValue: '' },
      { ParameterKey: 'AlertStateTtlDays', ParameterValue: '30' },
      { ParameterKey: 'HealthCheckLogLevel', ParameterValue: 'ERROR' },
      { ParameterKey: 'AlertEmail', ParameterValue: '' },
      { ParameterKey: 'AlertEmailSeverities', ParameterValue: 'CRITICAL' },
      { ParameterKey: 'AlertEmailSources', ParameterValue: '' },
      { ParameterKey: 'AlertQueueArn', ParameterValue: '' },
      { ParameterKey: 'AlertQueueSeverities', ParameterValue: '' },
      { ParameterKey: 'AlertQueueSources', ParameterValue: '' },
      { ParameterKey: 'AlertHttpsEndpoint', ParameterValue: '' },
      { ParameterKey: 'AlertHttpsSeverities', ParameterValue: 'WARNING,CRITICAL,RESOLVED' },
      { ParameterKey: 'AlertHttpsSources', ParameterValue: '' },
      { ParameterKey: 'RecoveryRoutes', ParameterValue: '{"routes":[]}' },
      // Derived from recoveryRoutes (src/deploy/recovery-task-arns.cjs): none here.
      { ParameterKey: 'RecoveryTaskArns', ParameterValue: '' },
      { ParameterKey: 'RecoveryTriggersState', ParameterValue: 'ENABLED' },
    ]);
    const kmsPattern = new RegExp(String(template.Parameters.SourceSecretKmsKeyArn?.AllowedPattern));
    expect(kmsPattern.test(KMS_KEY_ARN)).toBe(true);
    expect(kmsPattern.test('')).toBe(true);
    expect(kmsPattern.test('alias/aws/secretsmanager')).toBe(false);
  });

  it('encrypts the alert topic with a rotating customer-managed key only SNS and the account use', () => {
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
        { Service: 'sns.amazonaws.com' },
      ]),
    );
    // No EventBridge rule and no alarm publishes to the topic (the alarms go through notify-alarm, which
    // adds the alert attributes): no grant to events.amazonaws.com or cloudwatch.amazonaws.com.
    expect(principals).not.toContainEqual({ Service: 'events.amazonaws.com' });
    expect(principals).not.toContainEqual({ Service: 'cloudwatch.amazonaws.com' });
    // Grants only for AWS services on AWS resources (Control Tower CT.KMS.PR.3).
    expect(statements(key.Properties.KeyPolicy ?? null)).toContainEqual(
      expect.objectContaining({
        Effect: 'Deny',
        Action: 'kms:CreateGrant',
        Condition: {
          BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' },
        },
      }),
    );
    expect(template.Outputs.AlertTopicArn?.Value).toEqual({ Ref: topicId });
  });

  it('grants each DMS function exactly its DMS actions, on this account and region, creates only when tagged', () => {
    expect(grants('CreateSourceEndpoint', 'dms')).toEqual({
      'dms:DescribeEndpoints': '*',
      'dms:CreateEndpoint': { Resource: [dmsArn('endpoint'), dmsArn('cert')], Condition: TAGGED },
      'dms:AddTagsToResource': { Resource: dmsArn('endpoint'), Condition: TAGGED },
    });
    expect(grants('TestEndpointConnection', 'dms')).toEqual({
      'dms:TestConnection': [dmsArn('endpoint'), dmsArn('rep')],
      'dms:DescribeConnections': '*',
    });
    expect(grants('CreateCdcTask', 'dms')).toEqual({
      'dms:DescribeReplicationTasks': '*',
      'dms:CreateReplicationTask': { Resource: [dmsArn('endpoint'), dmsArn('rep')], Condition: TAGGED },
      'dms:AddTagsToResource': { Resource: dmsArn('task'), Condition: TAGGED },
    });
    // Start and stop: tasks this stack tagged, and the tasks recoveryRoutes names.
    const stackTagged = {
      StringEquals: { 'aws:ResourceTag/dms-cdc-stack': 'dms-cdc-orchestrator-dev' },
    };
    expect(grants('StartTask', 'dms')).toEqual({
      'dms:DescribeReplicationTasks': '*',
      'dms:StartReplicationTask': { Resource: dmsArn('task'), Condition: stackTagged },
      'dms:StartReplicationTask (routes)': { Ref: 'RecoveryTaskArns' },
    });
    expect(grants('DescribeTask', 'dms')).toEqual({ 'dms:DescribeReplicationTasks': '*' });
    expect(grants('StopTask', 'dms')).toEqual({
      'dms:DescribeReplicationTasks': '*',
      'dms:StopReplicationTask': { Resource: dmsArn('task'), Condition: stackTagged },
      'dms:StopReplicationTask (routes)': { Ref: 'RecoveryTaskArns' },
    });
    expect(grants('PollTask', 'dms')).toEqual({ 'dms:DescribeReplicationTasks': '*' });
    expect(grants('FindTask', 'dms')).toEqual({ 'dms:DescribeReplicationTasks': '*' });
    expect(grants('CheckCatchUp', 'dms')).toEqual({
      'dms:DescribeReplicationTasks': '*',
      'dms:DescribeReplicationInstances': '*',
    });
    // Strict verification reads the stopped task's RecoveryCheckpoint.
    expect(grants('VerifyRowCounts', 'dms')).toEqual({ 'dms:DescribeReplicationTasks': '*' });
    // Preflight judges the source major against the replication instance's DMS engine version.
    expect(grants('Preflight', 'dms')).toEqual({ 'dms:DescribeReplicationInstances': '*' });
    for (const name of ['InspectSlot', 'EnsureSlot', 'PlanCutover', 'Notify'] as const)
      expect(grants(name, 'dms'), name).toEqual({});
  });

  it('lets only check-catch-up and health-check read metrics (GetMetricData, on "*": it has no resource type) and only notify and health-check publish', () => {
    for (const name of Object.keys(FUNCTIONS) as FunctionName[]) {
      expect(grants(name, 'cloudwatch'), name).toEqual(
        name === 'CheckCatchUp' || name === 'HealthCheck' ? { 'cloudwatch:GetMetricData': '*' } : {},
      );
      expect(grants(name, 'sns'), name).toEqual(
        name === 'Notify' || name === 'HealthCheck' || name === 'NotifyRecovery' || name === 'NotifyAlarm'
          ? { 'sns:Publish': { Ref: 'AlertTopic' } }
          : {},
      );
    }
    expect(
      roleStatements('Notify').filter((s) => list(s.Action).some((a) => String(a).startsWith('kms:'))),
    ).toEqual([
      {
        Sid: 'EncryptForAlertTopic',
        Effect: 'Allow',
        Action: ['kms:GenerateDataKey*', 'kms:Decrypt'],
        Resource: { 'Fn::GetAtt': ['AlertKey', 'Arn'] },
        // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub syntax
        Condition: { StringEquals: { 'kms:ViaService': { 'Fn::Sub': 'sns.${AWS::Region}.amazonaws.com' } } },
      },
    ]);
    const notify = template.Resources.NotifyLambdaFunction as Resource;
    expect((notify.Properties.Environment as { Variables: JsonObject }).Variables.ALERT_TOPIC_ARN).toEqual({
      Ref: 'AlertTopic',
    });
  });

  it('lets plan-cutover do nothing but write its logs', () => {
    expect(roleStatements('PlanCutover').map((s) => s.Sid)).toEqual(['OwnLogGroup']);
  });

  it('lets only create-source-endpoint pass a role: the DMS secrets access role, to DMS only', () => {
    for (const name of Object.keys(FUNCTIONS) as FunctionName[]) {
      const passRole = roleStatements(name).filter((s) =>
        list(s.Action).some((a) => String(a).startsWith('iam:')),
      );
      if (name !== 'CreateSourceEndpoint') {
        expect(passRole, name).toEqual([]);
        continue;
      }
      expect(passRole).toEqual([
        {
          Sid: 'PassSecretsAccessRoleToDms',
          Effect: 'Allow',
          Action: 'iam:PassRole',
          Resource: { Ref: 'DmsSecretsAccessRoleArn' },
          Condition: { StringEquals: { 'iam:PassedToService': 'dms.amazonaws.com' } },
        },
      ]);
    }
    const variables = (
      (template.Resources.CreateSourceEndpointLambdaFunction as Resource).Properties.Environment as {
        Variables: JsonObject;
      }
    ).Variables;
    expect(variables.DMS_SECRETS_ACCESS_ROLE_ARN).toEqual({ Ref: 'DmsSecretsAccessRoleArn' });
    expect(variables.SOURCE_SECRET_ARN).toEqual({ Ref: 'SourceSecretArn' });
    const pattern = new RegExp(String(template.Parameters.DmsSecretsAccessRoleArn?.AllowedPattern));
    expect(pattern.test(ACCESS_ROLE_ARN)).toBe(true);
    expect(pattern.test('')).toBe(false);
    expect(pattern.test('*')).toBe(false);
    expect(pattern.test('arn:aws:iam::123456789012:role/*')).toBe(false);
    expect(template.Parameters.DmsSecretsAccessRoleArn).not.toHaveProperty('Default');
  });

  it('lets health-check read the sources it watches, keep alert state in its table, and nothing more', () => {
    const own = roleStatements('HealthCheck');
    expect(own.find((s) => s.Sid === 'ReadSourceSecrets')).toEqual({
      Sid: 'ReadSourceSecrets',
      Effect: 'Allow',
      Action: 'secretsmanager:GetSecretValue',
      Resource: {
        'Fn::If': [
          'HasHealthCheckSecretArns',
          { Ref: 'HealthCheckSecretArns' },
          [{ Ref: 'SourceSecretArn' }],
        ],
      },
    });
    expect(grants('HealthCheck', 'dynamodb')).toEqual({
      'dynamodb:GetItem': { 'Fn::GetAtt': ['AlertStateTable', 'Arn'] },
      'dynamodb:PutItem': { 'Fn::GetAtt': ['AlertStateTable', 'Arn'] },
    });
    expect(grants('HealthCheck', 'dms')).toEqual({});
    const machine = template.Resources.HealthCheckStateMachine as Resource;
    expect(machine.Properties.StateMachineType).toBe('EXPRESS');
    expect(machine.Properties.DefinitionSubstitutions).toEqual({
      HealthCheckFunctionArn: { 'Fn::GetAtt': ['HealthCheckLambdaFunction', 'Arn'] },
    });
  });

  it('reads a health-check configuration too large for a parameter from the S3 object named, and only that object', () => {
    const rule = template.Resources.HealthCheckScheduleRule as Resource;
    const [target] = rule.Properties.Targets as JsonObject[];
    expect(target?.Input).toEqual({
      'Fn::If': [
        'HasHealthCheckConfigObject',
        {
          'Fn::Sub': `{"configObject":{"bucket":"\${HealthCheckConfigBucket}","key":"\${HealthCheckConfigKey}"}}`,
        },
        {
          'Fn::If': [
            'HasHealthCheckConfigParameter',
            { 'Fn::Sub': `{"configParameterName":"\${HealthCheckConfigParameter}"}` },
            { Ref: 'HealthCheckConfig' },
          ],
        },
      ],
    });
    const role = template.Resources.HealthCheckStateMachineRole as Resource;
    const [policy] = role.Properties.Policies as { PolicyDocument: { Statement: Json[] } }[];
    expect(policy?.PolicyDocument.Statement).toContainEqual({
      'Fn::If': [
        'HasHealthCheckConfigObject',
        {
          Sid: 'ReadConfigurationObject',
          Effect: 'Allow',
          Action: 's3:GetObject',
          Resource: {
            'Fn::Sub': `arn:\${AWS::Partition}:s3:::\${HealthCheckConfigBucket}/\${HealthCheckConfigKey}`,
          },
        },
        { Ref: 'AWS::NoValue' },
      ],
    });
    const key = new RegExp(String(template.Parameters.HealthCheckConfigKey?.AllowedPattern));
    expect(key.test('dms-cdc/health.json')).toBe(true);
    expect(key.test('a"b')).toBe(false);
  });

  it('ends a health-check run inside its one-minute schedule: batch deadline < function timeout <= task timeout, execution timeout < 60 s', () => {
    const fn = (template.Resources.HealthCheckLambdaFunction as Resource).Properties;
    const asl = JSON.parse(readFileSync(path.join(ROOT, 'statemachines/health-check.asl.json'), 'utf8')) as {
      TimeoutSeconds: number;
      States: { CheckSources: { ItemProcessor: { States: { CheckBatch: { TimeoutSeconds: number } } } } };
    };
    const taskTimeout = asl.States.CheckSources.ItemProcessor.States.CheckBatch.TimeoutSeconds;
    expect(template.Parameters.HealthCheckSchedule?.Default).toBe('rate(1 minute)');
    expect(BATCH_DEADLINE_MS / 1000).toBeLessThan(Number(fn.Timeout));
    expect(Number(fn.Timeout)).toBeLessThanOrEqual(taskTimeout);
    expect(taskTimeout).toBeLessThan(asl.TimeoutSeconds);
    expect(asl.TimeoutSeconds).toBeLessThan(60);
  });

  it('gives the source secret, its key and the VPC only to the functions that connect to the source', () => {
    // health-check reads every watched source's secret: its own test above.
    for (const [name, { source, target }] of (
      Object.entries(FUNCTIONS) as [FunctionName, { source: boolean; target: boolean }][]
    ).filter(([name]) => name !== 'HealthCheck')) {
      const own = roleStatements(name);
      const secret = own.filter((s) => list(s.Action).some((a) => String(a).startsWith('secretsmanager:')));
      const kms = own.filter((s) => list(s.Action).some((a) => String(a).startsWith('kms:')));
      const ec2 = own.filter((s) => list(s.Action).some((a) => String(a).startsWith('ec2:')));
      const fn = template.Resources[`${name}LambdaFunction`] as Resource;
      const variables = (fn.Properties.Environment as { Variables: JsonObject } | undefined)?.Variables ?? {};
      if (source) {
        expect(secret, name).toEqual([
          {
            Sid: 'ReadSourceSecret',
            Effect: 'Allow',
            Action: 'secretsmanager:GetSecretValue',
            Resource: { Ref: 'SourceSecretArn' },
          },
          ...(target
            ? [
                {
                  Sid: 'ReadTargetSecret',
                  Effect: 'Allow',
                  Action: 'secretsmanager:GetSecretValue',
                  Resource: { Ref: 'TargetSecretArn' },
                },
              ]
            : []),
        ]);
        expect(kms.map((s) => s.Resource)).toEqual([
          { Ref: 'SourceSecretKmsKeyArn' },
          ...(target ? [{ Ref: 'TargetSecretKmsKeyArn' }] : []),
        ]);
        if (target) {
          expect(variables.TARGET_SECRET_ARN, name).toEqual({ Ref: 'TargetSecretArn' });
          expect(variables.TARGET_TLS, name).toBe('verify-full');
        }
        expect(ec2.map((s) => s.Sid)).toEqual(['DescribeNetworkInterfaces', 'ManageNetworkInterfaces']);
        expect(fn.Properties.VpcConfig, name).toEqual({
          'Fn::If': [
            'InVpc',
            { SubnetIds: { Ref: 'SubnetIds' }, SecurityGroupIds: { Ref: 'SecurityGroupIds' } },
            { Ref: 'AWS::NoValue' },
          ],
        });
        expect(variables.SOURCE_TLS, name).toBe('verify-full');
      } else if (name === 'Notify' || name === 'NotifyRecovery' || name === 'NotifyAlarm') {
        // Their only key is the alert topic's.
        expect(
          kms.map((s) => s.Sid),
          name,
        ).toEqual(['EncryptForAlertTopic']);
        expect([...secret, ...ec2], name).toEqual([]);
        expect(fn.Properties.VpcConfig, name).toBeUndefined();
      } else {
        expect([...secret, ...kms, ...ec2], name).toEqual([]);
        expect(fn.Properties.VpcConfig, name).toBeUndefined();
        expect(variables.SOURCE_TLS, name).toBeUndefined();
      }
    }
  });

  it('lets every function write only to its own log group, kept 30 days', () => {
    for (const name of Object.keys(FUNCTIONS) as FunctionName[]) {
      const logs = roleStatements(name).filter((s) =>
        list(s.Action).some((a) => String(a).startsWith('logs:')),
      );
      expect(logs, name).toEqual([
        {
          Sid: 'OwnLogGroup',
          Effect: 'Allow',
          Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          Resource: { 'Fn::GetAtt': [`${name}LogGroup`, 'Arn'] },
        },
      ]);
      // Retention and the optional key are stack parameters (365 days by default).
      expect(template.Resources[`${name}LogGroup`]?.Properties, name).toMatchObject({
        RetentionInDays: { Ref: 'LogRetentionInDays' },
        KmsKeyId: { 'Fn::If': ['HasLogKmsKey', { Ref: 'LogKmsKeyArn' }, { Ref: 'AWS::NoValue' }] },
      });
      expect(template.Parameters.LogRetentionInDays).toMatchObject({ Type: 'Number', Default: 365 });
    }
  });

  it('accepts an empty target secret or a full secret ARN, never a wildcard', () => {
    expect(template.Parameters.TargetSecretArn).toMatchObject({ Type: 'String', Default: '' });
    const pattern = new RegExp(String(template.Parameters.TargetSecretArn?.AllowedPattern));
    expect(pattern.test('')).toBe(true);
    expect(pattern.test(TARGET_SECRET_ARN)).toBe(true);
    expect(pattern.test('*')).toBe(false);
    expect(pattern.test('arn:aws:secretsmanager:eu-west-1:123456789012:secret:*')).toBe(false);
    expect(template.Conditions.HasTargetSecret).toEqual({
      'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'TargetSecretArn' }, ''] }],
    });
  });

  it.each([
    ['RecoverStateMachine', 'recover', 'STANDARD'],
    ['HealthCheckStateMachine', 'health-check', 'EXPRESS'],
  ])(
    '%s deploys statemachines/%s.asl.json unchanged, every placeholder filled with the function it names',
    (id, file, type) => {
      const text = readFileSync(path.join(ROOT, 'statemachines', `${file}.asl.json`), 'utf8');
      const resource = template.Resources[id] as Resource;
      expect(resource.Properties.StateMachineType).toBe(type);
      expect(resource.Properties.DefinitionString).toBe(text);
      const placeholders = [
        ...new Set([...text.matchAll(/\$\{([A-Za-z0-9]+)\}/gu)].map((m) => m[1] as string)),
      ];
      const substitutions = resource.Properties.DefinitionSubstitutions as JsonObject;
      expect(Object.keys(substitutions).sort()).toEqual(placeholders.sort());
      for (const placeholder of placeholders) {
        const fn = `${placeholder.replace(/FunctionArn$/u, '')}LambdaFunction`;
        expect(substitutions[placeholder], placeholder).toEqual({ 'Fn::GetAtt': [fn, 'Arn'] });
        expect(template.Resources[fn]?.Type, placeholder).toBe('AWS::Lambda::Function');
      }
    },
  );

  describe('the cutover state machine', () => {
    const asl = () => readFileSync(ASL_PATH, 'utf8');
    const machine = () => template.Resources.CutoverStateMachine as Resource;
    const placeholders = () => [
      ...new Set([...asl().matchAll(/\$\{([A-Za-z0-9]+)\}/gu)].map((m) => m[1] as string)),
    ];
    /** ${XFunctionArn} -> the XLambdaFunction resource, by the naming rule the template follows. */
    const functionOf = (placeholder: string) => `${placeholder.replace(/FunctionArn$/u, '')}LambdaFunction`;

    it('is a STANDARD state machine whose definition is statemachines/cutover.asl.json, unchanged', () => {
      expect(machine().Type).toBe('AWS::StepFunctions::StateMachine');
      expect(machine().Properties).toMatchObject({
        StateMachineType: 'STANDARD',
        StateMachineName: 'dms-cdc-orchestrator-dev-cutover',
      });
      const definition = machine().Properties.DefinitionString;
      expect(typeof definition).toBe('string');
      expect(JSON.parse(String(definition))).toEqual(JSON.parse(asl()));
      // Byte for byte, so the local runner and AWS read the very same text.
      expect(definition).toBe(asl());
    });

    it('fills every placeholder of the file, and only those, with the ARN of the function it names', () => {
      const substitutions = machine().Properties.DefinitionSubstitutions as JsonObject;
      expect(placeholders().length).toBeGreaterThanOrEqual(11);
      expect(Object.keys(substitutions).sort()).toEqual(placeholders().sort());
      for (const placeholder of placeholders()) {
        expect(substitutions[placeholder], placeholder).toEqual({
          'Fn::GetAtt': [functionOf(placeholder), 'Arn'],
        });
        expect(template.Resources[functionOf(placeholder)]?.Type, placeholder).toBe('AWS::Lambda::Function');
      }
    });

    it('runs as a role that may invoke exactly the functions the definition names, trusted by Step Functions of this account', () => {
      const role = template.Resources[
        (machine().Properties.RoleArn as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0]
      ] as Resource;
      expect(role.Type).toBe('AWS::IAM::Role');
      const own = statements(role.Properties.Policies ?? null);
      const lambda = own.filter((st) => list(st.Action).some((a) => String(a).startsWith('lambda:')));
      expect(lambda).toHaveLength(1);
      expect(lambda[0]?.Action).toBe('lambda:InvokeFunction');
      expect(
        list(lambda[0]?.Resource)
          .map((r) => JSON.stringify(r))
          .sort(),
      ).toEqual(
        placeholders()
          .map((p) => JSON.stringify({ 'Fn::GetAtt': [functionOf(p), 'Arn'] }))
          .sort(),
      );
      const services = new Set(own.flatMap((st) => list(st.Action).map((a) => String(a).split(':')[0])));
      expect([...services].sort()).toEqual(['lambda', 'logs', 'xray']);
      // X-Ray only when tracing is on.
      const policy = (role.Properties.Policies as JsonObject[])[0]?.PolicyDocument as JsonObject;
      const conditional = (policy.Statement as JsonObject[]).filter((st) => 'Fn::If' in st);
      expect(conditional.map((st) => (st['Fn::If'] as Json[])[0])).toEqual(['TraceStateMachine']);

      const trust = (role.Properties.AssumeRolePolicyDocument as JsonObject).Statement as JsonObject[];
      expect(trust).toHaveLength(1);
      expect(trust[0]).toMatchObject({
        Effect: 'Allow',
        Principal: { Service: 'states.amazonaws.com' },
        Action: 'sts:AssumeRole',
        Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
      });
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    });

    it('logs every event to its own log group, without execution data unless asked, and traces unless told not to', () => {
      const logging = machine().Properties.LoggingConfiguration as JsonObject;
      expect(logging).toEqual({
        Level: 'ALL',
        IncludeExecutionData: { 'Fn::If': ['LogStateMachineExecutionData', true, false] },
        Destinations: [
          {
            CloudWatchLogsLogGroup: { LogGroupArn: { 'Fn::GetAtt': ['CutoverStateMachineLogGroup', 'Arn'] } },
          },
        ],
      });
      expect(template.Resources.CutoverStateMachineLogGroup?.Properties).toEqual({
        LogGroupName: '/aws/vendedlogs/states/dms-cdc-orchestrator-dev-cutover',
        RetentionInDays: { Ref: 'LogRetentionInDays' },
        KmsKeyId: { 'Fn::If': ['HasLogKmsKey', { Ref: 'LogKmsKeyArn' }, { Ref: 'AWS::NoValue' }] },
      });
      expect(machine().Properties.TracingConfiguration).toEqual({
        Enabled: { 'Fn::If': ['TraceStateMachine', true, false] },
      });
      expect(template.Parameters.StateMachineLogExecutionData).toMatchObject({
        Default: 'false',
        AllowedValues: ['true', 'false'],
      });
      expect(template.Parameters.StateMachineTracing).toMatchObject({
        Default: 'true',
        AllowedValues: ['true', 'false'],
      });
    });

    it('is an output of the stack', () => {
      expect(template.Outputs.CutoverStateMachineArn?.Value).toEqual({ Ref: 'CutoverStateMachine' });
    });
  });

  it('trusts only Lambda in every function role', () => {
    for (const name of Object.keys(FUNCTIONS) as FunctionName[]) {
      const role = template.Resources[
        roleOf(template.Resources[`${name}LambdaFunction`] as Resource)
      ] as Resource;
      expect(role.Properties.AssumeRolePolicyDocument, name).toEqual({
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' },
        ],
      });
      expect(role.Properties.ManagedPolicyArns, name).toBeUndefined();
    }
  });

  it('runs every function on nodejs24.x, arm64, trusting the RDS certificates the runtime ships', () => {
    for (const [id, fn] of functions()) {
      expect(fn.Properties.Runtime, id).toBe('nodejs24.x');
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
