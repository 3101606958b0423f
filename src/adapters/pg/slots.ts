import { type Lsn, parseLsn } from '../../core/lsn.js';
import { measureSlot, type SlotReading, type SlotState, type WalStatus } from '../../core/slot.js';
import type { SourceDb } from '../../ports/source-db.js';
import type { Queryable } from './queryable.js';

/** One row of SLOT_COLUMNS: a pg_replication_slots row as every adapter selects it. */
export interface SlotRow {
  slot_name: string;
  slot_type: 'logical' | 'physical';
  plugin: string | null;
  database: string | null;
  temporary: boolean;
  active: boolean;
  active_pid: number | null;
  application_name: string | null;
  restart_lsn: string | null;
  confirmed_flush_lsn: string | null;
  wal_status: WalStatus | null;
  safe_wal_size: string | null;
  two_phase: boolean | null;
  failover: boolean | null;
  synced: boolean | null;
  inactive_since: string | null;
  conflicting?: boolean | null;
  invalidation_reason?: string | null;
}

/**
 * The one select list over pg_replication_slots, for SLOT_FROM (`s`, its row as jsonb `s.j`, and the
 * holder's pg_stat_activity row `a`). Every column is text, boolean or int, so a row reads the same
 * from a result set and from row_to_json (preflight aggregates the slots into its single round trip).
 * Only the columns every supported major (12+) has are named; the ones added later (wal_status and
 * safe_wal_size in 13, two_phase in 14, conflicting in 16, failover, synced, inactive_since and
 * invalidation_reason in 17) are read through to_jsonb, so the same statement runs on every major and
 * yields NULL where the column does not exist: detected by the row's own columns, never guessed from
 * the version.
 */
export const SLOT_COLUMNS = `s.slot_name::text, s.slot_type, s.plugin::text, s.database::text, s.temporary, s.active,
       s.active_pid, nullif(a.application_name, '') AS application_name,
       s.restart_lsn::text, s.confirmed_flush_lsn::text,
       s.j ->> 'wal_status' AS wal_status,
       s.j ->> 'safe_wal_size' AS safe_wal_size,
       (s.j ->> 'two_phase')::boolean AS two_phase,
       (s.j ->> 'failover')::boolean AS failover,
       (s.j ->> 'synced')::boolean AS synced,
       to_char((s.j ->> 'inactive_since')::timestamptz AT TIME ZONE 'UTC',
               'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS inactive_since,
       (s.j ->> 'conflicting')::boolean AS conflicting,
       s.j ->> 'invalidation_reason' AS invalidation_reason`;

/** What SLOT_COLUMNS reads from. */
export const SLOT_FROM = `(SELECT s.*, to_jsonb(s) AS j FROM pg_replication_slots s) s
  LEFT JOIN pg_stat_activity a ON a.pid = s.active_pid`;

const SERVER_POSITION = `(CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() ELSE pg_current_wal_lsn() END)::text
         AS server_lsn, pg_is_in_recovery() AS in_recovery`;

// One round trip for every slot plus the position they are measured against.
const SLOTS_SQL = `
SELECT ${SLOT_COLUMNS},
       ${SERVER_POSITION}
  FROM ${SLOT_FROM}
 WHERE $1::text IS NULL OR s.slot_name = $1::text
 ORDER BY s.slot_name`;

// Without a slot there is no row to carry the position; a gap's upper bound still needs it.
const POSITION_SQL = `SELECT ${SERVER_POSITION}`;

/** A SourceDb over any pg client or pool. */
export function buildPgSourceDb(db: Queryable): SourceDb {
  return {
    async readSlot(slotName) {
      const { rows } = await db.query<PositionedSlotRow>(SLOTS_SQL, [slotName]);
      return rows[0] ? toReading(rows[0]) : undefined;
    },
    async readServerPosition() {
      const { rows } = await db.query<{ server_lsn: string; in_recovery: boolean }>(POSITION_SQL);
      const row = rows[0];
      if (!row) throw new Error('the server returned no WAL position');
      return { serverLsn: parseLsn(row.server_lsn, 'server_lsn'), inRecovery: row.in_recovery };
    },
    async readSlots() {
      const { rows } = await db.query<PositionedSlotRow>(SLOTS_SQL, [null]);
      return rows.map(toReading);
    },
  };
}

interface PositionedSlotRow extends SlotRow {
  server_lsn: string;
  in_recovery: boolean;
}

function toReading(row: PositionedSlotRow): SlotReading {
  return measureSlot(toSlotState(row), parseLsn(row.server_lsn, 'server_lsn'), row.in_recovery);
}

/** Types a SLOT_COLUMNS row; shared by every adapter that reads pg_replication_slots. */
export function toSlotState(row: SlotRow): SlotState {
  return {
    slotName: row.slot_name,
    slotType: row.slot_type,
    plugin: row.plugin,
    database: row.database,
    temporary: row.temporary,
    active: row.active,
    activePid: row.active_pid,
    activeApplication: row.active_pid === null ? null : (row.application_name ?? null),
    restartLsn: optionalLsn(row.restart_lsn, 'restart_lsn'),
    confirmedFlushLsn: optionalLsn(row.confirmed_flush_lsn, 'confirmed_flush_lsn'),
    walStatus: row.wal_status,
    safeWalSizeBytes: row.safe_wal_size === null ? null : BigInt(row.safe_wal_size),
    twoPhase: row.two_phase,
    failover: row.failover,
    synced: row.synced,
    inactiveSince: row.inactive_since,
    conflicting: row.conflicting ?? null,
    invalidationReason: row.invalidation_reason ?? null,
  };
}

function optionalLsn(text: string | null, field: string): Lsn | null {
  return text === null ? null : parseLsn(text, field);
}
