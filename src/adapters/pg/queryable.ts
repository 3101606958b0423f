import type pg from 'pg';

/** The one method the adapters use: satisfied by pg.Client, pg.Pool and pg.PoolClient. */
export type Queryable = Pick<pg.Client, 'query'>;
