import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { DatabaseMigrationServiceClient } from '@aws-sdk/client-database-migration-service';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import middy from '@middy/core';
import * as z from 'zod';
import {
  buildDmsEngineVersionReader,
  type DmsEngineVersionReader,
} from '../src/adapters/aws/dms-engine-version.js';
import {
  type IamCall,
  OWN_LOGS,
  SOURCE_SECRET,
  TARGET_SECRET,
  VPC_NETWORK_INTERFACES,
} from '../src/adapters/aws/iam-calls.js';
import { parseLambdaInput } from '../src/adapters/aws/lambda-input.js';
import { createLogger } from '../src/adapters/aws/logger.js';
import { remedyInMessage } from '../src/adapters/aws/remedy-in-message.js';
import { buildSecretsManagerStore } from '../src/adapters/aws/secrets.js';
import type { SourceLambdaDeps } from '../src/adapters/aws/source-session.js';
import { connectPg } from '../src/adapters/pg/client.js';
import { connectionFromSecret, describeConnection, toPgConfig } from '../src/adapters/pg/connection.js';
import { preflightOverPg } from '../src/adapters/pg/preflight/index.js';
import { InvalidInputError } from '../src/core/errors.js';
import { validateSlotName } from '../src/core/identifiers.js';
import { DMS_PLUGIN_NAMES } from '../src/core/output-plugins.js';
import type { PreflightReport } from '../src/core/preflight/report.js';
import { parseTableMappings } from '../src/core/preflight/table-mappings.js';

// Strict: a key this schema does not know would otherwise be dropped in silence (a flag ignored).
const Input = z.strictObject({
  sourceSecretArn: z.string().min(1).max(2048).optional(),
  database: z.string().min(1).max(63).optional(),
  slotName: z.string().optional(),
  /** The run creates the slot if it is missing (the cutover's slot.create): a missing one is then info. */
  createSlot: z.boolean().optional(),
  plugin: z.enum(DMS_PLUGIN_NAMES).optional(),
  /** The task's TableMappings, as an object or as the JSON string DMS takes. */
  tableMappings: z.union([z.string(), z.record(z.string(), z.unknown())]).optional(),
  targetSecretArn: z.string().min(1).max(2048).optional(),
  targetDatabase: z.string().min(1).max(63).optional(),
  longTransactionSeconds: z.number().int().positive().optional(),
  /** The task's replication instance: its EngineVersion decides which source majors DMS can read. */
  replicationInstanceArn: z.string().min(1).max(2048).optional(),
  /** The target endpoint's engine when it is not PostgreSQL: kinesis adds the Kinesis task guidance. */
  targetEngine: z.literal('kinesis').optional(),
  /** The longest a task may stay stopped: PostgreSQL 18's idle_replication_slot_timeout below it is a warning. */
  longestDowntimeSeconds: z.number().int().positive().optional(),
});
const Tls = z.enum(['verify-full', 'require', 'disable']).default('verify-full');
// CloudFormation cannot omit a variable, so an unset optional ARN arrives as '': read it as absent.
const OptionalArn = z
  .string()
  .optional()
  .transform((value) => value || undefined);
const Env = z.object({
  SOURCE_SECRET_ARN: OptionalArn,
  SOURCE_TLS: Tls,
  TARGET_SECRET_ARN: OptionalArn,
  TARGET_TLS: Tls,
});

export interface PreflightDeps extends SourceLambdaDeps {
  readonly dmsEngineVersion: DmsEngineVersionReader;
}

/** The AWS calls this function makes, each simulated against its role in npm test. Reads the source (and target) credential; the checks themselves run over PostgreSQL. */
export const IAM_CALLS: readonly IamCall[] = [
  ...SOURCE_SECRET,
  ...TARGET_SECRET,
  {
    action: 'dms:DescribeReplicationInstances',
    resource: '*',
    why: 'DMS DescribeReplicationInstances (the instance engine version)',
  },
  ...OWN_LOGS,
  ...VPC_NETWORK_INTERFACES,
];

// Created once per execution environment and reused by every invocation.
const logger = createLogger();
const secrets = buildSecretsManagerStore(new SecretsManagerClient({}));
const dmsEngineVersion = buildDmsEngineVersionReader(new DatabaseMigrationServiceClient({}));

/**
 * Checks every DMS CDC prerequisite on the source (and target) and returns the report; a failed
 * prerequisite is a finding, never an error. A check that throws fails the invocation with
 * PreflightCheckCrashedError naming it: the cutover then stops at Preflight, nothing created.
 */
export function makeHandler(overrides: Partial<PreflightDeps> = {}) {
  const deps: PreflightDeps = {
    secrets,
    connect: connectPg,
    logger,
    env: process.env,
    dmsEngineVersion,
    ...overrides,
  };
  return middy<unknown, PreflightReport>()
    .use(injectLambdaContext(deps.logger, { resetKeys: true }))
    .use(remedyInMessage())
    .handler(async (event) => {
      const input = parseLambdaInput(Input, event);
      const env = parseLambdaInput(Env, { ...deps.env }, 'environment');
      const sourceSecret = input.sourceSecretArn ?? env.SOURCE_SECRET_ARN;
      if (!sourceSecret)
        throw new InvalidInputError('sourceSecretArn', 'not given and SOURCE_SECRET_ARN is not set');
      const targetSecret = input.targetSecretArn ?? env.TARGET_SECRET_ARN;
      const source = connectionFromSecret(await deps.secrets.getSecretString(sourceSecret), {
        database: input.database,
        tls: env.SOURCE_TLS,
      });
      const target = targetSecret
        ? connectionFromSecret(await deps.secrets.getSecretString(targetSecret), {
            database: input.targetDatabase,
            tls: env.TARGET_TLS,
          })
        : undefined;
      const options = {
        slotName: input.slotName === undefined ? undefined : validateSlotName(input.slotName),
        createSlot: input.createSlot,
        plugin: input.plugin,
        tableMappings:
          input.tableMappings === undefined
            ? undefined
            : parseTableMappings(mappingsJson(input.tableMappings)),
        longTransactionSeconds: input.longTransactionSeconds,
        targetEngine: input.targetEngine,
        longestDowntimeSeconds: input.longestDowntimeSeconds,
        dmsEngine: input.replicationInstanceArn
          ? {
              version: await deps.dmsEngineVersion(input.replicationInstanceArn),
              from: 'replication-instance' as const,
            }
          : undefined,
      };
      deps.logger.info('running preflight', {
        source: describeConnection(source),
        target: target ? describeConnection(target) : undefined,
        slotName: options.slotName,
      });
      const report = await preflightOverPg(
        deps.connect,
        { config: toPgConfig(source, 'dms-cdc-preflight'), describe: describeConnection(source) },
        target && { config: toPgConfig(target, 'dms-cdc-preflight'), describe: describeConnection(target) },
        options,
      );
      deps.logger.info('preflight done', { summary: report.summary, roundTrips: report.source.roundTrips });
      return report;
    });
}

function mappingsJson(value: string | Record<string, unknown>): unknown {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value);
  } catch {
    throw new InvalidInputError('tableMappings', 'is not JSON');
  }
}

export const handler = makeHandler();
