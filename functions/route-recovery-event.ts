import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { SFNClient } from '@aws-sdk/client-sfn';
import middy from '@middy/core';
import * as z from 'zod';
import { type IamCall, OWN_LOGS } from '../src/adapters/aws/iam-calls.js';
import { parseLambdaInput } from '../src/adapters/aws/lambda-input.js';
import { createLogger } from '../src/adapters/aws/logger.js';
import { remedyInMessage } from '../src/adapters/aws/remedy-in-message.js';
import { buildStartOnce, type Started, type StartRequest } from '../src/adapters/aws/sfn-start.js';
import { type AwsEvent, parseRoutes, routeRecoveryEvent } from '../src/core/recovery/routing.js';

/** The EventBridge event the rules deliver (only what routing reads is checked). */
const Event = z.looseObject({
  id: z.string().optional(),
  source: z.string(),
  'detail-type': z.string(),
  time: z.string().optional(),
  resources: z.array(z.string()).default([]),
  detail: z.record(z.string(), z.unknown()).default({}),
});
const Env = z.object({
  RECOVER_STATE_MACHINE_ARN: z
    .string()
    .regex(
      /^arn:aws[a-z-]*:states:[a-z0-9-]+:[0-9]{12}:stateMachine:[A-Za-z0-9_-]{1,80}$/,
      'must be a state machine ARN',
    ),
  /** {"routes": [...]} (src/core/recovery/routing.ts): which tasks each task event and failover event recovers. */
  RECOVERY_ROUTES: z.string().default(''),
});

/** Starts one execution; resolves to its ARN, marked duplicate when this event already started it. */
export type StartRecovery = (request: StartRequest) => Promise<Started>;

export interface RouteRecoveryEventResult {
  readonly started: readonly {
    readonly taskArn: string;
    readonly executionArn: string;
    readonly duplicate: boolean;
  }[];
  readonly ignored: string | null;
}
export interface RouteRecoveryEventDeps {
  readonly start: StartRecovery;
  readonly logger: Logger;
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

// Created once per execution environment and reused by every invocation.
const logger = createLogger();
/**
 * The execution name is stable per event and task, so a redelivered event (EventBridge delivers at least
 * once, and retries a failed invocation) finds the execution the first delivery started, open or closed.
 */
const start: StartRecovery = buildStartOnce(new SFNClient({}));

/**
 * The target of the recovery EventBridge rules: maps a DMS task failure or an RDS failover to the recover
 * inputs the routes configure and starts one execution per task. An event that concerns no configured task
 * is logged and ignored, not an error (the rules may match tasks this stack does not manage).
 */
export function makeHandler(overrides: Partial<RouteRecoveryEventDeps> = {}) {
  const deps: RouteRecoveryEventDeps = { start, logger, env: process.env, ...overrides };
  return middy<unknown, RouteRecoveryEventResult>()
    .use(injectLambdaContext(deps.logger, { resetKeys: true }))
    .use(remedyInMessage())
    .handler(async (event) => {
      const input = parseLambdaInput(Event, event, 'event');
      const env = parseLambdaInput(Env, { ...deps.env }, 'environment');
      const routing = routeRecoveryEvent(input as AwsEvent, parseRoutes(env.RECOVERY_ROUTES));
      if (routing.ignored !== null) {
        deps.logger.info('event needs no recovery', { eventId: input.id, reason: routing.ignored });
        return { started: [], ignored: routing.ignored };
      }
      const started = [];
      for (const recovery of routing.starts) {
        const { executionArn, duplicate } = await deps.start({
          stateMachineArn: env.RECOVER_STATE_MACHINE_ARN,
          name: recovery.name,
          input: JSON.stringify(recovery.input),
        });
        const taskArn = String(recovery.input.taskArn);
        // A duplicate is no failure: throwing would send the event to the dead-letter queue as never started.
        deps.logger.info(
          duplicate ? 'recovery already started for this event (duplicate)' : 'recovery started',
          {
            eventId: input.id,
            taskArn,
            executionArn,
            duplicate,
          },
        );
        started.push({ taskArn, executionArn, duplicate });
      }
      return { started, ignored: null };
    });
}

export const handler = makeHandler();
