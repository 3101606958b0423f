import { OrchestratorError } from './errors.js';
import { allowOutputPluginRemedy, OUTPUT_PLUGIN_LIBRARIES } from './output-plugin-libraries.js';
import type { Platform } from './preflight/platform.js';

/**
 * The named replication slot does not exist on the server that was asked.
 *
 * DMS cannot start from a missing slot, and after a failover a missing slot means the changes it held
 * may be gone (docs/architecture.md, restart versus resume: `DATA_GAP`): nothing should create a new one silently.
 */
export class SlotNotFoundError extends OrchestratorError {
  override readonly name = 'SlotNotFoundError';
  readonly slotName: string;

  /** `source` describes the server without credentials, e.g. describeConnection(...). */
  constructor(slotName: string, source: string) {
    super(
      `replication slot "${slotName}" does not exist on ${source}`,
      'Check the slot name and that the source is the current writer. If the slot was lost in a failover, ' +
        'treat the changes since its confirmed_flush_lsn as at risk before recreating it with ' +
        `pg_create_logical_replication_slot('${slotName}', 'test_decoding') and reloading the target`,
    );
    this.slotName = slotName;
  }
}

/** The slot is held by a connection; DMS needs it free when the task starts. */
export class SlotActiveError extends OrchestratorError {
  override readonly name = 'SlotActiveError';
  readonly slotName: string;
  readonly activePid: number | null;
  readonly application: string | null;

  constructor(slotName: string, activePid: number | null, application: string | null) {
    super(
      `replication slot "${slotName}" is active for PID ${activePid ?? 'unknown'}` +
        ` (application_name ${application ? JSON.stringify(application) : 'not set'})`,
      'Stop the consumer that holds the slot (an old DMS task, pg_recvlogical, a walsender left by a ' +
        `failed task) or, if it is stale, run SELECT pg_terminate_backend(${activePid ?? '<pid>'}) and try again`,
    );
    this.slotName = slotName;
    this.activePid = activePid;
    this.application = application;
  }
}

/** A requested CdcStartPosition before the slot's confirmed_flush_lsn: those changes are gone. */
export class StartPositionTooOldError extends OrchestratorError {
  override readonly name = 'StartPositionTooOldError';

  constructor(
    readonly slotName: string,
    readonly requested: string,
    readonly confirmedFlushLsn: string,
  ) {
    super(
      `CdcStartPosition ${requested} is older than slot "${slotName}" confirmed_flush_lsn ${confirmedFlushLsn}: ` +
        'the slot no longer holds the changes in between',
      `Start at ${confirmedFlushLsn} (the default) or later; changes before it cannot be replayed from this slot`,
    );
  }
}

/** The slot exists but is not what the migration needs (physical, other plugin, other database). */
export class SlotMismatchError extends OrchestratorError {
  override readonly name = 'SlotMismatchError';

  constructor(
    readonly slotName: string,
    readonly field: 'slot_type' | 'plugin' | 'database',
    readonly expected: string,
    readonly observed: string | null,
  ) {
    super(
      `replication slot "${slotName}" has ${field} ${observed ?? 'null'}, expected ${expected}`,
      field === 'database'
        ? `Connect to database ${observed ?? '<the slot database>'} or use a slot created in ${expected}`
        : `Use a logical slot created with the ${expected} plugin, or choose another slot name`,
    );
  }
}

/** The slot can no longer serve changes: its WAL was removed (wal_status lost) or it was invalidated. */
export class SlotInvalidatedError extends OrchestratorError {
  override readonly name = 'SlotInvalidatedError';

  constructor(
    readonly slotName: string,
    readonly detail: string,
  ) {
    super(
      `replication slot "${slotName}" cannot be used: ${detail}`,
      'Changes after the slot confirmed_flush_lsn are at risk (DATA_GAP): recreate the slot and reload the ' +
        'target (full load), and raise max_slot_wal_keep_size or fix the lag that let WAL be removed',
    );
  }
}

/** One transaction that kept a slot from being created (the snapshot builder waits for them all). */
export interface SlotCreationBlocker {
  readonly pid: number | null;
  readonly application: string | null;
  readonly user: string | null;
  readonly state: string | null;
  readonly transactionStart: string | null;
  /** For a prepared transaction: its GID. */
  readonly preparedGid: string | null;
}

/** pg_create_logical_replication_slot waited for running transactions longer than allowed. */
export class SlotCreationBlockedError extends OrchestratorError {
  override readonly name = 'SlotCreationBlockedError';

  constructor(
    readonly slotName: string,
    readonly timeoutMs: number,
    readonly blockers: readonly SlotCreationBlocker[],
    /** The creating backend could not be cancelled: the slot may still appear once the blockers end. */
    readonly outcome: 'not-created' | 'may-still-be-created' = 'not-created',
  ) {
    super(
      `creating replication slot "${slotName}" waited ${timeoutMs} ms for running transactions: ` +
        (blockers.length ? blockers.map(describeBlocker).join('; ') : 'no blocker could be identified') +
        (outcome === 'may-still-be-created'
          ? `; the creation could not be cancelled, so slot "${slotName}" may still be created and pin WAL`
          : '; no slot was created'),
      (outcome === 'may-still-be-created'
        ? `Check pg_replication_slots for "${slotName}" and drop it with pg_drop_replication_slot if it is not wanted; `
        : '') +
        'A logical slot can only be created once every transaction running when it started has ended: ' +
        'commit or roll back the transactions listed (COMMIT PREPARED / ROLLBACK PREPARED for prepared ones), ' +
        'or retry with a longer timeout',
    );
  }
}

function describeBlocker(b: SlotCreationBlocker): string {
  if (b.preparedGid !== null) return `prepared transaction ${JSON.stringify(b.preparedGid)}`;
  const app = b.application ? ` ${JSON.stringify(b.application)}` : '';
  return `PID ${b.pid}${app} (user ${b.user ?? '?'}, ${b.state ?? '?'}, transaction since ${b.transactionStart ?? '?'})`;
}

/**
 * The server's output_plugin_libraries does not list the slot's plugin (SQLSTATE 42501 from
 * pg_create_logical_replication_slot on a server that has the parameter and lacks the library).
 * Nothing is created; DMS could not decode such a slot either.
 */
export class OutputPluginNotAllowedError extends OrchestratorError {
  override readonly name = 'OutputPluginNotAllowedError';
  readonly setting = OUTPUT_PLUGIN_LIBRARIES;

  constructor(
    readonly slotName: string,
    readonly plugin: string,
    /** The libraries the server lists, as it splits the parameter. */
    readonly listed: readonly string[],
    platform: Platform,
  ) {
    super(
      `cannot create replication slot "${slotName}": the server does not allow "${plugin}" as an output ` +
        `plugin (${OUTPUT_PLUGIN_LIBRARIES} = ${listed.length ? listed.join(', ') : "''"})`,
      `Add ${plugin} to ${OUTPUT_PLUGIN_LIBRARIES} if every REPLICATION role may use it: ` +
        allowOutputPluginRemedy(platform, listed, plugin),
    );
  }
}
