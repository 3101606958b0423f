import { type IamCall, OWN_LOGS } from '../src/adapters/aws/iam-calls.js';
import { defaultClock, type LambdaDeps, lambda, withDefaults } from '../src/adapters/aws/lambda.js';
import { sharedLogger } from '../src/adapters/aws/logger.js';
import { executionInput } from '../src/adapters/aws/payloads/cutover.js';
import { type CutoverPlan, planCutover } from '../src/core/cutover/plan.js';
import type { Clock } from '../src/ports/clock.js';

export interface PlanCutoverDeps extends LambdaDeps {
  readonly clock: Clock;
}

/** The AWS calls this function makes, each simulated against its role in npm test. Computes the plan from its input alone: no AWS call but its logs. */
export const IAM_CALLS: readonly IamCall[] = [...OWN_LOGS];

/**
 * First state of the cutover machine: validates the execution input (errors name the field) and
 * returns the plan every later state reads. Pure: it touches nothing, so it is always safe to retry.
 */
export function makeHandler(overrides: Partial<PlanCutoverDeps> = {}) {
  const deps = withDefaults(overrides, { logger: sharedLogger, clock: defaultClock });
  return lambda<CutoverPlan>(deps.logger).handler(async (event) => {
    const plan = planCutover(executionInput(event), new Date(deps.clock.now()));
    deps.logger.info('cutover planned', { sourceName: plan.sourceName, slot: plan.slot.name });
    return plan;
  });
}

export const handler = makeHandler();
