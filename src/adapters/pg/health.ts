import type pg from 'pg';
import { OrchestratorError } from '../../core/errors.js';
import type {
  SlotHealth,
  SlotsSnapshot,
  SlotWalLimit,
  WalDirReading,
} from '../../core/health/measurement.js';
import { type Lsn, parseLsn } from '../../core/lsn.js';
import { measureSlot } from '../../core/slot.js';
import type { OpenSource, PgHealthReader } from '../../ports/health.js';
import { type PgConnector, withPgClient } from './client.js';
import type { Queryable } from './queryable.js';
import { SLOT_COLUMNS, SLOT_FROM, type SlotRow, toSlotState } from './slots.js';
import { SQLSTATE, sqlState } from './sqlstate.js';

/** The slot columns of slots.ts (slot_name null on the row of a server without slots), and more. */
interface HealthRow extends Omit<SlotRow, 'slot_name'> {
  server_version: number;
  server_time: string;
  server_lsn: string;
  in_recovery: boolean;
  slot_name: string | null;
  inactive_seconds: number | null;
  idle_timeout_seconds: number | null;
  max_slot_wal_keep_mb: string | null;
  xmin_age: number | null;
  catalog_xmin_age: number | null;
}

/**
 * One round trip for every slot on the server: the slot columns of slots.ts (SLOT_COLUMNS, the one
 * reader) and what the health check adds: the ages of xmin and catalog_xmin and seconds since
 * inactive_since (PostgreSQL 17+, through to_jsonb like the reader's own late columns).
 * The server facts come from a one-row CTE joined to the slots, so a server without slots still
 * returns its row. Times are the server's own (now()), so a client clock skew changes nothing.
 */
export const HEALTH_SLOTS_SQL = `
WITH server AS (
  SELECT current_setting('server_version_num')::int AS server_version,
         to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS server_time,
         (CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() ELSE pg_current_wal_lsn() END)::text
           AS server_lsn,
         pg_is_in_recovery() AS in_recovery,
         -- PostgreSQL 18+ (no row before): seconds an inactive slot may stay idle before it is invalidated.
         (SELECT setting::int FROM pg_settings WHERE name = 'idle_replication_slot_timeout')
           AS idle_timeout_seconds,
         -- PostgreSQL 13+ (no row before): in MB, -1 for unlimited.
         (SELECT setting FROM pg_settings WHERE name = 'max_slot_wal_keep_size') AS max_slot_wal_keep_mb
), slots AS (
  SELECT ${SLOT_COLUMNS},
         extract(epoch FROM now() - (s.j ->> 'inactive_since')::timestamptz)::float8 AS inactive_seconds,
         age(s.xmin) AS xmin_age,
         age(s.catalog_xmin) AS catalog_xmin_age
    FROM ${SLOT_FROM}
)
SELECT server.*, slots.*
  FROM server
  LEFT JOIN slots ON true
 -- slot_name is text here; "C" is the order of its name column (what the reader sorts by).
 ORDER BY slots.slot_name COLLATE "C"`;

/** pg_wal as the server sees it: one row, every file (segments, .history, .partial, .backup). */
export const WAL_DIR_SQL = `SELECT count(*)::int AS files, coalesce(sum(size), 0)::text AS bytes FROM pg_ls_waldir()`;

/** pg_ls_waldir() is not granted to this login (by default only superusers and pg_monitor members). */
export class WalDirNotPermittedError extends OrchestratorError {
  override readonly name = 'WalDirNotPermittedError';
}

/** The health reads over any pg client, pool or pool client. */
export function buildPgHealthReader(db: Queryable): PgHealthReader {
  return {
    async readSlots() {
      const { rows } = await db.query<HealthRow>(HEALTH_SLOTS_SQL);
      return toSnapshot(rows);
    },
    async readWalDir() {
      try {
        const { rows } = await db.query<{ files: number; bytes: string }>(WAL_DIR_SQL);
        const row = rows[0];
        return { files: row?.files ?? 0, bytes: Number(row?.bytes ?? 0) } satisfies WalDirReading;
      } catch (error) {
        if (sqlState(error) === SQLSTATE.insufficientPrivilege) {
          throw new WalDirNotPermittedError(
            'pg_ls_waldir() is not permitted for this login',
            'GRANT pg_monitor TO the health-check user (or GRANT EXECUTE ON FUNCTION pg_ls_waldir() TO it); ' +
              'on RDS, set rdsInstanceId to read TransactionLogsDiskUsage from CloudWatch instead',
          );
        }
        throw error;
      }
    },
  };
}

/** Opens one session per check with `connect` and the config, and always closes it. */
export function pgSourceOpener(config: pg.ClientConfig, connect?: PgConnector): OpenSource {
  return (use) => withPgClient(config, (client) => use(buildPgHealthReader(client)), connect);
}

function toSnapshot(rows: readonly HealthRow[]): SlotsSnapshot {
  const first = rows[0];
  if (!first) throw new Error('the health query returned no row');
  const serverLsn = parseLsn(first.server_lsn, 'server_lsn');
  return {
    serverVersion: first.server_version,
    serverTime: Date.parse(first.server_time),
    inRecovery: first.in_recovery,
    serverLsn,
    slotWalLimit: slotWalLimit(first.max_slot_wal_keep_mb),
    slots: rows.flatMap((row) => (row.slot_name === null ? [] : [toSlotHealth(row, serverLsn)])),
  };
}

function slotWalLimit(setting: string | null): SlotWalLimit {
  if (setting === null) return 'unavailable';
  const mb = Number(setting);
  return mb < 0 ? 'unlimited' : { bytes: mb * 1024 * 1024 };
}

function toSlotHealth(row: HealthRow, serverLsn: Lsn): SlotHealth {
  const ages = [row.xmin_age, row.catalog_xmin_age].filter((age): age is number => age !== null);
  return {
    reading: measureSlot(toSlotState({ ...row, slot_name: row.slot_name ?? '' }), serverLsn, row.in_recovery),
    xminAge: ages.length > 0 ? Math.max(...ages) : null,
    inactiveSeconds:
      row.active || row.inactive_seconds === null ? null : Math.max(0, Number(row.inactive_seconds)),
    invalidationReason: row.invalidation_reason ?? null,
    idleTimeoutLeftSeconds: idleTimeoutLeft(row),
  };
}

/** Seconds until PostgreSQL 18 invalidates this inactive slot (idle_replication_slot_timeout); else null. */
function idleTimeoutLeft(row: HealthRow): number | null {
  const timeout = row.idle_timeout_seconds;
  if (
    !timeout ||
    timeout <= 0 ||
    row.active ||
    row.inactive_seconds === null ||
    row.invalidation_reason !== null
  )
    return null;
  // Only logical slots that hold WAL are invalidated; the invalidation itself waits for a checkpoint.
  return Math.max(0, Math.round(timeout - Number(row.inactive_seconds)));
}
