import { makeHandler as checkCatchUp } from '../../../functions/check-catch-up.js';
import { makeHandler as createCdcTask } from '../../../functions/create-cdc-task.js';
import { makeHandler as decideRecovery } from '../../../functions/decide-recovery.js';
import { makeHandler as notifyRecovery } from '../../../functions/notify-recovery.js';
import { makeHandler as pollTask } from '../../../functions/poll-task.js';
import { makeHandler as startTask } from '../../../functions/start-task.js';
import { makeHandler as stopTask } from '../../../functions/stop-task.js';
import { makeHandler as terminateSlotHolder } from '../../../functions/terminate-slot-holder.js';
import type { LocalDms } from '../../adapters/local/dms/engine.js';
import type { LocalSecretStore } from '../../adapters/local/secret-store.js';
import type { Alerts } from '../../ports/alerts.js';
import { silentLogger } from '../cutover/handlers.js';
import type { TaskHandler } from '../stepfunctions/index.js';

/** What the recover machine acts on locally: the local engine, the local secrets and an alert sink. */
export interface LocalRecoveryEnvironment {
  readonly dms: LocalDms;
  readonly secrets: LocalSecretStore;
  readonly alerts: Alerts;
}

/**
 * The recover machine's Lambdas, the real handlers, with local adapters injected (the local DMS engine,
 * the local secret store with TLS off for loopback servers, the given alert sink). Keyed by the ASL
 * placeholder each one fills.
 */
export function localRecoveryHandlers(
  env: LocalRecoveryEnvironment,
  logger = silentLogger(),
): Record<string, TaskHandler> {
  const lambdaEnv = { SOURCE_TLS: 'disable' };
  const source = { logger, env: lambdaEnv, secrets: env.secrets };
  const handlers = {
    DecideRecoveryFunctionArn: decideRecovery({ ...source, dms: env.dms }),
    StartTaskFunctionArn: startTask({ logger, dms: env.dms }),
    StopTaskFunctionArn: stopTask({ logger, dms: env.dms }),
    PollTaskFunctionArn: pollTask({ logger, dms: env.dms }),
    CreateCdcTaskFunctionArn: createCdcTask({ ...source, dms: env.dms }),
    CheckCatchUpFunctionArn: checkCatchUp({ ...source, dms: env.dms, metrics: env.dms }),
    TerminateSlotHolderFunctionArn: terminateSlotHolder(source),
    NotifyRecoveryFunctionArn: notifyRecovery({ logger, alerts: env.alerts }),
  };
  // A Lambda handler takes (event, context); the runner passes the payload and a Lambda-like context.
  return handlers as unknown as Record<string, TaskHandler>;
}
