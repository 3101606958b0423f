import type pg from 'pg';
import type { PgConnector, PgSession } from '../client.js';
import type { Queryable } from '../queryable.js';

/**
 * One server's side of a comparison: a connection whose session shows values the same way on both
 * servers (what key text and split values are written in), inside one read-only REPEATABLE READ
 * transaction so every range is read from the same snapshot.
 */
export interface VerifySession {
  readonly db: PgSession;
  readonly pid: number;
  readonly config: pg.ClientConfig;
  /** Major version (server_version_num / 10000). */
  readonly major: number;
}

const SESSION_SETTINGS = [
  "SET TimeZone TO 'UTC'",
  "SET DateStyle TO 'ISO, YMD'",
  "SET IntervalStyle TO 'postgres'",
  'SET extra_float_digits TO 1',
  "SET bytea_output TO 'hex'",
  // The comparison reads only; a long one must not be cut by a server default meant for applications.
  'SET statement_timeout TO 0',
  'SET idle_in_transaction_session_timeout TO 0',
  'SET default_transaction_read_only TO on',
  // The planner cannot know a width_bucket has at most a thousand values and would sort every row
  // (to disk) to group them; hashing them is what fits. Sorts it cannot avoid still run.
  'SET enable_sort TO off',
];

/** Sets how values are shown (and that nothing is written) on a connection, for this session. */
export async function applySessionSettings(db: Queryable): Promise<void> {
  await db.query(SESSION_SETTINGS.join(';\n'));
}

export async function openVerifySession(
  connect: PgConnector,
  config: pg.ClientConfig,
): Promise<VerifySession> {
  const db = await connect(config);
  try {
    await applySessionSettings(db);
    const { rows } = await db.query<{ pid: number; version: string }>(
      `SELECT pg_backend_pid() AS pid, current_setting('server_version_num') AS version`,
    );
    await db.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const row = rows[0] as { pid: number; version: string };
    return { db, pid: row.pid, config, major: Math.floor(Number(row.version) / 10_000) };
  } catch (error) {
    await db.end().catch(() => undefined);
    throw error;
  }
}

export async function closeVerifySession(session: VerifySession): Promise<void> {
  await session.db.query('COMMIT').catch(() => undefined);
  await session.db.end().catch(() => undefined);
}

/**
 * Cancels the statement the session is running, from a second connection (node-postgres has no
 * cancel request of its own): a Ctrl-C must not leave a scan of a large table running on a server.
 */
export async function cancelVerifySession(connect: PgConnector, session: VerifySession): Promise<void> {
  try {
    const other = await connect(session.config);
    try {
      await other.query('SELECT pg_cancel_backend($1)', [session.pid]);
    } finally {
      await other.end().catch(() => undefined);
    }
  } catch {
    // The server is gone or refuses: closing the connection below is all that is left to do.
  }
}
