import type pg from 'pg';
import { DEMO_TRANSACTION_SQL } from '../demo-schema.js';
import type { PgNode } from '../postgres/index.js';

export interface Workload {
  /** Transactions committed so far. */
  readonly committed: () => number;
  /** Stops after the transaction in flight; resolves once it has committed. */
  stop(): Promise<void>;
}

/**
 * A steady demo workload on the source: every tick a new customer with three orders, and every
 * fifth tick an update and a delete of earlier rows, so CDC carries all three kinds of change.
 */
export async function startWorkload(source: PgNode, transactionsPerSecond: number): Promise<Workload> {
  const client = await source.connect('postgres', 'dms-cdc-rehearsal-workload');
  let committed = 0;
  let stopping = false;
  const interval = 1000 / transactionsPerSecond;
  const loop = (async () => {
    const started = Date.now();
    while (!stopping) {
      committed += 1;
      await tick(client, committed);
      const wait = started + committed * interval - Date.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    }
  })();
  return {
    committed: () => committed,
    async stop() {
      stopping = true;
      await loop;
      await client.end();
    },
  };
}

async function tick(client: pg.Client, n: number): Promise<void> {
  await client.query(DEMO_TRANSACTION_SQL, [n]);
  if (n % 5 === 0) {
    await client.query(`UPDATE shop.orders SET status = 'paid' WHERE customer_id = $1`, [n - 2]);
    await client.query(
      `DELETE FROM shop.orders WHERE id = (SELECT min(id) FROM shop.orders WHERE customer_id = $1)`,
      [n - 3],
    );
  }
}
