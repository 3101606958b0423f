import type pg from 'pg';
import { DEMO_TRANSACTION_SQL } from '../demo-schema.js';
import type { PgNode } from '../postgres/index.js';

export interface RecoveryWorkload {
  /** Transactions committed so far. */
  readonly committed: () => number;
  /** Stops after the transaction in flight. Never throws: a workload on a server that died just ends. */
  stop(): Promise<void>;
  /** Why it ended early (the server went away), if it did. */
  readonly failure: () => unknown;
}

/**
 * The demo workload for recovery scenarios: a customer with three orders per tick, and every fifth tick
 * an update and a delete of earlier rows, so CDC carries all three kinds of change. Numbered from
 * `firstNumber` (rows are found by their e-mail, never by an identity value), so a second workload on a
 * promoted standby continues the numbering without clashing with what the old primary wrote.
 */
export async function startRecoveryWorkload(
  node: PgNode,
  options: { readonly transactionsPerSecond: number; readonly firstNumber: number },
): Promise<RecoveryWorkload> {
  const client = await node.connect('postgres', 'dms-cdc-recovery-workload');
  client.on('error', () => undefined);
  let committed = 0;
  let stopping = false;
  let failure: unknown;
  const interval = 1000 / options.transactionsPerSecond;
  const loop = (async () => {
    const started = Date.now();
    while (!stopping) {
      try {
        await tick(client, options.firstNumber + committed);
      } catch (error) {
        failure = error;
        return;
      }
      committed += 1;
      const wait = started + committed * interval - Date.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    }
  })();
  return {
    committed: () => committed,
    failure: () => failure,
    async stop() {
      stopping = true;
      await loop;
      await client.end().catch(() => undefined);
    },
  };
}

const BY_EMAIL = `(SELECT id FROM shop.customers WHERE email = 'customer' || $1::text || '@example.com')`;

async function tick(client: pg.Client, n: number): Promise<void> {
  await client.query(DEMO_TRANSACTION_SQL, [n]);
  if (n % 5 === 0) {
    await client.query(`UPDATE shop.orders SET status = 'paid' WHERE customer_id = ${BY_EMAIL}`, [n - 2]);
    await client.query(
      `DELETE FROM shop.orders WHERE id = (SELECT min(id) FROM shop.orders WHERE customer_id = ${BY_EMAIL})`,
      [n - 3],
    );
  }
}
