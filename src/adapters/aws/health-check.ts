import { Metrics } from '@aws-lambda-powertools/metrics';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import * as z from 'zod';
import { InvalidInputError } from '../../core/errors.js';
import type { BatchLimits, FleetDeps } from '../../core/health/batch.js';
import {
  BATCH_DEADLINE_MS,
  BATCH_SIZE,
  DEFAULT_BATCH_CONCURRENCY,
  DEFAULT_SOURCE_TIMEOUT_SECONDS,
} from '../../core/health/fleet.js';
import type { HealthMetrics } from '../../core/health/run.js';
import type { AlertState } from '../../ports/alert-state.js';
import type { Alerts } from '../../ports/alerts.js';
import type { Clock } from '../../ports/clock.js';
import type { CloudMetricsReader } from '../../ports/health.js';
import { pgSourceOpener } from '../pg/health.js';
import { buildDynamoDbAlertState } from './alert-state-dynamodb.js';
import { buildCloudWatchMetricsReader } from './cloudwatch.js';
import { buildEmfHealthMetrics, HEALTH_METRICS_NAMESPACE } from './cloudwatch-emf.js';
import { defaultClock } from './lambda.js';
import { parseLambdaInput } from './lambda-input.js';
import { once } from './once.js';
import { buildSnsAlerts } from './sns.js';
import { sourceDeps } from './source-middleware.js';
import { type SourceLambdaDeps, sourceFromSecret } from './source-session.js';

/** The health-check function's settings and its production adapters (SNS, DynamoDB, CloudWatch, EMF). */

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
export type HealthEnv = z.output<typeof Env>;

export function healthEnv(env: Readonly<Record<string, string | undefined>>): HealthEnv {
  return parseLambdaInput(Env, { ...env }, 'environment');
}

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

// Built on first use and kept for the execution environment's life.
const defaultCloudReader = once(() => buildCloudWatchMetricsReader(new CloudWatchClient({})));
const defaultHealthMetrics = once(() =>
  buildEmfHealthMetrics(
    new Metrics({ namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? HEALTH_METRICS_NAMESPACE }),
  ),
);
const sns = once(() => new SNSClient({}));
const dynamodb = once(() => new DynamoDBClient({}));

/** The production adapters for what the caller (local mode, tests) did not inject. */
export function healthCheckDeps(overrides: Partial<HealthCheckDeps>): HealthCheckDeps {
  return sourceDeps<HealthCheckDeps>(overrides, {
    cloud: defaultCloudReader,
    metrics: defaultHealthMetrics,
    clock: defaultClock,
    // Optional: built from the environment when a batch runs, unless injected.
    alerts: () => undefined,
    state: () => undefined,
    batchDeadlineMs: () => undefined,
  });
}

/** How many sources at once and until when: 2 s before the invocation's own end at the latest. */
export function batchLimits(deps: HealthCheckDeps, env: HealthEnv, remainingMs: number): BatchLimits {
  return {
    concurrency: env.HEALTH_CHECK_BATCH_CONCURRENCY,
    deadlineMs: Math.min(deps.batchDeadlineMs ?? BATCH_DEADLINE_MS, remainingMs - 2000),
  };
}

/** What each source's check is given: its secret read and connected with the configured timeouts. */
export function fleetDeps(deps: HealthCheckDeps, env: HealthEnv): FleetDeps {
  const timeoutMs = env.HEALTH_CHECK_SOURCE_TIMEOUT_SECONDS * 1000;
  return {
    cloud: deps.cloud,
    metrics: deps.metrics,
    clock: deps.clock,
    alerts: deps.alerts ?? buildSnsAlerts(sns(), required(env.ALERT_TOPIC_ARN, 'ALERT_TOPIC_ARN')),
    state: deps.state ?? alertStateOf(env),
    openSource: (source, secretArn) => async (use) => {
      const session = await sourceFromSecret(deps.secrets, deps.env, {
        secretArn,
        database: source.database,
        applicationName: 'dms-cdc-health-check',
      });
      const config = { ...session.config, connectionTimeoutMillis: timeoutMs, statement_timeout: timeoutMs };
      return pgSourceOpener(config, deps.connect)(use);
    },
    checked: (result) => {
      const log = result.status === 'CHECKED' ? deps.logger.info : deps.logger.warn;
      log.call(deps.logger, 'health check done', { ...result });
    },
  };
}

function alertStateOf(env: HealthEnv): AlertState {
  return buildDynamoDbAlertState(dynamodb(), {
    tableName: required(env.ALERT_STATE_TABLE, 'ALERT_STATE_TABLE'),
    ttlDays: env.ALERT_STATE_TTL_DAYS,
  });
}

function required(value: string | undefined, name: string): string {
  if (value === undefined) throw new InvalidInputError(`environment.${name}`, 'is not set');
  return value;
}
