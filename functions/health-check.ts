import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SNSClient } from '@aws-sdk/client-sns';
import middy from '@middy/core';
import * as z from 'zod';
import { buildDynamoDbAlertState } from '../src/adapters/aws/alert-state-dynamodb.js';
import { buildCloudWatchMetricsReader } from '../src/adapters/aws/cloudwatch.js';
import { buildEmfHealthMetrics, HEALTH_METRICS_NAMESPACE } from '../src/adapters/aws/cloudwatch-emf.js';
import {
  type IamCall,
  OWN_LOGS,
  PUBLISH_ALERT,
  VPC_NETWORK_INTERFACES,
} from '../src/adapters/aws/iam-calls.js';
import { parseLambdaInput } from '../src/adapters/aws/lambda-input.js';
import { createLogger } from '../src/adapters/aws/logger.js';
import { remedyInMessage } from '../src/adapters/aws/remedy-in-message.js';
import { buildSecretsManagerStore } from '../src/adapters/aws/secrets.js';
import { buildSnsAlerts } from '../src/adapters/aws/sns.js';
import { type SourceLambdaDeps, sourceFromSecret } from '../src/adapters/aws/source-session.js';
import { connectPg } from '../src/adapters/pg/client.js';
import { pgSourceOpener } from '../src/adapters/pg/health.js';
import { InvalidInputError } from '../src/core/errors.js';
import { resolveSource, SourceCheckInputSchema } from '../src/core/health/config.js';
import type { CloudMetricsReader, OpenSource } from '../src/core/health/measurement.js';
import { type HealthCheckResult, type HealthMetrics, runHealthCheck } from '../src/core/health/run.js';
import type { AlertState } from '../src/ports/alert-state.js';
import type { Alerts } from '../src/ports/alerts.js';
import { type Clock, systemClock } from '../src/ports/clock.js';

// Both are required unless the adapters they configure are injected (local mode, tests).
const Env = z.object({
  ALERT_TOPIC_ARN: z
    .string()
    .regex(/^arn:aws[a-z-]*:sns:/u, 'must be an SNS topic ARN')
    .optional(),
  ALERT_STATE_TABLE: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{3,255}$/u, 'must be a DynamoDB table name')
    .optional(),
  ALERT_STATE_TTL_DAYS: z.coerce.number().positive().max(3650).default(30),
});

export interface HealthCheckDeps extends SourceLambdaDeps {
  readonly cloud: CloudMetricsReader;
  readonly metrics: HealthMetrics;
  readonly clock: Clock;
  /** Default: SNS Publish to ALERT_TOPIC_ARN. */
  readonly alerts?: Alerts;
  /** Default: the DynamoDB table ALERT_STATE_TABLE. */
  readonly state?: AlertState;
}

/** The AWS calls this function makes, each simulated against its role in npm test. Reads the source credential, keeps alert state, reads RDS metrics and publishes alerts (EMF metrics go through its logs). */
export const IAM_CALLS: readonly IamCall[] = [
  {
    action: 'secretsmanager:GetSecretValue',
    resource: '{HealthCheckSecretArn}',
    why: 'SecretsManager GetSecretValue',
  },
  {
    action: 'kms:Decrypt',
    resource: '{HealthCheckSecretKmsKeyArn}',
    context: { 'kms:ViaService': 'secretsmanager.{Region}.amazonaws.com' },
    why: 'Secrets Manager decrypts the secret with the caller credentials',
    when: 'HasHealthCheckSecretKmsKeys',
  },
  ...PUBLISH_ALERT,
  { action: 'dynamodb:GetItem', resource: '{AlertStateTableArn}', why: 'DynamoDB GetItem (alert state)' },
  { action: 'dynamodb:PutItem', resource: '{AlertStateTableArn}', why: 'DynamoDB PutItem (alert state)' },
  { action: 'cloudwatch:GetMetricData', resource: '*', why: 'CloudWatch GetMetricData (RDS WAL disk)' },
  ...OWN_LOGS,
  ...VPC_NETWORK_INTERFACES,
];

// Created once per execution environment and reused by every invocation.
const logger = createLogger();
const secrets = buildSecretsManagerStore(new SecretsManagerClient({}));
const sns = new SNSClient({});
const dynamodb = new DynamoDBClient({});
const cloud = buildCloudWatchMetricsReader(new CloudWatchClient({}));
const metrics = buildEmfHealthMetrics(
  new Metrics({ namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? HEALTH_METRICS_NAMESPACE }),
);

/**
 * Checks one source (one Map iteration of statemachines/health-check.asl.json): measures its slots and
 * WAL, emits EMF metrics, and alerts on changes. A source that cannot be reached is alerted and
 * returned as UNREACHABLE, not thrown, so the other sources are still checked; an invalid input or
 * an alert that could not be delivered throws.
 */
export function makeHandler(overrides: Partial<HealthCheckDeps> = {}) {
  const deps: HealthCheckDeps = {
    secrets,
    connect: connectPg,
    logger,
    env: process.env,
    cloud,
    metrics,
    clock: systemClock,
    ...overrides,
  };
  return middy<unknown, HealthCheckResult>()
    .use(injectLambdaContext(deps.logger, { resetKeys: true }))
    .use(remedyInMessage())
    .handler(async (event) => {
      const input = parseLambdaInput(SourceCheckInputSchema, event);
      const source = resolveSource(input.source, input.defaults);
      const secretArn = source.secretArn;
      if (!secretArn) {
        throw new InvalidInputError('source.secretArn', `is required in AWS (source ${source.name})`);
      }
      const env = parseLambdaInput(Env, { ...deps.env }, 'environment');
      deps.logger.appendKeys({ source: source.name });
      const openSource: OpenSource = async (use) => {
        const session = await sourceFromSecret(deps.secrets, deps.env, {
          secretArn,
          database: source.database,
          applicationName: 'dms-cdc-health-check',
        });
        return pgSourceOpener({ ...session.config, statement_timeout: 15_000 }, deps.connect)(use);
      };
      const { result } = await runHealthCheck(source, {
        openSource,
        cloud: deps.cloud,
        metrics: deps.metrics,
        clock: deps.clock,
        alerts: deps.alerts ?? buildSnsAlerts(sns, required(env.ALERT_TOPIC_ARN, 'ALERT_TOPIC_ARN')),
        state:
          deps.state ??
          buildDynamoDbAlertState(dynamodb, {
            tableName: required(env.ALERT_STATE_TABLE, 'ALERT_STATE_TABLE'),
            ttlDays: env.ALERT_STATE_TTL_DAYS,
          }),
      });
      const log = result.status === 'CHECKED' ? deps.logger.info : deps.logger.warn;
      log.call(deps.logger, 'health check done', { ...result });
      return result;
    });
}

function required(value: string | undefined, name: string): string {
  if (value === undefined) throw new InvalidInputError(`environment.${name}`, 'is not set');
  return value;
}

export const handler = makeHandler();
