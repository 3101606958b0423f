import { InvalidInputError } from '../../core/errors.js';
import { validateSlotName } from '../../core/identifiers.js';
import { SlotHolderTerminationRefusedError } from '../../core/recovery/errors.js';
import { type SlotReading, type SlotReport, toSlotReport } from '../../core/slot.js';
import { SlotActiveError, SlotNotFoundError } from '../../core/slot-errors.js';
import { checkSlotMatches, type SlotPlugin } from '../../core/start-position.js';
import {
  ensurePglogicalSets,
  type PglogicalSetup,
  type ReplicationSetSelection,
  replicationSetTables,
  type TableRef,
} from './pglogical.js';
import type { Queryable } from './queryable.js';
import { type Connect, createLogicalSlot } from './slot-create.js';
import { buildPgSourceDb } from './slots.js';
import { SQLSTATE, sqlState } from './sqlstate.js';

export interface EnsureSlotRequest {
  readonly slotName: string;
  readonly plugin: SlotPlugin;
  readonly database: string;
  /** Without it a missing slot is an error: after a failover, a new slot would silently skip changes. */
  readonly allowCreate: boolean;
  readonly failover: boolean;
  readonly timeoutMs: number;
  /** Where, for messages (no credentials). */
  readonly source: string;
  /** pglogical only: the node and the tables to put in the slot's replication sets. */
  readonly pglogical?: {
    readonly nodeName: string;
    readonly dsn: string;
    readonly tables: readonly TableRef[];
  };
}

export interface EnsureSlotResult {
  readonly created: boolean;
  readonly reading: SlotReading;
  readonly pglogical: PglogicalSetup | undefined;
}

/** Inspects the slot and creates it when allowed; an existing slot must match what was asked. */
export async function ensureSlot(connect: Connect, request: EnsureSlotRequest): Promise<EnsureSlotResult> {
  validateSlotName(request.slotName);
  if (request.plugin === 'pglogical' && !request.pglogical) {
    throw new InvalidInputError(
      'pglogical',
      'a pglogical slot needs the node DSN and the tables for its replication sets',
    );
  }
  const client = await connect();
  try {
    const db = buildPgSourceDb(client);
    let reading = await db.readSlot(request.slotName);
    let created = false;
    if (!reading) {
      if (!request.allowCreate) throw new SlotNotFoundError(request.slotName, request.source);
      created = await createLogicalSlot(connect, request.slotName, request);
      reading = await db.readSlot(request.slotName);
      if (!reading) throw new SlotNotFoundError(request.slotName, request.source);
    }
    checkSlotMatches(reading, request);
    const pglogical = request.pglogical
      ? await ensurePglogicalSets(client, request.slotName, request.pglogical)
      : undefined;
    return { created, reading, pglogical };
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** A pglogical request whose tables may still be a selection to resolve on the source. */
export type EnsureSlotSelecting = Omit<EnsureSlotRequest, 'pglogical'> & {
  readonly pglogical?: {
    readonly nodeName: string;
    readonly dsn: string;
    readonly set: ReplicationSetSelection;
  };
};

/** ensureSlot after resolving the replication set's tables on `db` (before the slot is looked at). */
export async function ensureSlotSelecting(
  connect: Connect,
  db: Queryable,
  { pglogical, ...request }: EnsureSlotSelecting,
): Promise<EnsureSlotResult> {
  const tables = pglogical && (await replicationSetTables(db, pglogical.set));
  return ensureSlot(connect, {
    ...request,
    ...(pglogical && tables && { pglogical: { nodeName: pglogical.nodeName, dsn: pglogical.dsn, tables } }),
  });
}

export interface EnsuredSlotReport {
  readonly slotName: string;
  readonly created: boolean;
  /** The slot's confirmed_flush_lsn right after this step (a later task reads it again before creation). */
  readonly confirmedFlushLsn: string | null;
  readonly restartLsn: string | null;
  readonly slot: SlotReport;
  readonly pglogical: PglogicalSetup | null;
}

export function reportEnsuredSlot(slotName: string, result: EnsureSlotResult): EnsuredSlotReport {
  const slot = toSlotReport(result.reading);
  const { confirmedFlushLsn, restartLsn } = slot;
  return {
    slotName,
    created: result.created,
    confirmedFlushLsn,
    restartLsn,
    slot,
    pglogical: result.pglogical ?? null,
  };
}

export interface CleanupResult {
  readonly removed: readonly string[];
  readonly absent: readonly string[];
}

const EVENT_TRIGGER = 'awsdms_intercept_ddl';
const DDL_FUNCTION = 'awsdms_intercept_ddl';
const DDL_AUDIT_TABLE = 'awsdms_ddl_audit';

/**
 * Removes what a DMS migration leaves on the source (reference 001, "Removing AWS DMS artifacts"):
 * the DDL-capture event trigger, its function and audit table in `artifactsSchema`, and the slot
 * only when asked. Exactly these objects, looked up by exact name; never a schema.
 */
export async function cleanupSource(
  db: Queryable,
  options: { readonly artifactsSchema: string; readonly dropSlot?: string },
): Promise<CleanupResult> {
  const removed: string[] = [];
  const absent: string[] = [];
  const note = (done: boolean, what: string) => (done ? removed : absent).push(what);
  const schema = options.artifactsSchema;
  const trigger = await db.query('SELECT 1 FROM pg_event_trigger WHERE evtname = $1', [EVENT_TRIGGER]);
  if (trigger.rows.length) await db.query(`DROP EVENT TRIGGER ${quoteIdent(EVENT_TRIGGER)}`);
  note(trigger.rows.length > 0, `event trigger ${EVENT_TRIGGER}`);

  const fn = await db.query(
    `SELECT 1 FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
      WHERE n.nspname = $1 AND p.proname = $2 AND p.pronargs = 0`,
    [schema, DDL_FUNCTION],
  );
  if (fn.rows.length) await db.query(`DROP FUNCTION ${quoteIdent(schema)}.${quoteIdent(DDL_FUNCTION)}()`);
  note(fn.rows.length > 0, `function ${schema}.${DDL_FUNCTION}()`);

  const table = await db.query('SELECT to_regclass(format($3, $1::text, $2::text)) IS NOT NULL AS present', [
    schema,
    DDL_AUDIT_TABLE,
    '%I.%I',
  ]);
  const tablePresent = table.rows[0]?.present === true;
  if (tablePresent) await db.query(`DROP TABLE ${quoteIdent(schema)}.${quoteIdent(DDL_AUDIT_TABLE)}`);
  note(tablePresent, `table ${schema}.${DDL_AUDIT_TABLE}`);

  if (options.dropSlot)
    note(await dropSlot(db, validateSlotName(options.dropSlot, 'dropSlot')), `slot ${options.dropSlot}`);
  return { removed, absent };
}

/** Drops an inactive slot; an active one is refused (its consumer would fail mid-stream). */
async function dropSlot(db: Queryable, slotName: string): Promise<boolean> {
  const reading = await buildPgSourceDb(db).readSlot(slotName);
  if (!reading) return false;
  if (reading.slot.active)
    throw new SlotActiveError(slotName, reading.slot.activePid, reading.slot.activeApplication);
  await db.query('SELECT pg_drop_replication_slot($1)', [slotName]);
  return true;
}

/** Quotes an identifier the way PostgreSQL's quote_ident does (always quoted here, which is always valid). */
export function quoteIdent(name: string): string {
  if (name.includes('\u0000')) throw new InvalidInputError('identifier', 'contains a NUL character');
  return `"${name.replaceAll('"', '""')}"`;
}

// The check and the signal are one statement: pg_terminate_backend runs only for a row where that PID is
// the slot's active_pid at that moment, so a new holder (the resumed task itself) is never hit. The timeout
// waits for the backend to be gone, so the slot is free when the row says terminated.
const TERMINATE_SQL = `
SELECT s.active_pid AS pid, a.application_name, pg_terminate_backend(s.active_pid, $3::bigint) AS terminated
  FROM pg_replication_slots s
  LEFT JOIN pg_stat_activity a ON a.pid = s.active_pid
 WHERE s.slot_name = $1::text AND s.active_pid = $2::int`;

/**
 * Terminates `pid` only while it holds `slotName` (terminated false when it no longer does). A server that
 * refuses (SQLSTATE 42501: the role lacks pg_signal_backend) is SlotHolderTerminationRefusedError.
 */
export async function terminateSlotHolder(
  db: Queryable,
  slotName: string,
  pid: number,
  waitMs: number,
): Promise<{ terminated: boolean; application: string | null }> {
  try {
    const { rows } = await db.query<{ application_name: string | null; terminated: boolean }>(TERMINATE_SQL, [
      slotName,
      pid,
      waitMs,
    ]);
    return { terminated: rows[0]?.terminated === true, application: rows[0]?.application_name ?? null };
  } catch (error) {
    if (sqlState(error) !== SQLSTATE.insufficientPrivilege) throw error;
    throw new SlotHolderTerminationRefusedError(slotName, pid, (error as Error).message);
  }
}
