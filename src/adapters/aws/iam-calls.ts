/**
 * The AWS calls a function makes, as IAM authorises them. Each handler in functions/ exports its list
 * as `IAM_CALLS`, next to the code that makes the calls; test/deploy/iam-simulation.test.ts simulates
 * every entry against that function's role in the packaged template (with @cloud-copilot/iam-simulate
 * and AWS's Service Authorization data) and expects it allowed.
 *
 * Resources and context values may hold placeholders in braces, filled from the simulated stack:
 * {Partition} {Region} {Account} {Stack} (service-stage), {OwnLogGroup} (the function's log group name),
 * {SourceSecretArn} {SourceSecretKmsKeyArn} {TargetSecretArn} {TargetSecretKmsKeyArn}
 * {HealthCheckSecretArn} {HealthCheckSecretKmsKeyArn} {DmsSecretsAccessRoleArn} {AlertTopicArn}
 * {AlertKeyArn} {AlertStateTableArn} {RecoverStateMachineArn}.
 *
 * DMS resources are asked as `...:task:*`, `...:endpoint:*`, `...:rep:*`: AWS's data spells DMS resource
 * ARNs with a literal `*`, so the simulator resolves no resource type for a concrete DMS ARN.
 */
export interface IamCall {
  /** The IAM action, e.g. `dms:StartReplicationTask`. */
  readonly action: string;
  readonly resource: string;
  /** Context keys the request carries as the adapter sends it (aws:RequestTag/..., kms:ViaService, ...). */
  readonly context?: Readonly<Record<string, string | readonly string[]>>;
  /** The API call or runtime step that makes the request. */
  readonly why: string;
  /** Only on stacks where this template condition holds (InVpc, HasSourceSecretKmsKey, ...). */
  readonly when?: string;
  /** The Sid of the statement that must be the one allowing it. */
  readonly via?: string;
}

/** The tag every DMS resource the orchestrator creates carries (orchestratorTags). */
const MANAGED_BY = { 'aws:RequestTag/managed-by': 'dms-cdc-orchestrator' } as const;
/** The tags create-source-endpoint and create-cdc-task send (orchestratorTags; the caller's own tags may add more). */
export const ORCHESTRATOR_TAG_CONTEXT = {
  ...MANAGED_BY,
  'aws:RequestTag/dms-cdc-stack': '{Stack}',
  'aws:RequestTag/dms-cdc-source': 'orders',
  'aws:RequestTag/dms-cdc-slot': 'dms_slot',
  'aws:TagKeys': ['managed-by', 'dms-cdc-stack', 'dms-cdc-source', 'dms-cdc-slot'],
} as const;

/** The Lambda runtime writes the function's logs with its execution role. */
export const OWN_LOGS: readonly IamCall[] = [
  {
    action: 'logs:CreateLogStream',
    resource:
      'arn:{Partition}:logs:{Region}:{Account}:log-group:{OwnLogGroup}:log-stream:2026/01/01/[$LATEST]0',
    why: 'Lambda runtime: log stream of an execution environment',
  },
  {
    action: 'logs:PutLogEvents',
    resource:
      'arn:{Partition}:logs:{Region}:{Account}:log-group:{OwnLogGroup}:log-stream:2026/01/01/[$LATEST]0',
    why: 'Lambda runtime: the function logs',
  },
];

/** Lambda creates and removes the function's network interfaces with its execution role (in a VPC). */
export const VPC_NETWORK_INTERFACES: readonly IamCall[] = [
  { action: 'ec2:DescribeNetworkInterfaces', resource: '*', why: 'Lambda: VPC attachment', when: 'InVpc' },
  { action: 'ec2:DescribeSubnets', resource: '*', why: 'Lambda: VPC attachment', when: 'InVpc' },
  {
    action: 'ec2:CreateNetworkInterface',
    resource: 'arn:{Partition}:ec2:{Region}:{Account}:network-interface/*',
    why: 'Lambda: VPC attachment',
    when: 'InVpc',
  },
  {
    action: 'ec2:CreateNetworkInterface',
    resource: 'arn:{Partition}:ec2:{Region}:{Account}:subnet/subnet-0a',
    why: 'Lambda: VPC attachment (in the subnet)',
    when: 'InVpc',
  },
  {
    action: 'ec2:CreateNetworkInterface',
    resource: 'arn:{Partition}:ec2:{Region}:{Account}:security-group/sg-0c',
    why: 'Lambda: VPC attachment (with the security group)',
    when: 'InVpc',
  },
  {
    action: 'ec2:DeleteNetworkInterface',
    resource: 'arn:{Partition}:ec2:{Region}:{Account}:network-interface/eni-0123456789abcdef0',
    why: 'Lambda: VPC detachment',
    when: 'InVpc',
  },
];

/** GetSecretValue of a secret, decrypted by Secrets Manager with its key; `when` the stack has them. */
function secretRead(
  secretArn: string,
  keyArn: string,
  when: { readonly secret?: string; readonly key: string },
): readonly IamCall[] {
  return [
    {
      action: 'secretsmanager:GetSecretValue',
      resource: secretArn,
      why: 'SecretsManager GetSecretValue',
      ...(when.secret === undefined ? {} : { when: when.secret }),
    },
    {
      action: 'kms:Decrypt',
      resource: keyArn,
      context: { 'kms:ViaService': 'secretsmanager.{Region}.amazonaws.com' },
      why: 'Secrets Manager decrypts the secret with the caller credentials',
      when: when.key,
    },
  ];
}

/** The source secret (SOURCE_SECRET_ARN). */
export const SOURCE_SECRET = secretRead('{SourceSecretArn}', '{SourceSecretKmsKeyArn}', {
  key: 'HasSourceSecretKmsKey',
});

/** The optional target secret (TARGET_SECRET_ARN). */
export const TARGET_SECRET = secretRead('{TargetSecretArn}', '{TargetSecretKmsKeyArn}', {
  secret: 'HasTargetSecret',
  key: 'HasTargetSecretKmsKey',
});

/** The secrets of the sources the health check watches (HealthCheckSecretArn). */
export const HEALTH_CHECK_SECRETS = secretRead('{HealthCheckSecretArn}', '{HealthCheckSecretKmsKeyArn}', {
  key: 'HasHealthCheckSecretKmsKeys',
});

/** The health check's alert state: one item per alert, read and written conditionally. */
export const ALERT_STATE: readonly IamCall[] = [
  { action: 'dynamodb:GetItem', resource: '{AlertStateTableArn}', why: 'DynamoDB GetItem (alert state)' },
  { action: 'dynamodb:PutItem', resource: '{AlertStateTableArn}', why: 'DynamoDB PutItem (alert state)' },
];

/** DescribeReplicationTasks has no resource type: asked on "*". */
export const DESCRIBE_TASKS: IamCall = {
  action: 'dms:DescribeReplicationTasks',
  resource: '*',
  why: 'DMS DescribeReplicationTasks',
};

/** The replication instance's EngineVersion (preflight): DescribeReplicationInstances is asked on "*". */
export const DESCRIBE_INSTANCES: IamCall = {
  action: 'dms:DescribeReplicationInstances',
  resource: '*',
  why: 'DMS DescribeReplicationInstances (the instance engine version)',
};

/** Publish to the KMS-encrypted alert topic: SNS asks KMS with the publisher's credentials. */
export const PUBLISH_ALERT: readonly IamCall[] = [
  {
    action: 'sns:Publish',
    resource: '{AlertTopicArn}',
    context: { 'aws:SecureTransport': 'true' },
    why: 'SNS Publish',
  },
  {
    action: 'kms:GenerateDataKey',
    resource: '{AlertKeyArn}',
    context: { 'kms:ViaService': 'sns.{Region}.amazonaws.com' },
    why: 'SNS encrypts the message with the topic key',
  },
  {
    action: 'kms:Decrypt',
    resource: '{AlertKeyArn}',
    context: { 'kms:ViaService': 'sns.{Region}.amazonaws.com' },
    why: 'SNS decrypts the data key',
  },
];

export const DMS_TASK_ANY = 'arn:{Partition}:dms:{Region}:{Account}:task:*';
export const DMS_ENDPOINT_ANY = 'arn:{Partition}:dms:{Region}:{Account}:endpoint:*';
export const DMS_INSTANCE_ANY = 'arn:{Partition}:dms:{Region}:{Account}:rep:*';

/**
 * A call on a task this stack created (tagged dms-cdc-stack={Stack} by create-cdc-task), and the same
 * call on a task recoveryRoutes names (asked as "any task, untagged": the only statement that may allow
 * it is the one listing the routes' task ARNs).
 */
export function onStackOrRoutedTask(action: string, why: string, routedSid: string): readonly IamCall[] {
  return [
    {
      action,
      resource: DMS_TASK_ANY,
      context: { 'aws:ResourceTag/dms-cdc-stack': '{Stack}' },
      why: `${why} (a task this stack created)`,
    },
    {
      action,
      resource: DMS_TASK_ANY,
      why: `${why} (a task recoveryRoutes names)`,
      when: 'HasRecoveryTaskArns',
      via: routedSid,
    },
  ];
}
