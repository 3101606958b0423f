import * as z from 'zod';
import type {
  CreatedTaskFromSlot,
  CreateTaskFromSlotRequest,
} from '../../../core/cdc/create-task-from-slot.js';
import { cdcTaskIdentifier } from '../../../core/dms/identifiers.js';
import { parseLsn } from '../../../core/lsn.js';
import type { TaskStatus } from '../../../ports/dms.js';
import {
  CdcStopPosition,
  checkTableMappings,
  DatabaseName,
  EndpointArn,
  IdentifierPrefix,
  JsonDocument,
  jsonDocument,
  Lsn,
  orchestratorTags,
  Plugin,
  ReplicationInstanceArn,
  SourceName,
  slotPlugin,
  Tags,
} from '../lambda-schemas.js';

export const CreateCdcTaskInput = z.strictObject({
  identifierPrefix: IdentifierPrefix,
  sourceName: SourceName,
  slotName: z.string(),
  plugin: Plugin,
  databaseName: DatabaseName,
  replicationInstanceArn: ReplicationInstanceArn,
  sourceEndpointArn: EndpointArn,
  targetEndpointArn: EndpointArn,
  tableMappings: JsonDocument,
  taskSettings: JsonDocument.optional(),
  /** Explicit start; by default the slot's confirmed_flush_lsn, read just before the task is created. */
  cdcStartPosition: Lsn.optional(),
  cdcStopPosition: CdcStopPosition.optional(),
  sourceSecretArn: z.string().min(1).max(2048).optional(),
  tags: Tags.optional(),
  // The source endpoint step's output, which the cutover machine merges in (States.JsonMerge): not read.
  endpointArn: EndpointArn.optional(),
  created: z.boolean().optional(),
});
type CreateCdcTaskInput = z.output<typeof CreateCdcTaskInput>;

/**
 * The task's identifier: the requested position is part of its identity, the one read from the slot
 * cannot be (a re-run reads a newer one and must still find the task the first run made).
 */
export function cdcTaskIdentifierOf(input: CreateCdcTaskInput, slotName: string): string {
  const { identifierPrefix: prefix, sourceName, cdcStartPosition: startPosition } = input;
  return cdcTaskIdentifier({ prefix, sourceName, slotName, startPosition });
}

/**
 * What createCdcTaskFromSlot is asked for, but where the slot is (the source secret says). The documents
 * are checked here, before anything is read: JSON objects, table mappings DMS would accept.
 */
export function cdcTaskRequest(
  input: CreateCdcTaskInput,
  identifier: string,
  slotName: string,
  stack: string | undefined,
): Omit<CreateTaskFromSlotRequest, 'database' | 'source'> {
  const tableMappings = jsonDocument(input.tableMappings, 'tableMappings');
  checkTableMappings(tableMappings.value);
  return {
    task: {
      identifier,
      replicationInstanceArn: input.replicationInstanceArn,
      sourceEndpointArn: input.sourceEndpointArn,
      targetEndpointArn: input.targetEndpointArn,
      tableMappings: tableMappings.text,
      taskSettings: input.taskSettings && jsonDocument(input.taskSettings, 'taskSettings').text,
      cdcStopPosition: input.cdcStopPosition,
      tags: orchestratorTags(input.sourceName, slotName, input.tags, stack),
    },
    slotName,
    plugin: slotPlugin(input.plugin),
    requestedPosition:
      input.cdcStartPosition === undefined ? undefined : parseLsn(input.cdcStartPosition, 'cdcStartPosition'),
  };
}

export interface CreateCdcTaskResult {
  readonly taskArn: string;
  readonly taskIdentifier: string;
  readonly created: boolean;
  readonly status: TaskStatus;
  /** The task's CdcStartPosition (on reuse: the one it was created with). */
  readonly cdcStartPosition: string;
  /** The slot as read just before creating; null when an existing task was reused. */
  readonly confirmedFlushLsn: string | null;
  readonly restartLsn: string | null;
}

export function cdcTaskResult(identifier: string, result: CreatedTaskFromSlot): CreateCdcTaskResult {
  return {
    taskArn: result.task.arn,
    taskIdentifier: identifier,
    created: result.created,
    status: result.task.status,
    cdcStartPosition: result.cdcStartPosition,
    confirmedFlushLsn: result.confirmedFlushLsn ?? null,
    restartLsn: result.restartLsn ?? null,
  };
}
