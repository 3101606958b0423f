import type { PreflightCheck } from '../context.js';
import { listNames } from '../listing.js';
import { REF } from '../references.js';

const longRunningTransactions: PreflightCheck = {
  id: 'workload.long-running-transactions',
  reference: REF.limitations,
  evaluate({ facts, longTransactionSeconds, slot }) {
    const old = facts.transactions.filter((t) => t.ageSeconds >= longTransactionSeconds);
    if (old.length === 0) return [];
    const oldest = Math.max(...old.map((t) => t.ageSeconds));
    return [
      {
        severity: 'warning',
        title: `Transactions open for more than ${longTransactionSeconds} s: ${old.length}`,
        observed: listNames(
          old.map(
            (t) =>
              `pid ${t.pid} (${t.user ?? '?'}${t.application ? `, ${t.application}` : ''}, ${t.state ?? '?'}, ${t.ageSeconds} s${t.hasXid ? ', has written' : ''})`,
          ),
        ),
        expected: `no transaction older than ${longTransactionSeconds} s: a long transaction pins restart_lsn, spills to disk while decoded${
          slot ? '' : ' and makes creating the DMS slot wait until it ends'
        }`,
        remedy: `Let them finish or end them (oldest ${oldest} s): SELECT pg_terminate_backend(<pid>); split batch jobs into smaller transactions`,
        reference: REF.pgStatActivity,
      },
    ];
  },
};

const preparedTransactions: PreflightCheck = {
  id: 'workload.prepared-transactions',
  reference: REF.pgPreparedXacts,
  evaluate({ facts, slot }) {
    const prepared = facts.preparedTransactions;
    if (prepared.length === 0) return [];
    // Creating a logical slot waits for every running transaction, and a prepared one runs until
    // someone commits or rolls it back: with no existing slot the DMS task would hang at start.
    const createsSlot = slot === undefined;
    return [
      {
        severity: createsSlot ? 'blocker' : 'warning',
        title: `Prepared transactions waiting for COMMIT PREPARED / ROLLBACK PREPARED: ${prepared.length}`,
        observed: listNames(prepared.map((p) => `'${p.gid}' (${p.owner}@${p.database}, ${p.ageSeconds} s)`)),
        expected: `no prepared transactions: they pin WAL${createsSlot ? ' and block the creation of the DMS slot' : ''}, and DMS does not process two-phase commits`,
        remedy: "COMMIT PREPARED '<gid>'; or ROLLBACK PREPARED '<gid>'; as the owner, in its database",
      },
    ];
  },
};

export const WORKLOAD_CHECKS: readonly PreflightCheck[] = [longRunningTransactions, preparedTransactions];
