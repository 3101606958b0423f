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
import { systemClock } from '../src/adapters/system-clock.js';
import { InvalidInputError } from '../src/core/errors.js';
import { resolveSource, SourceCheckInputSchema } from '../src/core/health/config.js';
import {
  BATCH_DEADLINE_MS,
  BATCH_SIZE,
  BatchInputSchema,
  type BatchSummary,
  checkBatch,
  DEFAULT_BATCH_CONCURRENCY,
  DEFAULT_SOURCE_TIMEOUT_SECONDS,
  failureOf,
  outcomeOf,
  type RunSummary,
  type SourceOutcome,
  SummarizeInputSchema,
  summarizeBatch,
  summarizeRun,
} from '../src/core/health/fleet.js';
import { type HealthMetrics, runHealthCheck } from '../src/core/health/run.js';
import type { AlertState } from '../src/ports/alert-state.js';
import type { Alerts } from '../src/ports/alerts.js';
import type { Clock } from '../src/ports/clock.js';
import type { CloudMetricsReader, OpenSource } from '../src/ports/health.js';

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
  // Bounds connecting to a source and each of its statements, so an unreachable source fails fast.
  HEALTH_CHECK_SOURCE_TIMEOUT_SECONDS: z.coerce
    .number()
    .int()
    .min(1)
    .max(10)
    .default(DEFAULT_SOURCE_TIMEOUT_SECONDS),
  // Sources of one batch checked at once (see src/core/health/fleet.ts for the sizing).
  HEALTH_CHECK_BATCH_CONCURRENCY: z.coerce
    .number()
    .int()
    .min(1)
    .max(BATCH_SIZE)
    .default(DEFAULT_BATCH_CONCURRENCY),
});
type HealthEnv = z.output<typeof Env>;

export interface HealthCheckDeps extends SourceLambdaDeps {
  readonly cloud: CloudMetricsReader;
  readonly metrics: HealthMetrics;
  readonly clock: Clock;
  /** Default: SNS Publish to ALERT_TOPIC_ARN. */
  readonly alerts?: Alerts;
  /** Default: the DynamoDB table ALERT_STATE_TABLE. */
  readonly state?: AlertState;
  /** Default: BATCH_DEADLINE_MS, less if the invocation has less time left. */
  readonly batchDeadlineMs?: number;
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
 * One invocation of statemachines/health-check.asl.json: either a batch of sources (one Map
 * iteration), each measured, its EMF metrics emitted and its alerts sent, returning only counts and
 * the failures; or, as the machine's last step, the batches' summaries added up. A source that cannot
 * be reached or whose entry is invalid fails alone; the batch still returns within its deadline.
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
  return middy<unknown, BatchSummary | RunSummary>()
    .use(injectLambdaContext(deps.logger, { resetKeys: true }))
    .use(remedyInMessage())
    .handler(async (event, context) => {
      if (typeof event === 'object' && event !== null && 'summarize' in event) {
        const summary = summarizeRun(parseLambdaInput(SummarizeInputSchema, event).summarize);
        deps.logger.info('health check run done', { ...summary });
        return summary;
      }
      const input = parseLambdaInput(BatchInputSchema, event);
      const env = parseLambdaInput(Env, { ...deps.env }, 'environment');
      const alertDeps = { alerts: alertsOf(deps, env), state: stateOf(deps, env) };
      const outcomes = await checkBatch(input.sources, {
        concurrency: env.HEALTH_CHECK_BATCH_CONCURRENCY,
        deadlineMs: Math.min(
          deps.batchDeadlineMs ?? BATCH_DEADLINE_MS,
          context.getRemainingTimeInMillis() - 2000,
        ),
        clock: deps.clock,
        nameOf: entryName,
        check: (entry, index) => checkSource(entry, index, input.defaults, { ...deps, ...alertDeps }, env),
      });
      const summary = summarizeBatch(input.batch, outcomes);
      deps.logger.info('health check batch done', { ...summary });
      return summary;
    });
}

type SourceCheckDeps = HealthCheckDeps & { readonly alerts: Alerts; readonly state: AlertState };

async function checkSource(
  entry: unknown,
  index: number,
  defaults: unknown,
  deps: SourceCheckDeps,
  env: HealthEnv,
): Promise<SourceOutcome> {
  let input: z.output<typeof SourceCheckInputSchema>;
  try {
    input = parseLambdaInput(SourceCheckInputSchema, { source: entry, defaults });
  } catch (error) {
    return failureOf(entryName(entry, index), error);
  }
  const source = resolveSource(input.source, input.defaults);
  const secretArn = source.secretArn;
  if (!secretArn) {
    return failureOf(
      source.name,
      new InvalidInputError('source.secretArn', `is required in AWS (source ${source.name})`),
    );
  }
  const timeoutMs = env.HEALTH_CHECK_SOURCE_TIMEOUT_SECONDS * 1000;
  const openSource: OpenSource = async (use) => {
    const session = await sourceFromSecret(deps.secrets, deps.env, {
      secretArn,
      database: source.database,
      applicationName: 'dms-cdc-health-check',
    });
    const config = { ...session.config, connectionTimeoutMillis: timeoutMs, statement_timeout: timeoutMs };
    return pgSourceOpener(config, deps.connect)(use);
  };
  const { result } = await runHealthCheck(source, {
    openSource,
    cloud: deps.cloud,
    metrics: deps.metrics,
    clock: deps.clock,
    alerts: deps.alerts,
    state: deps.state,
  });
  const log = result.status === 'CHECKED' ? deps.logger.info : deps.logger.warn;
  log.call(deps.logger, 'health check done', { ...result });
  return outcomeOf(result);
}

/** How a batch entry is named in a failure: its name when it has a usable one, else its position. */
function entryName(entry: unknown, index: number): string {
  const name = (entry as { name?: unknown } | null)?.name;
  return typeof name === 'string' && name.length > 0 ? name.slice(0, 63) : `sources[${index}]`;
}

function alertsOf(deps: HealthCheckDeps, env: HealthEnv): Alerts {
  return deps.alerts ?? buildSnsAlerts(sns, required(env.ALERT_TOPIC_ARN, 'ALERT_TOPIC_ARN'));
}

function stateOf(deps: HealthCheckDeps, env: HealthEnv): AlertState {
  return (
    deps.state ??
    buildDynamoDbAlertState(dynamodb, {
      tableName: required(env.ALERT_STATE_TABLE, 'ALERT_STATE_TABLE'),
      ttlDays: env.ALERT_STATE_TTL_DAYS,
    })
  );
}

function required(value: string | undefined, name: string): string {
  if (value === undefined) throw new InvalidInputError(`environment.${name}`, 'is not set');
  return value;
}

export const handler = makeHandler();
