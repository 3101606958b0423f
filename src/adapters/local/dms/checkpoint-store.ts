import { formatLsn, type Lsn, parseLsn } from '../../../core/lsn.js';
import type { Queryable } from '../../pg/queryable.js';

/**
 * The engine's checkpoint lives in the target database, written in the same transaction as the
 * changes it covers: after a crash the target and its checkpoint agree, so a resume neither loses
 * nor repeats a transaction. (DMS keeps its own control tables on the target too: awsdms_status.)
 */
export const CONTROL_SCHEMA = 'dms_local';

export async function ensureControlTables(db: Queryable): Promise<void> {
  await db.query(`CREATE SCHEMA IF NOT EXISTS ${CONTROL_SCHEMA}`);
  await db.query(`CREATE TABLE IF NOT EXISTS ${CONTROL_SCHEMA}.checkpoints (
    task_identifier text PRIMARY KEY,
    checkpoint_lsn pg_lsn NOT NULL,
    sequence bigint NOT NULL DEFAULT 0,
    transactions_applied bigint NOT NULL DEFAULT 0,
    updated_at timestamptz NOT NULL DEFAULT now())`);
}

export interface StoredCheckpoint {
  readonly lsn: Lsn;
  readonly sequence: number;
  readonly transactionsApplied: number;
}

export async function readCheckpoint(db: Queryable, task: string): Promise<StoredCheckpoint | undefined> {
  const { rows } = await db.query<{ lsn: string; sequence: string; applied: string }>(
    `SELECT checkpoint_lsn::text AS lsn, sequence::text, transactions_applied::text AS applied
       FROM ${CONTROL_SCHEMA}.checkpoints WHERE task_identifier = $1`,
    [task],
  );
  const row = rows[0];
  return row
    ? {
        lsn: parseLsn(row.lsn, 'checkpoint_lsn'),
        sequence: Number(row.sequence),
        transactionsApplied: Number(row.applied),
      }
    : undefined;
}

/** Sets the checkpoint outright: a new task's start position, or a restart's new slot position. */
export async function resetCheckpoint(db: Queryable, task: string, lsn: Lsn): Promise<void> {
  await db.query(
    `INSERT INTO ${CONTROL_SCHEMA}.checkpoints (task_identifier, checkpoint_lsn) VALUES ($1, $2::pg_lsn)
     ON CONFLICT (task_identifier) DO UPDATE
       SET checkpoint_lsn = excluded.checkpoint_lsn, sequence = ${CONTROL_SCHEMA}.checkpoints.sequence + 1,
           updated_at = now()`,
    [task, formatLsn(lsn)],
  );
}

/** Moves the checkpoint to a transaction's commit LSN; call inside the transaction that applied it. */
export async function advanceCheckpoint(
  db: Queryable,
  task: string,
  commitLsn: Lsn,
): Promise<StoredCheckpoint> {
  const { rows } = await db.query<{ sequence: string; applied: string }>(
    `UPDATE ${CONTROL_SCHEMA}.checkpoints
        SET checkpoint_lsn = $2::pg_lsn, sequence = sequence + 1, transactions_applied = transactions_applied + 1,
            updated_at = now()
      WHERE task_identifier = $1 AND checkpoint_lsn < $2::pg_lsn
      RETURNING sequence::text, transactions_applied::text AS applied`,
    [task, formatLsn(commitLsn)],
  );
  const row = rows[0];
  if (!row) throw new Error(`checkpoint of ${task} is missing or already at or past ${formatLsn(commitLsn)}`);
  return { lsn: commitLsn, sequence: Number(row.sequence), transactionsApplied: Number(row.applied) };
}

/** DMS's RecoveryCheckpoint form: checkpoint:V1#<seq>#<8 hex>/<8 hex>#0#0#*#0#0 */
export function recoveryCheckpointText(checkpoint: StoredCheckpoint): string {
  const high = (checkpoint.lsn >> 32n).toString(16).toUpperCase().padStart(8, '0');
  const low = (checkpoint.lsn & 0xffffffffn).toString(16).toUpperCase().padStart(8, '0');
  return `checkpoint:V1#${checkpoint.sequence}#${high}/${low}#0#0#*#0#0`;
}
