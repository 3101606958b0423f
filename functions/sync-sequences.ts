import {
  type IamCall,
  OWN_LOGS,
  SOURCE_SECRET,
  TARGET_SECRET,
  VPC_NETWORK_INTERFACES,
} from '../src/adapters/aws/iam-calls.js';
import { lambda } from '../src/adapters/aws/lambda.js';
import { parseSyncSequences } from '../src/adapters/aws/payloads/compare.js';
import { sourceDeps } from '../src/adapters/aws/source-middleware.js';
import { type SourceLambdaDeps, sourceAndTarget } from '../src/adapters/aws/source-session.js';
import { syncSequencesOverPg } from '../src/adapters/pg/sequences.js';
import { type SyncSequencesResult, summarizeSync, syncedSequences } from '../src/core/sequences/index.js';

export type { SyncSequencesResult };

/** The AWS calls this function makes, each simulated against its role in npm test. Reads the source and target credentials; sequences are read and set over PostgreSQL. */
export const IAM_CALLS: readonly IamCall[] = [
  ...SOURCE_SECRET,
  ...TARGET_SECRET,
  ...OWN_LOGS,
  ...VPC_NETWORK_INTERFACES,
];

/**
 * After the task stopped: sets each target sequence in scope to the source's position plus `gap`,
 * forward only, so a retry (or a second cutover) finds them in step and changes nothing. A sequence
 * that cannot be set (missing on the target, no privilege, past its bounds) fails the step with
 * SequencesNotSyncedError, after the others were set.
 */
export function makeHandler(overrides: Partial<SourceLambdaDeps> = {}) {
  const deps = sourceDeps<SourceLambdaDeps>(overrides);
  return lambda<SyncSequencesResult>(deps.logger).handler(async (event) => {
    const request = parseSyncSequences(event);
    const { source, target } = await sourceAndTarget(deps, request, 'dms-cdc-sync-sequences');
    const databases = { source: source.config, target: target.config };
    const steps = await syncSequencesOverPg(deps.connect, databases, request);
    const summary = summarizeSync(steps);
    deps.logger.info('sequences synced', { source: source.describe, target: target.describe, ...summary });
    return syncedSequences(steps);
  });
}

export const handler = makeHandler();
