import * as z from 'zod';
import { validateSlotName } from '../../../core/identifiers.js';
import { parseTableMappings, type TableMappings } from '../../../core/preflight/table-mappings.js';
import { MAX_SEQUENCE_GAP } from '../../../core/sequences/index.js';
import { parseLambdaInput } from '../lambda-input.js';
import { DatabaseName, JsonDocument, jsonDocument, TaskArn } from '../lambda-schemas.js';

/** The inputs of the steps that reach both source and target once the task stopped: verify and sequences. */

const SecretArn = z.string().min(1).max(2048);
const Source = z.strictObject({ secretArn: SecretArn, database: DatabaseName });

const VerifyRowCountsInput = z.strictObject({
  source: Source,
  /** secretArn null: no target connection configured, nothing to compare. */
  target: z.strictObject({ secretArn: SecretArn.nullable(), database: DatabaseName.nullable() }),
  tableMappings: JsonDocument,
  /**
   * The task has stopped: compare the target with the source as of the task's RecoveryCheckpoint and
   * fail with RowCountMismatchError on any difference.
   */
  strict: z.boolean(),
  /** The CDC task (its RecoveryCheckpoint) and its slot (what it did not apply); used when strict. */
  taskArn: TaskArn,
  slotName: z.string(),
});

/** Where a database is: its secret and, when the input names one, the database (else the secret's dbname). */
interface DatabaseAt {
  readonly secretArn: string;
  readonly database?: string;
}

export interface VerifyRowCountsRequest {
  readonly source: DatabaseAt;
  /** null: no target connection configured. */
  readonly target: DatabaseAt | null;
  readonly mappings: TableMappings;
  readonly strict: boolean;
  readonly taskArn: string;
  readonly slotName: string;
}

/** The verify-row-counts input, every field checked (the mappings and the slot name too) before anything is read. */
export function parseVerifyRowCounts(event: unknown): VerifyRowCountsRequest {
  const input = parseLambdaInput(VerifyRowCountsInput, event);
  const { secretArn, database } = input.target;
  return {
    source: input.source,
    target: secretArn === null ? null : { secretArn, ...(database === null ? {} : { database }) },
    mappings: mappingsOf(input.tableMappings),
    strict: input.strict,
    taskArn: input.taskArn,
    slotName: validateSlotName(input.slotName),
  };
}

const SyncSequencesInput = z.strictObject({
  source: Source,
  target: Source,
  tableMappings: JsonDocument,
  gap: z.number().int().min(0).max(MAX_SEQUENCE_GAP),
});

export interface SyncSequencesRequest {
  readonly source: DatabaseAt;
  readonly target: DatabaseAt;
  readonly mappings: TableMappings;
  readonly gap: number;
}

export function parseSyncSequences(event: unknown): SyncSequencesRequest {
  const { tableMappings, ...input } = parseLambdaInput(SyncSequencesInput, event);
  return { ...input, mappings: mappingsOf(tableMappings) };
}

function mappingsOf(document: z.output<typeof JsonDocument>): TableMappings {
  return parseTableMappings(jsonDocument(document, 'tableMappings').value);
}
