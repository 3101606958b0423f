import {
  DESCRIBE_TASKS,
  type IamCall,
  OWN_LOGS,
  SOURCE_SECRET,
  VPC_NETWORK_INTERFACES,
} from '../src/adapters/aws/iam-calls.js';
import { defaultClock } from '../src/adapters/aws/lambda.js';
import { parseDecideRecovery } from '../src/adapters/aws/payloads/recovery.js';
import { type SourceDmsLambdaDeps, sourceDmsDeps } from '../src/adapters/aws/source-dms-lambda.js';
import { sourceLambda, sourceOf } from '../src/adapters/aws/source-middleware.js';
import { retryableOnSessionLoss } from '../src/adapters/pg/session-loss.js';
import { type DecideRecoveryResult, decideRecoveryStep } from '../src/core/recovery/decide-step.js';
import type { Clock } from '../src/ports/clock.js';

export type { DecideRecoveryResult } from '../src/core/recovery/decide-step.js';
export interface DecideRecoveryDeps extends SourceDmsLambdaDeps {
  readonly clock: Clock;
}

/** The AWS calls this function makes, each simulated against its role in npm test. Reads the source credential and the task; changes nothing. */
export const IAM_CALLS: readonly IamCall[] = [
  ...SOURCE_SECRET,
  DESCRIBE_TASKS,
  { action: 'dms:DescribeEndpoints', resource: '*', why: 'DMS DescribeEndpoints (the task source endpoint)' },
  ...OWN_LOGS,
  ...VPC_NETWORK_INTERFACES,
];

/** The recovery decision for the task and its slot (src/core/recovery/decide-step.ts); reads only. */
export function makeHandler(overrides: Partial<DecideRecoveryDeps> = {}) {
  const deps = sourceDmsDeps<DecideRecoveryDeps>(overrides, { clock: defaultClock });
  return sourceLambda<DecideRecoveryResult>(deps, 'dms-cdc-decide-recovery').handler(
    async (event, context) => {
      const call = parseDecideRecovery(event);
      const { taskArn, slotName, source: at } = call.input;
      const openSource = async () => {
        const source = await sourceOf(context).open({ secretArn: at.secretArn, database: at.database });
        return { db: retryableOnSessionLoss(source.db, source.describe), describe: source.describe };
      };
      const result = await decideRecoveryStep({ ...deps, openSource, now: () => deps.clock.now() }, call);
      const { kind, lsns, atRisk } = result.decision;
      const source = result.source.describe ?? undefined;
      deps.logger.info('recovery decided', { taskArn, slotName, kind, lsns, atRisk, source });
      return result;
    },
  );
}

export const handler = makeHandler();
