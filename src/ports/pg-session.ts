import type pg from 'pg';

/** The one method the adapters use: satisfied by pg.Client, pg.Pool and pg.PoolClient. */
export type Queryable = Pick<pg.Client, 'query'>;

/** A connected client the caller must end: what one invocation uses. */
export interface PgSession extends Queryable {
  end(): Promise<void>;
}

/** Opens a session; src/adapters/pg/client.ts classifies a failed connect into typed errors. */
export type PgConnector = (config: pg.ClientConfig) => Promise<PgSession>;
