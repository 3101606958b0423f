import type { CdcTaskSpec, Dms, Task } from '../../ports/dms.js';
import type { SourceDb } from '../../ports/source-db.js';
import { ensureCdcTaskGiven } from '../dms/ensure.js';
import { formatLsn, type Lsn } from '../lsn.js';
import { chooseStartPosition, type SlotPlugin } from '../start-position.js';

export interface CreateTaskFromSlotRequest {
  /** Everything about the task but its start position, which comes from the slot. */
  readonly task: Omit<CdcTaskSpec, 'cdcStartPosition'>;
  readonly slotName: string;
  readonly plugin: SlotPlugin;
  readonly database: string;
  /** Where the slot lives, without credentials (for messages). */
  readonly source: string;
  /** An explicit CdcStartPosition; by default the slot's confirmed_flush_lsn. */
  readonly requestedPosition?: Lsn;
}

export interface CreatedTaskFromSlot {
  readonly task: Task;
  readonly created: boolean;
  /** The start position the task has (on reuse: the one it was created with). */
  readonly cdcStartPosition: string;
  /** The slot as read just before creating (undefined when an existing task was reused). */
  readonly confirmedFlushLsn: string | undefined;
  readonly restartLsn: string | undefined;
}

/**
 * The native CDC start point procedure (reference 001): read the slot immediately before creating
 * the task, while it is inactive, and create a CDC-only task at its confirmed_flush_lsn.
 *
 * Idempotent by identifier: a task that already exists (an earlier attempt of this step) is
 * reused as it is, after checking it still reads the same endpoints; it is never recreated at a
 * newer position, because that would silently skip the changes in between.
 */
export async function createCdcTaskFromSlot(
  deps: { readonly sourceDb: SourceDb; readonly dms: Dms },
  request: CreateTaskFromSlotRequest,
): Promise<CreatedTaskFromSlot> {
  const existing = await deps.dms.findTask(request.task.identifier);
  if (existing) {
    const position = existing.cdcStartPosition ?? '';
    const { task } = await ensureCdcTaskGiven(
      deps.dms,
      { ...request.task, cdcStartPosition: position },
      existing,
    );
    return {
      task,
      created: false,
      cdcStartPosition: position,
      confirmedFlushLsn: undefined,
      restartLsn: undefined,
    };
  }
  const reading = await deps.sourceDb.readSlot(request.slotName);
  const start = chooseStartPosition(reading, {
    slotName: request.slotName,
    source: request.source,
    plugin: request.plugin,
    database: request.database,
    requested: request.requestedPosition,
  });
  const cdcStartPosition = formatLsn(start.cdcStartPosition);
  // If another run created the task between our lookup and now from another reading of the
  // slot, the create race check reports a ConflictingResourceError on cdcStartPosition: never a silent reuse.
  const { task, created } = await ensureCdcTaskGiven(
    deps.dms,
    { ...request.task, cdcStartPosition },
    undefined,
  );
  return {
    task,
    created,
    cdcStartPosition,
    confirmedFlushLsn: formatLsn(start.confirmedFlushLsn),
    restartLsn: start.restartLsn === null ? undefined : formatLsn(start.restartLsn),
  };
}
