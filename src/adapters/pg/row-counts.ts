import { randomBytes } from 'node:crypto';
import type { SlotChangeRow } from '../../core/decoding/transactions.js';
import { validateSlotName } from '../../core/identifiers.js';
import { formatLsn, type Lsn, maxLsn, parseLsn } from '../../core/lsn.js';
import { qualifiedName } from '../../core/preflight/scope.js';
import type { CatalogTable } from '../../core/row-counts.js';
import { type PostCheckpointChanges, PostCheckpointFold } from '../../core/row-deltas.js';
import {
  SlotActiveError,
  SlotInvalidatedError,
  SlotMismatchError,
  SlotNotFoundError,
} from '../../core/slot-errors.js';
import { quoteIdentifier } from '../../core/sql-identifier.js';
import { parseXidSnapshot, type XidSnapshot } from '../../core/xid-snapshot.js';
import type { Queryable } from './queryable.js';
import { buildPgSourceDb } from './slots.js';
import { SQLSTATE, sqlState } from './sqlstate.js';

// Ordinary and partitioned tables outside the system schemas (temporary ones live in pg_temp_N).
const USER_TABLES_SQL = `
SELECT n.nspname::text AS schema, c.relname::text AS name, c.relkind = 'p' AS partitioned,
       EXISTS (SELECT 1 FROM pg_depend d
                WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e') AS extension_member
  FROM pg_class c
  JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind IN ('r', 'p') AND n.nspname <> 'information_schema' AND n.nspname !~ '^pg_'
 ORDER BY 1, 2`;

interface TableRow {
  schema: string;
  name: string;
  partitioned: boolean;
  extension_member: boolean;
}

/** Every user table of the connected database, in one round trip. */
export async function listUserTables(db: Queryable): Promise<CatalogTable[]> {
  const { rows } = await db.query<TableRow>(USER_TABLES_SQL);
  return rows.map((r) => ({
    schema: r.schema,
    name: r.name,
    partitioned: r.partitioned,
    extensionMember: r.extension_member,
  }));
}

/**
 * Exact row counts of `tables`, in their order, in one statement: a UNION ALL of `count(*)` per table.
 * The names come from the catalog (listUserTables), never from the input, and are quoted whatever they
 * hold; the statement has no parameters because identifiers cannot be.
 */
export async function countRows(
  db: Queryable,
  tables: readonly { readonly schema: string; readonly name: string }[],
): Promise<number[]> {
  if (tables.length === 0) return [];
  const sql = tables
    .map(
      (t, i) =>
        `SELECT ${i} AS i, count(*) AS n FROM ${quoteIdentifier(t.schema)}.${quoteIdentifier(t.name)}`,
    )
    .join('\nUNION ALL\n');
  const { rows } = await db.query<{ i: number; n: string }>(sql);
  const counts = new Array<number>(tables.length);
  // bigint arrives as text; every row count a table can hold is below 2^53.
  for (const row of rows) counts[row.i] = Number(row.n);
  return tables.map((t, i) => {
    const n = counts[i];
    if (n === undefined) throw new Error(`no count returned for ${qualifiedName(t)}`);
    return n;
  });
}

export { quoteIdentifier };

// --- counting at a stopped task's checkpoint ---------------------------------------------------------

/** The snapshot the source rows are counted in, and how far the slot must be decoded to cover it. */
export interface CountSnapshot {
  /** txid_current_snapshot() of the REPEATABLE READ transaction: the snapshot every count used. */
  readonly snapshot: XidSnapshot;
  readonly snapshotText: string;
  /**
   * pg_current_wal_insert_lsn() read after the snapshot was taken. A transaction the snapshot sees had
   * inserted its commit record before, so that record ends at or before this position.
   */
  readonly upTo: Lsn;
  readonly database: string;
}

// The first statement of a REPEATABLE READ transaction takes its snapshot; the insert position is read
// while executing it, so after. txid_current_snapshot (not pg_current_snapshot, 13+) runs on 12 too.
const SNAPSHOT_SQL = `SELECT txid_current_snapshot()::text AS snapshot, pg_current_wal_insert_lsn()::text AS up_to,
       current_database()::text AS database`;

/**
 * Runs `use` in one REPEATABLE READ READ ONLY transaction on `db`, so that every count it makes sees
 * the same snapshot, and hands it that snapshot. Commits after `use`, rolls back when it throws.
 */
export async function inCountSnapshot<T>(
  db: Queryable,
  use: (snapshot: CountSnapshot) => Promise<T>,
): Promise<T> {
  await db.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  try {
    const { rows } = await db.query<{ snapshot: string; up_to: string; database: string }>(SNAPSHOT_SQL);
    const row = rows[0];
    if (!row) throw new Error('the server returned no snapshot');
    const result = await use({
      snapshot: parseXidSnapshot(row.snapshot),
      snapshotText: row.snapshot,
      upTo: parseLsn(row.up_to, 'pg_current_wal_insert_lsn'),
      database: row.database,
    });
    await db.query('COMMIT');
    return result;
  } catch (error) {
    await db.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

export interface SlotDecodeRequest {
  /** The stopped task's slot: read through a temporary copy, never moved. */
  readonly slotName: string;
  /** The LSN of the task's RecoveryCheckpoint. */
  readonly checkpoint: Lsn;
  readonly snapshot: CountSnapshot;
  /** The source as messages name it (no credentials). */
  readonly source: string;
  /** Rows per FETCH: what the client holds at once. */
  readonly batchRows?: number;
  /** How long to wait for the WAL up to snapshot.upTo to be flushed (asynchronous commits). */
  readonly flushTimeoutMs?: number;
  /** How long a slot may still look active after its task stopped (its walsender exiting). */
  readonly releaseTimeoutMs?: number;
}

export interface SlotDecodeResult {
  /** max(checkpoint, the slot's confirmed_flush_lsn): transactions committed after it were not applied. */
  readonly boundary: Lsn;
  readonly slotConfirmedFlushLsn: Lsn;
  /** Where decoding started reading WAL (the slot's restart_lsn): its cost is the WAL from here to upTo. */
  readonly slotRestartLsn: Lsn;
  readonly changes: PostCheckpointChanges;
}

const COPY_SQL = `SELECT lsn::text AS lsn FROM pg_copy_logical_replication_slot($1::name, $2::name, true, 'test_decoding')`;
const DROP_COPY_SQL = `SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots
 WHERE slot_name = $1::name AND temporary AND active_pid = pg_backend_pid()`;
const FLUSHED_SQL = 'SELECT pg_current_wal_flush_lsn() >= $1::pg_lsn AS flushed';
const CURSOR = 'dms_cdc_verify_changes';
const DECLARE_SQL = `DECLARE ${CURSOR} NO SCROLL CURSOR FOR
SELECT lsn::text AS lsn, xid::text AS xid, data
  FROM pg_logical_slot_peek_changes($1::name, $2::pg_lsn, NULL, 'include-xids', '1', 'skip-empty-xacts', '1')`;

/**
 * The per-table row deltas of the transactions the stopped task did not apply and the count snapshot
 * sees. Call inside inCountSnapshot, after or before counting (the snapshot is the transaction's).
 *
 * The task's slot is inactive (checked) and is never acquired: a temporary copy with test_decoding
 * (pg_copy_logical_replication_slot, PostgreSQL 12+, whatever the slot's own plugin) starts where the
 * slot does, and is peeked from its confirmed_flush_lsn up to snapshot.upTo. The copy is dropped at the
 * end; on an error the server drops it itself (a session's temporary slots go with any ERROR, and with
 * the session). The work is what the slot still holds: WAL from its restart_lsn to snapshot.upTo.
 */
export async function decodeAfterCheckpoint(
  db: Queryable,
  request: SlotDecodeRequest,
): Promise<SlotDecodeResult> {
  const slotName = validateSlotName(request.slotName);
  const slot = await releasedSlot(db, slotName, request);
  if (slot.slotType !== 'logical')
    throw new SlotMismatchError(slotName, 'slot_type', 'logical', slot.slotType);
  if (slot.database !== request.snapshot.database) {
    throw new SlotMismatchError(slotName, 'database', request.snapshot.database, slot.database);
  }
  if (slot.active) throw new SlotActiveError(slotName, slot.activePid, slot.activeApplication);
  if (slot.walStatus === 'lost' || slot.confirmedFlushLsn === null || slot.restartLsn === null) {
    throw new SlotInvalidatedError(
      slotName,
      `wal_status ${slot.walStatus ?? 'unknown'}: its WAL was removed`,
    );
  }
  const copy = `dms_cdc_verify_${randomBytes(8).toString('hex')}`;
  try {
    const copied = await db.query<{ lsn: string | null }>(COPY_SQL, [slotName, copy]);
    const copiedFrom = copied.rows[0]?.lsn ?? null;
    if (copiedFrom === null || parseLsn(copiedFrom, 'lsn') !== slot.confirmedFlushLsn) {
      // Something consumed the slot between the two reads: it is not the stopped task's any more.
      const now = await buildPgSourceDb(db).readSlot(slotName);
      throw new SlotActiveError(slotName, now?.slot.activePid ?? null, now?.slot.activeApplication ?? null);
    }
    await waitForFlush(db, request.snapshot.upTo, request.flushTimeoutMs ?? 10_000);
    const boundary = maxLsn(request.checkpoint, slot.confirmedFlushLsn);
    const fold = new PostCheckpointFold(boundary, request.snapshot.snapshot);
    const batch = Math.max(1, Math.trunc(request.batchRows ?? 10_000));
    await db.query(DECLARE_SQL, [copy, formatLsn(request.snapshot.upTo)]);
    for (;;) {
      const { rows } = await db.query<SlotChangeRow>(`FETCH ${batch} FROM ${CURSOR}`);
      fold.add(rows);
      if (rows.length < batch) break;
    }
    await db.query(`CLOSE ${CURSOR}`);
    await db.query('SELECT pg_drop_replication_slot($1::name)', [copy]);
    return {
      boundary,
      slotConfirmedFlushLsn: slot.confirmedFlushLsn,
      slotRestartLsn: slot.restartLsn,
      changes: fold.finish(),
    };
  } catch (error) {
    // A server ERROR drops the session's temporary slots itself (and the session's end would); after
    // anything else (a line the parser refuses) the copy is dropped here, not left until then.
    if (sqlState(error) === undefined) {
      await db.query(DROP_COPY_SQL, [copy]).catch(() => undefined);
    }
    throw classifySlotError(error, slotName, request.source);
  }
}

/**
 * The slot once nothing streams from it. A task reported stopped has closed its connection, but the
 * walsender on the source exits a moment later and the slot shows active until then; a holder that is
 * still there after releaseTimeoutMs is not the stopped task's walsender (SlotActiveError, checked by
 * the caller).
 */
async function releasedSlot(db: Queryable, slotName: string, request: SlotDecodeRequest) {
  const deadline = Date.now() + (request.releaseTimeoutMs ?? 5_000);
  for (;;) {
    const reading = await buildPgSourceDb(db).readSlot(slotName);
    if (!reading) throw new SlotNotFoundError(slotName, request.source);
    if (!reading.slot.active || Date.now() >= deadline) return reading.slot;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function waitForFlush(db: Queryable, upTo: Lsn, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { rows } = await db.query<{ flushed: boolean }>(FLUSHED_SQL, [formatLsn(upTo)]);
    if (rows[0]?.flushed) return;
    // Only an asynchronous commit leaves WAL unflushed; the WAL writer flushes it within 3 wal_writer_delay.
    if (Date.now() > deadline) {
      throw new Error(`the source did not flush its WAL up to ${formatLsn(upTo)} within ${timeoutMs} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** PostgreSQL errors of the copy and the decoding, by SQLSTATE, as the slot errors the ASL knows. */
function classifySlotError(error: unknown, slotName: string, source: string): unknown {
  const detail = error instanceof Error ? error.message : String(error);
  switch (sqlState(error)) {
    case SQLSTATE.undefinedObject:
      return new SlotNotFoundError(slotName, source);
    case SQLSTATE.objectInUse:
      return new SlotActiveError(slotName, null, null);
    case SQLSTATE.objectNotInPrerequisiteState:
    case SQLSTATE.undefinedFile:
      return new SlotInvalidatedError(slotName, detail);
    default:
      return error;
  }
}
