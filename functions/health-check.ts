import {
  batchLimits,
  fleetDeps,
  type HealthCheckDeps,
  healthCheckDeps,
  healthEnv,
} from '../src/adapters/aws/health-check.js';
import {
  ALERT_STATE,
  HEALTH_CHECK_SECRETS,
  type IamCall,
  OWN_LOGS,
  PUBLISH_ALERT,
  VPC_NETWORK_INTERFACES,
} from '../src/adapters/aws/iam-calls.js';
import { lambda } from '../src/adapters/aws/lambda.js';
import { parseLambdaInput } from '../src/adapters/aws/lambda-input.js';
import { checkHealthBatch } from '../src/core/health/batch.js';
import {
  BatchInputSchema,
  type BatchSummary,
  type RunSummary,
  SummarizeInputSchema,
  summarizeRun,
} from '../src/core/health/fleet.js';

export type { HealthCheckDeps };

/** The AWS calls this function makes, each simulated against its role in npm test. Reads the source credential, keeps alert state, reads RDS metrics and publishes alerts (EMF metrics go through its logs). */
export const IAM_CALLS: readonly IamCall[] = [
  ...HEALTH_CHECK_SECRETS,
  ...PUBLISH_ALERT,
  ...ALERT_STATE,
  { action: 'cloudwatch:GetMetricData', resource: '*', why: 'CloudWatch GetMetricData (RDS WAL disk)' },
  ...OWN_LOGS,
  ...VPC_NETWORK_INTERFACES,
];

/**
 * One invocation of statemachines/health-check.asl.json: either a batch of sources (one Map
 * iteration, src/core/health/batch.ts), each measured, its EMF metrics emitted and its alerts sent,
 * returning only counts and the failures; or, as the machine's last step, the batches' summaries
 * added up.
 */
export function makeHandler(overrides: Partial<HealthCheckDeps> = {}) {
  const deps = healthCheckDeps(overrides);
  return lambda<BatchSummary | RunSummary>(deps.logger).handler(async (event, context) => {
    if (typeof event === 'object' && event !== null && 'summarize' in event) {
      const summary = summarizeRun(parseLambdaInput(SummarizeInputSchema, event).summarize);
      deps.logger.info('health check run done', { ...summary });
      return summary;
    }
    const input = parseLambdaInput(BatchInputSchema, event);
    const env = healthEnv(deps.env);
    const limits = batchLimits(deps, env, context.getRemainingTimeInMillis());
    const summary = await checkHealthBatch(input, limits, fleetDeps(deps, env));
    deps.logger.info('health check batch done', { ...summary });
    return summary;
  });
}

export const handler = makeHandler();
