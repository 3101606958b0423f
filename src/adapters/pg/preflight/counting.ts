import type { Queryable } from '../queryable.js';

/** A Queryable that counts the statements sent through it: the preflight reports its round trips. */
export interface CountingQueryable extends Queryable {
  readonly roundTrips: () => number;
}

export function countRoundTrips(db: Queryable): CountingQueryable {
  let count = 0;
  const query = ((...args: Parameters<Queryable['query']>) => {
    count += 1;
    return (db.query as (...a: unknown[]) => unknown)(...args);
  }) as Queryable['query'];
  return { query, roundTrips: () => count };
}
