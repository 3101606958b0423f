import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import middy from '@middy/core';
import type pg from 'pg';
import * as z from 'zod';
import {
  type IamCall,
  OWN_LOGS,
  SOURCE_SECRET,
  VPC_NETWORK_INTERFACES,
} from '../src/adapters/aws/iam-calls.js';
import { parseLambdaInput } from '../src/adapters/aws/lambda-input.js';
import {
  budgetMs,
  DatabaseName,
  JsonDocument,
  jsonDocument,
  Plugin,
  slotPlugin,
} from '../src/adapters/aws/lambda-schemas.js';
import { createLogger } from '../src/adapters/aws/logger.js';
import { remedyInMessage } from '../src/adapters/aws/remedy-in-message.js';
import { buildSecretsManagerStore } from '../src/adapters/aws/secrets.js';
import { type SourceLambdaDeps, sourceFromSecret } from '../src/adapters/aws/source-session.js';
import { connectPg, withPgClient } from '../src/adapters/pg/client.js';
import type { PglogicalSetup } from '../src/adapters/pg/pglogical.js';
import type { Queryable } from '../src/adapters/pg/queryable.js';
import { listUserTables } from '../src/adapters/pg/row-counts.js';
import { ensureSlot } from '../src/adapters/pg/slot-admin.js';
import { InvalidInputError } from '../src/core/errors.js';
import { validateSlotName } from '../src/core/identifiers.js';
import { parseTableMappings } from '../src/core/preflight/table-mappings.js';
import { tablesToCount } from '../src/core/row-counts.js';
import { type SlotReport, toSlotReport } from '../src/core/slot.js';

const Identifier = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_$]{0,62}$/, 'must be a plain PostgreSQL identifier');
const Input = z.strictObject({
  slotName: z.string(),
  plugin: Plugin.default('test-decoding'),
  database: DatabaseName.optional(),
  sourceSecretArn: z.string().min(1).max(2048).optional(),
  /** Off by default: after a failover a missing slot means lost changes, never "make a new one". */
  allowCreate: z.boolean().default(false),
  /** PostgreSQL 17+: create the slot with failover = true (kept across a synced standby's promotion). */
  failover: z.boolean().default(false),
  /** How long creation may wait for transactions running when it starts (bounded by the Lambda deadline). */
  timeoutSeconds: z.number().int().min(1).max(840).default(30),
  /** The replication set's tables: listed, or the tables DMS table mappings select on the source. */
  pglogical: z
    .strictObject({
      nodeName: Identifier.default('dms_source'),
      tables: z
        .array(z.strictObject({ schema: z.string().min(1).max(63), table: z.string().min(1).max(63) }))
        .min(1)
        .optional(),
      tableMappings: JsonDocument.optional(),
    })
    .refine((p) => (p.tables === undefined) !== (p.tableMappings === undefined), {
      message: 'give exactly one of tables and tableMappings',
    })
    .optional(),
});
type PglogicalInput = NonNullable<z.output<typeof Input>['pglogical']>;
type ReplicationSetTable = { readonly schema: string; readonly table: string };

export interface EnsureSlotResult {
  readonly slotName: string;
  readonly created: boolean;
  /** The slot's confirmed_flush_lsn right after this step (a later task reads it again before creation). */
  readonly confirmedFlushLsn: string | null;
  readonly restartLsn: string | null;
  readonly slot: SlotReport;
  readonly pglogical: PglogicalSetup | null;
}
export type EnsureSlotDeps = SourceLambdaDeps;

/** The AWS calls this function makes, each simulated against its role in npm test. Reads the source credential; the slot is found or created over PostgreSQL. */
export const IAM_CALLS: readonly IamCall[] = [...SOURCE_SECRET, ...OWN_LOGS, ...VPC_NETWORK_INTERFACES];

// Created once per execution environment and reused by every invocation.
const logger = createLogger();
const secrets = buildSecretsManagerStore(new SecretsManagerClient({}));

/** Finds the slot (checking plugin and database) or, when the input allows it, creates it. */
export function makeHandler(overrides: Partial<EnsureSlotDeps> = {}) {
  const deps: EnsureSlotDeps = { secrets, connect: connectPg, logger, env: process.env, ...overrides };
  return middy<unknown, EnsureSlotResult>()
    .use(injectLambdaContext(deps.logger, { resetKeys: true }))
    .use(remedyInMessage())
    .handler(async (event, context) => {
      const input = parseLambdaInput(Input, event);
      const slotName = validateSlotName(input.slotName);
      if (input.plugin === 'pglogical' && !input.pglogical) {
        throw new InvalidInputError(
          'pglogical',
          'a pglogical slot needs the tables for its replication sets',
        );
      }
      const source = await sourceFromSecret(deps.secrets, deps.env, {
        secretArn: input.sourceSecretArn,
        database: input.database,
        applicationName: 'dms-cdc-ensure-slot',
      });
      // At least a second even when the invocation is nearly out of time: the creation then fails fast.
      const timeoutMs = Math.max(
        1_000,
        budgetMs(input.timeoutSeconds * 1000, context.getRemainingTimeInMillis()),
      );
      deps.logger.info('ensuring replication slot', {
        slotName,
        plugin: input.plugin,
        allowCreate: input.allowCreate,
        source: source.describe,
        secretId: source.secretId,
        timeoutMs,
      });
      const { connection } = source;
      const result = await ensureSlot(async () => (await deps.connect(source.config)) as pg.Client, {
        slotName,
        plugin: slotPlugin(input.plugin),
        database: connection.database,
        allowCreate: input.allowCreate,
        failover: input.failover,
        timeoutMs,
        source: source.describe,
        pglogical: input.pglogical && {
          nodeName: input.pglogical.nodeName,
          dsn: `host=${connection.host} port=${connection.port} dbname=${connection.database}`,
          tables: await replicationSetTables(input.pglogical, (use) =>
            withPgClient(source.config, use, deps.connect),
          ),
        },
      });
      const slot = toSlotReport(result.reading);
      deps.logger.info(result.created ? 'created replication slot' : 'found replication slot', {
        slotName,
        confirmedFlushLsn: slot.confirmedFlushLsn,
      });
      return {
        slotName,
        created: result.created,
        confirmedFlushLsn: slot.confirmedFlushLsn,
        restartLsn: slot.restartLsn,
        slot,
        pglogical: result.pglogical ?? null,
      };
    });
}

/**
 * The tables given, or those the table mappings select on the source now, with the same rule
 * preflight and verification scope by (so the slot replicates exactly what the task will ask for).
 */
async function replicationSetTables(
  pglogical: PglogicalInput,
  onSource: <T>(use: (db: Queryable) => Promise<T>) => Promise<T>,
): Promise<readonly ReplicationSetTable[]> {
  if (pglogical.tables) return pglogical.tables;
  const mappings = parseTableMappings(
    jsonDocument(pglogical.tableMappings ?? '', 'pglogical.tableMappings').value,
  );
  const selected = tablesToCount(await onSource(listUserTables), mappings);
  if (selected.length === 0) {
    throw new InvalidInputError(
      'pglogical.tableMappings',
      'selects no table on the source, so the pglogical replication set would be empty',
      'Check the selection rules against the source schemas (dms-cdc preflight --table-mappings shows the scope)',
    );
  }
  return selected.map((t) => ({ schema: t.schema, table: t.name }));
}

export const handler = makeHandler();
