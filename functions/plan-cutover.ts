import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { type IamCall, OWN_LOGS } from '../src/adapters/aws/iam-calls.js';
import { createLogger } from '../src/adapters/aws/logger.js';
import { remedyInMessage } from '../src/adapters/aws/remedy-in-message.js';
import { type CutoverPlan, planCutover } from '../src/core/cutover/plan.js';
import { InvalidInputError } from '../src/core/errors.js';
import { type Clock, systemClock } from '../src/ports/clock.js';

export interface PlanCutoverDeps {
  readonly logger: Logger;
  readonly clock: Clock;
}

/** The AWS calls this function makes, each simulated against its role in npm test. Computes the plan from its input alone: no AWS call but its logs. */
export const IAM_CALLS: readonly IamCall[] = [...OWN_LOGS];

const logger = createLogger();

/**
 * First state of the cutover machine: validates the execution input (errors name the field) and
 * returns the plan every later state reads. Pure: it touches nothing, so it is always safe to retry.
 */
export function makeHandler(overrides: Partial<PlanCutoverDeps> = {}) {
  const deps: PlanCutoverDeps = { logger, clock: systemClock, ...overrides };
  return middy<unknown, CutoverPlan>()
    .use(injectLambdaContext(deps.logger, { resetKeys: true }))
    .use(remedyInMessage())
    .handler(async (event) => {
      if (typeof event !== 'object' || event === null || !('input' in event)) {
        throw new InvalidInputError(
          'input',
          'the state machine passes the execution input as { "input": ... }',
        );
      }
      const plan = planCutover((event as { input: unknown }).input, new Date(deps.clock.now()));
      deps.logger.info('cutover planned', { sourceName: plan.sourceName, slot: plan.slot.name });
      return plan;
    });
}

export const handler = makeHandler();
