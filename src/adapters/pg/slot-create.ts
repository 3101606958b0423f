import type pg from 'pg';
import { InvalidInputError } from '../../core/errors.js';
import { OUTPUT_PLUGIN_LIBRARIES, splitListSetting } from '../../core/output-plugin-libraries.js';
import {
  OutputPluginNotAllowedError,
  SlotCreationBlockedError,
  type SlotCreationBlocker,
} from '../../core/slot-errors.js';
import type { SlotPlugin } from '../../core/start-position.js';
import { buildPgSourceDb } from './slots.js';
import { SQLSTATE, sqlState } from './sqlstate.js';

export type Connect = () => Promise<pg.Client>;

export interface CreateLogicalSlotOptions {
  readonly plugin: SlotPlugin;
  /** PostgreSQL 17+: keep the slot across a standby promotion (needs a synced standby). */
  readonly failover: boolean;
  /** How long creation may wait for transactions that were running when it started. */
  readonly timeoutMs: number;
}

/**
 * Creates a logical slot, bounded in time. pg_create_logical_replication_slot must wait for every
 * transaction running when it started (to build a consistent snapshot) and would wait forever for
 * a forgotten idle-in-transaction session or prepared transaction. Past the deadline, a second
 * connection records who blocks the creating backend, cancels it, and the error names them.
 *
 * Returns false when the slot already existed (created by a concurrent run): the caller then
 * checks that the existing slot matches.
 */
export async function createLogicalSlot(
  connect: Connect,
  slotName: string,
  options: CreateLogicalSlotOptions,
): Promise<boolean> {
  const creator = await connect();
  try {
    // Whether pg_create_logical_replication_slot takes a failover argument (PostgreSQL 17+): read from
    // the function's own signature, not guessed from the version.
    const [{ pid = 0, hasFailover = false } = {}] = (
      await creator.query<{ pid: number; hasFailover: boolean }>(
        `SELECT pg_backend_pid() AS pid,
                EXISTS (SELECT 1 FROM pg_proc WHERE proname = 'pg_create_logical_replication_slot'
                          AND pronamespace = 'pg_catalog'::regnamespace
                          AND 'failover' = ANY (proargnames)) AS "hasFailover"`,
      )
    ).rows;
    if (options.failover && !hasFailover) {
      throw new InvalidInputError(
        'failover',
        'failover slots need PostgreSQL 17 or later',
        'Create the slot without failover',
      );
    }
    const sql = hasFailover
      ? 'SELECT lsn::text FROM pg_create_logical_replication_slot($1, $2, false, false, $3)'
      : 'SELECT lsn::text FROM pg_create_logical_replication_slot($1, $2)';
    const params = hasFailover ? [slotName, options.plugin, options.failover] : [slotName, options.plugin];
    const creation = creator.query(sql, params).then(
      () => true,
      async (error: unknown) => {
        const code = sqlState(error);
        if (code === SQLSTATE.duplicateObject) return false;
        if (code === SQLSTATE.insufficientPrivilege) {
          throw (await outputPluginRefusal(creator, slotName, options.plugin, error)) ?? error;
        }
        throw error;
      },
    );
    const outcome = await raceDeadline(creation, options.timeoutMs);
    if (outcome !== TIMED_OUT) return outcome;
    return await giveUp(creator, connect, pid, creation, slotName, options.timeoutMs);
  } finally {
    await creator.end().catch(() => undefined);
  }
}

// How long a cancelled creation may take to end (its backend answers a cancel at once).
const SETTLE_MS = 10_000;

/**
 * Past the deadline: name the blockers, cancel the creating backend, and wait for the creation to
 * end. A giving-up creation never leaves a slot behind a failure: the creation may have finished
 * between the deadline and the cancel (then the slot is reported as made), or the cancel may land
 * after the slot was persisted (then it exists and is reported as found); only when no slot exists
 * is the creation reported as blocked.
 */
async function giveUp(
  creator: pg.Client,
  connect: Connect,
  pid: number,
  creation: Promise<boolean>,
  slotName: string,
  timeoutMs: number,
): Promise<boolean> {
  let blockers: SlotCreationBlocker[] = [];
  let cancelError: unknown;
  try {
    blockers = await identifyBlockersAndCancel(connect, pid);
  } catch (error) {
    cancelError = error;
  }
  const settled = await raceDeadline(
    creation.then(
      (made) => ({ made }),
      () => ({ made: undefined }),
    ),
    SETTLE_MS,
  );
  if (settled === TIMED_OUT) {
    // Not cancelled: the backend goes on creating even after this connection closes.
    throw new SlotCreationBlockedError(slotName, timeoutMs, blockers, 'may-still-be-created');
  }
  if (settled.made !== undefined) return settled.made;
  // A lookup that fails counts as the slot being there (not created here): never a second creation.
  const exists = await buildPgSourceDb(creator)
    .readSlot(slotName)
    .then(
      (reading) => reading !== undefined,
      () => true,
    );
  if (exists) return false;
  if (cancelError !== undefined && blockers.length === 0) throw cancelError;
  throw new SlotCreationBlockedError(slotName, timeoutMs, blockers);
}

// current_setting(name, true) is NULL where the server has no such parameter.
const OUTPUT_PLUGINS_SQL = `
SELECT current_setting($1::text, true) AS libraries,
       current_setting('rds.extensions', true) IS NOT NULL AS rds,
       to_regprocedure('aurora_version()') IS NOT NULL AS aurora`;

/**
 * A 42501 (insufficient_privilege) from slot creation is the server's output_plugin_libraries
 * refusing the plugin when the error names the plugin's library and the server, asked on the same
 * session, has the parameter without that library. A role without REPLICATION gets 42501 too, and
 * is left as it is (its message names no library).
 */
async function outputPluginRefusal(
  creator: pg.Client,
  slotName: string,
  plugin: SlotPlugin,
  error: unknown,
): Promise<OutputPluginNotAllowedError | undefined> {
  if (!(error instanceof Error) || !error.message.includes(plugin)) return undefined;
  const { rows } = await creator
    .query<{ libraries: string | null; rds: boolean; aurora: boolean }>(OUTPUT_PLUGINS_SQL, [
      OUTPUT_PLUGIN_LIBRARIES,
    ])
    .catch(() => ({ rows: [] }));
  const row = rows[0];
  if (!row || row.libraries === null) return undefined;
  const listed = splitListSetting(row.libraries);
  if (listed.includes(plugin)) return undefined;
  const platform = row.aurora ? 'aurora' : row.rds ? 'rds' : 'self-managed';
  return new OutputPluginNotAllowedError(slotName, plugin, listed, platform);
}

const TIMED_OUT = Symbol('timed out');

async function raceDeadline<T>(work: Promise<T>, timeoutMs: number): Promise<T | typeof TIMED_OUT> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<typeof TIMED_OUT>((resolve) => {
    timer = setTimeout(() => resolve(TIMED_OUT), timeoutMs);
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

// pg_blocking_pids reports the holders of the transaction locks the snapshot builder waits on;
// a prepared transaction holds its lock without a backend and shows up as PID 0.
const BLOCKERS_SQL = `
WITH blocking AS (SELECT unnest(pg_blocking_pids($1::int)) AS pid)
SELECT a.pid, a.application_name, a.usename::text AS usename, a.state,
       to_char(a.xact_start AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS xact_start,
       NULL::text AS gid
  FROM blocking b JOIN pg_stat_activity a ON a.pid = b.pid
UNION ALL
SELECT NULL, NULL, p.owner::text, 'prepared',
       to_char(p.prepared AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), p.gid
  FROM pg_prepared_xacts p
 WHERE EXISTS (SELECT 1 FROM blocking WHERE pid = 0)`;

interface BlockerRow {
  pid: number | null;
  application_name: string | null;
  usename: string | null;
  state: string | null;
  xact_start: string | null;
  gid: string | null;
}

async function identifyBlockersAndCancel(
  connect: Connect,
  creatorPid: number,
): Promise<SlotCreationBlocker[]> {
  const observer = await connect();
  try {
    const { rows } = await observer.query<BlockerRow>(BLOCKERS_SQL, [creatorPid]);
    await observer.query('SELECT pg_cancel_backend($1)', [creatorPid]);
    return rows.map((r) => ({
      pid: r.pid,
      application: r.application_name || null,
      user: r.usename,
      state: r.state,
      transactionStart: r.xact_start,
      preparedGid: r.gid,
    }));
  } finally {
    await observer.end().catch(() => undefined);
  }
}
