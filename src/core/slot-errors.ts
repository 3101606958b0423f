import { OrchestratorError } from './errors.js';

/**
 * The named replication slot does not exist on the server that was asked.
 *
 * DMS cannot start from a missing slot, and after a failover a missing slot means the changes it held
 * may be gone (DESIGN.md section 5, `DATA_GAP`): nothing should create a new one silently.
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
