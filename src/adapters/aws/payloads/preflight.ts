import * as z from 'zod';
import { validateSlotName } from '../../../core/identifiers.js';
import type { PreflightOptions } from '../../../core/preflight/context.js';
import { parseTableMappings } from '../../../core/preflight/table-mappings.js';
import type { DmsEngineVersionReader } from '../dms-engine-version.js';
import { jsonDocument, Plugin } from '../lambda-schemas.js';
import { type LambdaSource, optionalTargetFromSecret, type SourceLambdaDeps } from '../source-session.js';

// Strict: a key this schema does not know would otherwise be dropped in silence (a flag ignored).
export const PreflightInput = z.strictObject({
  sourceSecretArn: z.string().min(1).max(2048).optional(),
  database: z.string().min(1).max(63).optional(),
  slotName: z.string().optional(),
  /** The run creates the slot if it is missing (the cutover's slot.create): a missing one is then info. */
  createSlot: z.boolean().optional(),
  plugin: Plugin.optional(),
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
export type PreflightInput = z.output<typeof PreflightInput>;

/** The preflight's options from its input; the DMS engine version is read from the replication instance named. */
export async function preflightOptions(
  input: PreflightInput,
  dmsEngineVersion: DmsEngineVersionReader,
): Promise<PreflightOptions> {
  return {
    slotName: input.slotName === undefined ? undefined : validateSlotName(input.slotName),
    createSlot: input.createSlot,
    plugin: input.plugin,
    tableMappings:
      input.tableMappings === undefined
        ? undefined
        : parseTableMappings(jsonDocument(input.tableMappings, 'tableMappings').value),
    longTransactionSeconds: input.longTransactionSeconds,
    targetEngine: input.targetEngine,
    longestDowntimeSeconds: input.longestDowntimeSeconds,
    dmsEngine: input.replicationInstanceArn
      ? { version: await dmsEngineVersion(input.replicationInstanceArn), from: 'replication-instance' }
      : undefined,
  };
}

/** What the preflight function is given: the source's, and the DMS engine version reader. */
export interface PreflightDeps extends SourceLambdaDeps {
  readonly dmsEngineVersion: DmsEngineVersionReader;
}

/** The target named in the input or TARGET_SECRET_ARN (none: the target checks are skipped), and the options. */
export async function preflightRequest(
  input: PreflightInput,
  deps: PreflightDeps,
  applicationName: string,
): Promise<{ readonly target: LambdaSource | undefined; readonly options: PreflightOptions }> {
  const target = await optionalTargetFromSecret(deps.secrets, deps.env, {
    secretArn: input.targetSecretArn,
    database: input.targetDatabase,
    applicationName,
  });
  return { target, options: await preflightOptions(input, deps.dmsEngineVersion) };
}
