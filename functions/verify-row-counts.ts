import {
  DESCRIBE_TASKS,
  type IamCall,
  OWN_LOGS,
  SOURCE_SECRET,
  TARGET_SECRET,
  VPC_NETWORK_INTERFACES,
} from '../src/adapters/aws/iam-calls.js';
import { lambda } from '../src/adapters/aws/lambda.js';
import { parseVerifyRowCounts } from '../src/adapters/aws/payloads/compare.js';
import { type SourceDmsLambdaDeps, sourceDmsDeps } from '../src/adapters/aws/source-dms-lambda.js';
import { sourceAndTarget } from '../src/adapters/aws/source-session.js';
import { countRowsOverPg } from '../src/adapters/pg/verify-counts.js';
import {
  NO_TARGET_CONFIGURED,
  slotConfirmedPastCheckpoint,
  stoppedTaskCheckpoint,
  type VerifyRowCountsResult,
  verifiedRowCounts,
} from '../src/core/cutover/verify-counts.js';

export type VerifyRowCountsDeps = SourceDmsLambdaDeps;

/** The AWS calls this function makes, each simulated against its role in npm test. Reads the source and target credentials; rows are counted over PostgreSQL. */
export const IAM_CALLS: readonly IamCall[] = [
  ...SOURCE_SECRET,
  ...TARGET_SECRET,
  DESCRIBE_TASKS,
  ...OWN_LOGS,
  ...VPC_NETWORK_INTERFACES,
];

const CONFIRMED_PAST = 'the slot was confirmed past the task checkpoint: compared from the slot position';

/**
 * Counts every selected table on source and target (src/adapters/pg/verify-counts.ts). Not strict (the
 * task may still run): differences are reported. Strict (the task has stopped): as of its
 * RecoveryCheckpoint, less what the source took since, then row by row; any difference fails
 * (src/core/cutover/verify-counts.ts).
 */
export function makeHandler(overrides: Partial<VerifyRowCountsDeps> = {}) {
  const deps = sourceDmsDeps<VerifyRowCountsDeps>(overrides);
  return lambda<VerifyRowCountsResult>(deps.logger).handler(async (event) => {
    const request = parseVerifyRowCounts(event);
    if (request.target === null) return NO_TARGET_CONFIGURED;
    const recoveryCheckpoint = request.strict ? await stoppedTaskCheckpoint(deps.dms, request.taskArn) : null;
    const at = { source: request.source, target: request.target };
    const { source, target } = await sourceAndTarget(deps, at, 'dms-cdc-verify-row-counts');
    const logged = { source: source.describe, target: target.describe, strict: request.strict };
    deps.logger.info('counting rows', { ...logged, recoveryCheckpoint: recoveryCheckpoint ?? undefined });
    const counted = await countRowsOverPg(
      deps.connect,
      { source, target },
      { ...request, recoveryCheckpoint },
    );
    const { tables, mismatched, boundary } = counted;
    const names = mismatched.map((t) => t.name);
    deps.logger.info('counted rows', {
      tables: tables.length,
      mismatched: names,
      boundary: boundary ?? undefined,
    });
    const confirmedPast = slotConfirmedPastCheckpoint(boundary);
    if (confirmedPast) deps.logger.warn(CONFIRMED_PAST, confirmedPast);
    return verifiedRowCounts(counted, request.strict);
  });
}

export const handler = makeHandler();
