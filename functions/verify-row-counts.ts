import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import middy from '@middy/core';
import * as z from 'zod';
import {
  type IamCall,
  OWN_LOGS,
  SOURCE_SECRET,
  TARGET_SECRET,
  VPC_NETWORK_INTERFACES,
} from '../src/adapters/aws/iam-calls.js';
import { parseLambdaInput } from '../src/adapters/aws/lambda-input.js';
import { DatabaseName, JsonDocument, jsonDocument } from '../src/adapters/aws/lambda-schemas.js';
import { remedyInMessage } from '../src/adapters/aws/remedy-in-message.js';
import { buildSecretsManagerStore } from '../src/adapters/aws/secrets.js';
import {
  type SourceLambdaDeps,
  sourceFromSecret,
  targetFromSecret,
} from '../src/adapters/aws/source-session.js';
import { connectPg, withPgClient } from '../src/adapters/pg/client.js';
import { countRows, listUserTables } from '../src/adapters/pg/row-counts.js';
import { RowCountMismatchError } from '../src/core/cutover/errors.js';
import { qualifiedName } from '../src/core/preflight/scope.js';
import { parseTableMappings } from '../src/core/preflight/table-mappings.js';
import { compareRowCounts, type TableRowCount, tablesToCount } from '../src/core/row-counts.js';

const SecretArn = z.string().min(1).max(2048);
const Input = z.object({
  source: z.object({ secretArn: SecretArn, database: DatabaseName }),
  /** secretArn null: no target connection configured, nothing to compare. */
  target: z.object({ secretArn: SecretArn.nullable(), database: DatabaseName.nullable() }),
  tableMappings: JsonDocument,
  /** Fail with RowCountMismatchError on any difference (the task stopped, so counts must be equal). */
  strict: z.boolean(),
});

export interface VerifyRowCountsResult {
  readonly tables: readonly TableRowCount[];
  readonly mismatchedTables: number;
  /** Why nothing was compared; null when the counts were taken. */
  readonly skipped: string | null;
}
export type VerifyRowCountsDeps = SourceLambdaDeps;

/** The AWS calls this function makes, each simulated against its role in npm test. Reads the source and target credentials; rows are counted over PostgreSQL. */
export const IAM_CALLS: readonly IamCall[] = [
  ...SOURCE_SECRET,
  ...TARGET_SECRET,
  ...OWN_LOGS,
  ...VPC_NETWORK_INTERFACES,
];

// Created once per execution environment and reused by every invocation.
const logger = new Logger({ serviceName: 'dms-cdc-orchestrator' });
const secrets = buildSecretsManagerStore(new SecretsManagerClient({}));

/**
 * Exact `count(*)` of every table the mappings select, on source and target at the same moment (one
 * catalog read and one UNION ALL statement per side). While the task still runs the counts can differ
 * by what is in flight, so only `strict` (the task stopped at its CdcStopPosition) turns a difference
 * into RowCountMismatchError; otherwise the differences are reported.
 */
export function makeHandler(overrides: Partial<VerifyRowCountsDeps> = {}) {
  const deps: VerifyRowCountsDeps = { secrets, connect: connectPg, logger, env: process.env, ...overrides };
  return middy<unknown, VerifyRowCountsResult>()
    .use(injectLambdaContext(deps.logger, { resetKeys: true }))
    .use(remedyInMessage())
    .handler(async (event) => {
      const input = parseLambdaInput(Input, event);
      const mappings = parseTableMappings(jsonDocument(input.tableMappings, 'tableMappings').value);
      if (input.target.secretArn === null) {
        return { tables: [], mismatchedTables: 0, skipped: 'no target connection configured' };
      }
      const applicationName = 'dms-cdc-verify-row-counts';
      const source = await sourceFromSecret(deps.secrets, deps.env, { ...input.source, applicationName });
      const target = await targetFromSecret(deps.secrets, deps.env, {
        secretArn: input.target.secretArn,
        ...(input.target.database === null ? {} : { database: input.target.database }),
        applicationName,
      });
      deps.logger.info('counting rows', { source: source.describe, target: target.describe });
      const { tables, mismatched } = await withPgClient(
        source.config,
        (sourceDb) =>
          withPgClient(
            target.config,
            async (targetDb) => {
              const [sourceCatalog, targetCatalog] = await Promise.all([
                listUserTables(sourceDb),
                listUserTables(targetDb),
              ]);
              const selected = tablesToCount(sourceCatalog, mappings);
              const onTarget = new Set(targetCatalog.map(qualifiedName));
              const present = selected.filter((t) => onTarget.has(qualifiedName(t)));
              // Both sides counted at the same time, so a still-running task skews them as little as it can.
              const [sourceRows, targetRows] = await Promise.all([
                countRows(sourceDb, selected),
                countRows(targetDb, present),
              ]);
              const byName = new Map(present.map((t, i) => [qualifiedName(t), targetRows[i] ?? 0]));
              return compareRowCounts(selected, sourceRows, byName);
            },
            deps.connect,
          ),
        deps.connect,
      );
      deps.logger.info('counted rows', { tables: tables.length, mismatched: mismatched.map((t) => t.name) });
      if (input.strict && mismatched.length > 0) throw new RowCountMismatchError(mismatched);
      return { tables, mismatchedTables: mismatched.length, skipped: null };
    });
}

export const handler = makeHandler();
