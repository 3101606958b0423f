import { Logger } from '@aws-lambda-powertools/logger';
import { makeHandler as checkCatchUp } from '../../../functions/check-catch-up.js';
import { makeHandler as createCdcTask } from '../../../functions/create-cdc-task.js';
import { makeHandler as createSourceEndpoint } from '../../../functions/create-source-endpoint.js';
import { makeHandler as ensureSlot } from '../../../functions/ensure-slot.js';
import { makeHandler as findTask } from '../../../functions/find-task.js';
import { makeHandler as notify } from '../../../functions/notify.js';
import { makeHandler as planCutover } from '../../../functions/plan-cutover.js';
import { makeHandler as pollTask } from '../../../functions/poll-task.js';
import { makeHandler as preflight } from '../../../functions/preflight.js';
import { makeHandler as startTask } from '../../../functions/start-task.js';
import { makeHandler as stopTask } from '../../../functions/stop-task.js';
import { makeHandler as syncSequences } from '../../../functions/sync-sequences.js';
import { makeHandler as testEndpointConnection } from '../../../functions/test-endpoint-connection.js';
import { makeHandler as verifyRowCounts } from '../../../functions/verify-row-counts.js';
import { DMS_POSTGRESQL_SOURCES } from '../../core/preflight/dms-source-versions.js';
import type { TaskHandler } from '../stepfunctions/index.js';
import type { LocalCutoverEnvironment } from './environment.js';

/**
 * The cutover machine's Lambdas, the real handlers, with local adapters injected: the local DMS
 * engine for DMS, the local secret store for Secrets Manager (TLS off: loopback only), the local
 * sink for SNS. Keyed by the ASL placeholder each one fills.
 */
export function localCutoverHandlers(
  env: LocalCutoverEnvironment,
  logger = silentLogger(),
): Record<string, TaskHandler> {
  const lambdaEnv = {
    SOURCE_SECRET_ARN: env.sourceSecretArn,
    SOURCE_TLS: 'disable',
    TARGET_SECRET_ARN: env.targetSecretArn,
    TARGET_TLS: 'disable',
    DMS_SECRETS_ACCESS_ROLE_ARN: 'arn:aws:iam::000000000000:role/local-dms-secrets-access',
  };
  const common = { logger, env: lambdaEnv };
  const handlers = {
    PlanCutoverFunctionArn: planCutover({ logger }),
    FindTaskFunctionArn: findTask({ logger, dms: env.dms }),
    // The local engine stands in for the newest DMS engine DMS's source table lists.
    PreflightFunctionArn: preflight({
      ...common,
      secrets: env.secrets,
      dmsEngineVersion: async () => DMS_POSTGRESQL_SOURCES.newestEngine,
    }),
    EnsureSlotFunctionArn: ensureSlot({ ...common, secrets: env.secrets }),
    CreateSourceEndpointFunctionArn: createSourceEndpoint({ ...common, dms: env.dms }),
    TestEndpointConnectionFunctionArn: testEndpointConnection({ logger, dms: env.dms, pollMs: 50 }),
    CreateCdcTaskFunctionArn: createCdcTask({ ...common, dms: env.dms, secrets: env.secrets }),
    StartTaskFunctionArn: startTask({ logger, dms: env.dms }),
    PollTaskFunctionArn: pollTask({ logger, dms: env.dms }),
    StopTaskFunctionArn: stopTask({ logger, dms: env.dms }),
    CheckCatchUpFunctionArn: checkCatchUp({
      ...common,
      dms: env.dms,
      secrets: env.secrets,
      metrics: env.dms,
    }),
    SyncSequencesFunctionArn: syncSequences({ ...common, secrets: env.secrets }),
    VerifyRowCountsFunctionArn: verifyRowCounts({ ...common, secrets: env.secrets, dms: env.dms }),
    NotifyFunctionArn: notify({ logger, alerts: env.alerts }),
  };
  // A Lambda handler takes (event, context); the runner passes the payload and a Lambda-like context.
  return handlers as unknown as Record<string, TaskHandler>;
}

/** Handlers log as in Lambda (Powertools JSON); locally that goes nowhere unless asked for. */
export function silentLogger(): Logger {
  return new Logger({ serviceName: 'dms-cdc-orchestrator', logLevel: 'SILENT' });
}
