import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import * as z from 'zod';
import {
  type IamCall,
  OWN_LOGS,
  SOURCE_SECRET,
  TARGET_SECRET,
  VPC_NETWORK_INTERFACES,
} from '../src/adapters/aws/iam-calls.js';
import { type Defaults, lambda, withDefaults } from '../src/adapters/aws/lambda.js';
import { parseLambdaInput } from '../src/adapters/aws/lambda-input.js';
import { DatabaseName, JsonDocument, jsonDocument } from '../src/adapters/aws/lambda-schemas.js';
import { sharedLogger } from '../src/adapters/aws/logger.js';
import { buildSecretsManagerStore } from '../src/adapters/aws/secrets.js';
import {
  type SourceLambdaDeps,
  sourceFromSecret,
  targetFromSecret,
} from '../src/adapters/aws/source-session.js';
import { connectPg, withPgClient } from '../src/adapters/pg/client.js';
import { applySequenceSteps, readSequencePairs } from '../src/adapters/pg/sequences.js';
import { parseTableMappings } from '../src/core/preflight/table-mappings.js';
import {
  MAX_SEQUENCE_GAP,
  planSequenceSync,
  SequencesNotSyncedError,
  type SyncStep,
  type SyncSummary,
  stepsNotSynced,
  summarizeSync,
} from '../src/core/sequences/index.js';

const SecretArn = z.string().min(1).max(2048);
const Input = z.strictObject({
  source: z.strictObject({ secretArn: SecretArn, database: DatabaseName }),
  target: z.strictObject({ secretArn: SecretArn, database: DatabaseName }),
  tableMappings: JsonDocument,
  gap: z.number().int().min(0).max(MAX_SEQUENCE_GAP),
});

/** A state's result stays far under Step Functions' 256 KB: the steps that did something, at most this many. */
const MAX_LISTED = 100;

export interface SyncSequencesResult {
  readonly summary: SyncSummary;
  /** The sequences set or found ahead (at most MAX_LISTED); in-step ones are only counted. */
  readonly sequences: readonly Omit<SyncStep, 'setval'>[];
}

/** The AWS calls this function makes, each simulated against its role in npm test. Reads the source and target credentials; sequences are read and set over PostgreSQL. */
export const IAM_CALLS: readonly IamCall[] = [
  ...SOURCE_SECRET,
  ...TARGET_SECRET,
  ...OWN_LOGS,
  ...VPC_NETWORK_INTERFACES,
];

const defaults: Defaults<SourceLambdaDeps> = {
  secrets: () => buildSecretsManagerStore(new SecretsManagerClient({})),
  connect: () => connectPg,
  logger: sharedLogger,
  env: () => process.env,
};

/**
 * After the task stopped: sets each target sequence in scope to the source's position plus `gap`,
 * forward only, so a retry (or a second cutover) finds them in step and changes nothing. A sequence
 * that cannot be set (missing on the target, no privilege, past its bounds) fails the step with
 * SequencesNotSyncedError, after the others were set.
 */
export function makeHandler(overrides: Partial<SourceLambdaDeps> = {}) {
  const deps = withDefaults(overrides, defaults);
  return lambda<SyncSequencesResult>(deps.logger).handler(async (event) => {
    const input = parseLambdaInput(Input, event);
    const mappings = parseTableMappings(jsonDocument(input.tableMappings, 'tableMappings').value);
    const applicationName = 'dms-cdc-sync-sequences';
    const source = await sourceFromSecret(deps.secrets, deps.env, { ...input.source, applicationName });
    const target = await targetFromSecret(deps.secrets, deps.env, { ...input.target, applicationName });
    const steps = await withPgClient(
      source.config,
      (sourceDb) =>
        withPgClient(
          target.config,
          async (targetDb) => {
            const planned = planSequenceSync(
              await readSequencePairs(sourceDb, targetDb, mappings),
              input.gap,
            );
            await applySequenceSteps(targetDb, planned);
            return planned;
          },
          deps.connect,
        ),
      deps.connect,
    );
    const summary = summarizeSync(steps);
    deps.logger.info('sequences synced', { source: source.describe, target: target.describe, ...summary });
    const failed = stepsNotSynced(steps);
    if (failed.length > 0) throw new SequencesNotSyncedError(failed);
    const listed = steps.filter((s) => s.action !== 'in-step').slice(0, MAX_LISTED);
    return { summary, sequences: listed.map(({ setval: _, ...step }) => step) };
  });
}

export const handler = makeHandler();
