import { buildPgSourceDb } from '../adapters/pg/slots.js';
import { formatLsn, parseLsn } from '../core/lsn.js';
import { type SlotReport, toSlotReport } from '../core/slot.js';
import { DEMO_SCHEMA_SQL, DEMO_TRANSACTION_SQL } from './demo-schema.js';
import { type PgNode, startPrimary } from './postgres/index.js';

export const REHEARSAL_SLOT = 'dms_rehearsal_slot';

export interface RehearsalOptions {
  /** Demo transactions to commit (one customer and three orders each). */
  readonly transactions: number;
  /** Leave the server running until the signal aborts (for exploring with psql). */
  readonly keep: boolean;
  readonly signal: AbortSignal;
  readonly onProgress: (text: string) => void;
}

export interface RehearsalReport {
  readonly status: 'SUCCEEDED' | 'ABORTED';
  readonly durationMs: number;
  readonly serverVersion: string;
  readonly transactionsCommitted: number;
  /** Where the stand-in consumer confirmed up to (half-way), so the slot shows a real lag. */
  readonly consumedUpTo: string;
  readonly changesConsumed: number;
  readonly slot: SlotReport;
}

/**
 * Today's local rehearsal: a real PostgreSQL 17 source with a demo schema, an existing
 * test_decoding slot, a write workload, and a consumer that has confirmed half of it,
 * so the slot's restart_lsn, confirmed_flush_lsn and lag are real numbers from a real server.
 */
export async function rehearse(options: RehearsalOptions): Promise<RehearsalReport> {
  const started = Date.now();
  options.onProgress('starting embedded PostgreSQL 17 (wal_level=logical)...');
  const source = await startPrimary({ name: 'rehearsal-source' });
  try {
    return await rehearseOn(source, options, started);
  } finally {
    await source.destroy();
    options.onProgress('source stopped and removed');
  }
}

async function rehearseOn(
  source: PgNode,
  options: RehearsalOptions,
  started: number,
): Promise<RehearsalReport> {
  const client = await source.connect('postgres', 'dms-cdc-rehearsal');
  try {
    const [{ version = '' } = {}] = (
      await client.query<{ version: string }>("SELECT current_setting('server_version') AS version")
    ).rows;
    options.onProgress(`source ready: PostgreSQL ${version} at ${source.url()}`);
    await client.query(DEMO_SCHEMA_SQL);
    await client.query(`SELECT pg_create_logical_replication_slot($1, 'test_decoding')`, [REHEARSAL_SLOT]);
    options.onProgress(
      `created slot ${REHEARSAL_SLOT} (test_decoding); writing ${options.transactions} transactions`,
    );

    let committed = 0;
    let halfway = '';
    for (let i = 1; i <= options.transactions && !options.signal.aborted; i += 1) {
      await client.query(DEMO_TRANSACTION_SQL, [i]);
      committed += 1;
      if (i === Math.ceil(options.transactions / 2)) {
        halfway =
          (await client.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn')).rows[0]?.lsn ??
          '';
      }
    }
    // A stand-in consumer reads and confirms the first half, as DMS would while catching up.
    const consumed = await client.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM pg_logical_slot_get_changes($1, $2::pg_lsn, NULL)',
      [REHEARSAL_SLOT, halfway || '0/0'],
    );
    const reading = await buildPgSourceDb(client).readSlot(REHEARSAL_SLOT);
    if (!reading) throw new Error(`slot ${REHEARSAL_SLOT} disappeared during the rehearsal`);

    if (options.keep && !options.signal.aborted) {
      options.onProgress(
        `--keep: source left running at ${source.url()} (slot ${REHEARSAL_SLOT}); Ctrl-C to stop`,
      );
      await abortion(options.signal);
    }
    return {
      status: options.signal.aborted ? 'ABORTED' : 'SUCCEEDED',
      durationMs: Date.now() - started,
      serverVersion: version,
      transactionsCommitted: committed,
      consumedUpTo: halfway ? formatLsn(parseLsn(halfway)) : '0/0',
      changesConsumed: consumed.rows[0]?.n ?? 0,
      slot: toSlotReport(reading),
    };
  } finally {
    await client.end();
  }
}

function abortion(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
}
