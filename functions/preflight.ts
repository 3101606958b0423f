import { defaultDmsClient } from '../src/adapters/aws/dms.js';
import { buildDmsEngineVersionReader } from '../src/adapters/aws/dms-engine-version.js';
import {
  DESCRIBE_INSTANCES,
  type IamCall,
  OWN_LOGS,
  SOURCE_SECRET,
  TARGET_SECRET,
  VPC_NETWORK_INTERFACES,
} from '../src/adapters/aws/iam-calls.js';
import { parseLambdaInput } from '../src/adapters/aws/lambda-input.js';
import {
  type PreflightDeps,
  PreflightInput,
  preflightRequest,
} from '../src/adapters/aws/payloads/preflight.js';
import { sourceAt, sourceDeps, sourceLambda, sourceOf } from '../src/adapters/aws/source-middleware.js';
import { preflightOnSession } from '../src/adapters/pg/preflight/index.js';
import type { PreflightReport } from '../src/core/preflight/report.js';

export type { PreflightDeps };

/** The AWS calls this function makes, each simulated against its role in npm test. Reads the source (and target) credential; the checks themselves run over PostgreSQL. */
export const IAM_CALLS: readonly IamCall[] = [
  ...SOURCE_SECRET,
  ...TARGET_SECRET,
  DESCRIBE_INSTANCES,
  ...OWN_LOGS,
  ...VPC_NETWORK_INTERFACES,
];

const APPLICATION = 'dms-cdc-preflight';

/**
 * Checks every DMS CDC prerequisite on the source (and target) and returns the report; a failed
 * prerequisite is a finding, never an error. A check that throws fails the invocation with
 * PreflightCheckCrashedError naming it: the cutover then stops at Preflight, nothing created.
 */
export function makeHandler(overrides: Partial<PreflightDeps> = {}) {
  const deps = sourceDeps<PreflightDeps>(overrides, {
    dmsEngineVersion: () => buildDmsEngineVersionReader(defaultDmsClient()),
  });
  return sourceLambda<PreflightReport>(deps, APPLICATION).handler(async (event, context) => {
    const input = parseLambdaInput(PreflightInput, event);
    const source = await sourceOf(context).open(sourceAt(input));
    const { target, options } = await preflightRequest(input, deps, APPLICATION);
    deps.logger.info('running preflight', { source: source.describe, target: target?.describe });
    const report = await preflightOnSession(deps.connect, source, target, options);
    deps.logger.info('preflight done', { summary: report.summary, roundTrips: report.source.roundTrips });
    return report;
  });
}

export const handler = makeHandler();
