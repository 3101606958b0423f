import * as z from 'zod';
import { InvalidInputError } from '../../../core/errors.js';
import { parseTableMappings } from '../../../core/preflight/table-mappings.js';
import type { ReplicationSetSelection } from '../../pg/pglogical.js';
import { parseLambdaInput } from '../lambda-input.js';
import { DatabaseName, JsonDocument, jsonDocument, Plugin, TaskArn } from '../lambda-schemas.js';

/** The inputs of the steps that read or change the slot (inspect, ensure, terminate the holder, catch-up). */

const SecretArn = z.string().min(1).max(2048);
/** The source as the recover machine names it: its secret and database. */
export const SourceRef = z.strictObject({ secretArn: SecretArn, database: DatabaseName });

export const InspectSlotInput = z.strictObject({
  slotName: z.string(),
  database: z.string().min(1).max(63).optional(),
  sourceSecretArn: SecretArn.optional(),
});

export const TerminateSlotHolderInput = z.strictObject({
  source: SourceRef,
  slotName: z.string(),
  /** The PID the decision saw holding the slot: only that backend, and only while it still holds the slot. */
  pid: z.number().int().min(1),
  /** policy.terminateStaleBackend, passed by the machine; false is refused here too. */
  allowed: z.boolean(),
  /** How long to wait for the backend to exit (pg_terminate_backend's timeout). */
  waitMs: z.number().int().min(0).max(20_000).default(5_000),
});

const Identifier = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_$]{0,62}$/, 'must be a plain PostgreSQL identifier');

export const EnsureSlotInput = z.strictObject({
  slotName: z.string(),
  plugin: Plugin.default('test-decoding'),
  database: DatabaseName.optional(),
  sourceSecretArn: SecretArn.optional(),
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

/** ensure-slot's input; a pglogical slot comes with its replication set's tables, read here. */
export function parseEnsureSlot(event: unknown) {
  const input = parseLambdaInput(EnsureSlotInput, event);
  if (input.plugin === 'pglogical' && !input.pglogical) {
    throw new InvalidInputError('pglogical', 'a pglogical slot needs the tables for its replication sets');
  }
  const { pglogical } = input;
  const replicationSet: ReplicationSetSelection | undefined =
    pglogical &&
    (pglogical.tables
      ? { tables: pglogical.tables }
      : {
          tableMappings: parseTableMappings(
            jsonDocument(pglogical.tableMappings ?? '', 'pglogical.tableMappings').value,
          ),
        });
  return { ...input, replicationSet };
}

const Count = z.number().int().min(0);
export const CheckCatchUpInput = z.strictObject({
  taskArn: TaskArn,
  source: SourceRef,
  slotName: z.string(),
  /** The cutover plan's thresholds; keys this step does not use are ignored. */
  thresholds: z.object({
    maxLagBytes: Count,
    maxLatencySeconds: z.number().min(0),
    consecutivePolls: z.number().int().min(1),
    pollSeconds: z.number().int().min(1).optional(),
    catchUpTimeoutSeconds: z.number().int().min(1),
  }),
  /** The previous poll's output, or null on the first poll. */
  previous: z.object({ consecutive: Count, polls: Count, since: z.iso.datetime() }).nullable().default(null),
});
