import { SFNClient } from '@aws-sdk/client-sfn';
import { type IamCall, OWN_LOGS } from '../src/adapters/aws/iam-calls.js';
import { type LambdaDeps, lambda, withDefaults } from '../src/adapters/aws/lambda.js';
import { parseLambdaInput } from '../src/adapters/aws/lambda-input.js';
import { sharedLogger } from '../src/adapters/aws/logger.js';
import { once } from '../src/adapters/aws/once.js';
import { RecoveryEvent, RouteEnv } from '../src/adapters/aws/payloads/recovery.js';
import { buildStartOnce } from '../src/adapters/aws/sfn-start.js';
import { parseRoutes, routeRecoveryEvent } from '../src/core/recovery/routing.js';
import { type StartedRecovery, startRecoveries } from '../src/core/recovery/start.js';
import type { StartExecution } from '../src/ports/executions.js';

export type StartRecovery = StartExecution;
export interface RouteRecoveryEventResult {
  readonly started: readonly StartedRecovery[];
  readonly ignored: string | null;
}
export interface RouteRecoveryEventDeps extends LambdaDeps {
  readonly start: StartRecovery;
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** The AWS calls this function makes, each simulated against its role in npm test. Starts executions of the recover state machine. */
export const IAM_CALLS: readonly IamCall[] = [
  {
    action: 'states:StartExecution',
    resource: '{RecoverStateMachineArn}',
    why: 'Step Functions StartExecution',
  },
  ...OWN_LOGS,
];

// The execution name is stable per event and task: a redelivered event (EventBridge delivers at least once)
// finds the execution the first delivery started, open or closed.
const startOnce = once(() => buildStartOnce(new SFNClient({})));

/**
 * The target of the recovery EventBridge rules: maps a DMS task failure or an RDS failover to the recover
 * inputs the routes configure and starts one execution per task. An event that concerns no configured task
 * is logged and ignored, not an error (the rules may match tasks this stack does not manage).
 */
export function makeHandler(overrides: Partial<RouteRecoveryEventDeps> = {}) {
  const deps = withDefaults(overrides, { start: startOnce, logger: sharedLogger, env: () => process.env });
  return lambda<RouteRecoveryEventResult>(deps.logger).handler(async (event) => {
    const input = parseLambdaInput(RecoveryEvent, event, 'event');
    const env = parseLambdaInput(RouteEnv, { ...deps.env }, 'environment');
    const routing = routeRecoveryEvent(input, parseRoutes(env.RECOVERY_ROUTES));
    const eventId = input.id;
    if (routing.ignored !== null)
      deps.logger.info('event needs no recovery', { eventId, reason: routing.ignored });
    const started = await startRecoveries(deps.start, env.RECOVER_STATE_MACHINE_ARN, routing.starts, (one) =>
      deps.logger.info(
        one.duplicate ? 'recovery already started for this event (duplicate)' : 'recovery started',
        {
          eventId,
          ...one,
        },
      ),
    );
    return { started, ignored: routing.ignored };
  });
}

export const handler = makeHandler();
