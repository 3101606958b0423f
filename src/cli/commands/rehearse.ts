import { formatBytes } from '../../core/slot.js';
import { type RehearsalReport, rehearse } from '../../local/rehearsal.js';
import { type Command, positiveInteger } from '../args.js';
import { table } from '../output.js';

export const rehearseCommand: Command = {
  name: 'rehearse',
  summary: 'Rehearse locally on embedded PostgreSQL 17 (what `npm start` runs)',
  usage: `dms-cdc rehearse [--transactions <n>] [--keep] [--json]

  Starts an embedded PostgreSQL 17 source with a demo schema and a test_decoding slot, commits
  a write workload, lets a consumer confirm half of it, and reports the slot's restart_lsn,
  confirmed_flush_lsn and lag. Everything it starts is removed at the end (or on Ctrl-C).

  --transactions <n>  demo transactions to commit (default 200)
  --keep              leave the source running for exploration until Ctrl-C
  --json              print only the final report as JSON`,
  options: {
    transactions: { type: 'string' },
    keep: { type: 'boolean' },
    json: { type: 'boolean' },
  },
  async run(values, { output, signal }) {
    const report = await rehearse({
      transactions: positiveInteger(values, 'transactions', 200),
      keep: values.keep === true,
      signal,
      onProgress: values.json ? () => undefined : (text) => output.progress(text),
    });
    if (values.json) output.json(report);
    else output.result(renderReport(report));
    return report.status === 'SUCCEEDED' ? 0 : 130;
  },
};

function renderReport(report: RehearsalReport): string {
  const { slot } = report;
  return [
    `rehearsal ${report.status} in ${report.durationMs} ms on PostgreSQL ${report.serverVersion}`,
    `committed ${report.transactionsCommitted} transactions; consumer confirmed ${report.changesConsumed} changes up to ${report.consumedUpTo}`,
    '',
    table(
      ['slot', 'restart_lsn', 'confirmed_flush_lsn', 'server lsn', 'lag', 'retained WAL', 'wal_status'],
      [
        [
          slot.slotName,
          slot.restartLsn ?? '-',
          slot.confirmedFlushLsn ?? '-',
          slot.serverLsn,
          formatBytes(slot.lagBytes === null ? null : BigInt(slot.lagBytes)),
          formatBytes(slot.retainedWalBytes === null ? null : BigInt(slot.retainedWalBytes)),
          slot.walStatus ?? '-',
        ],
      ],
    ),
  ].join('\n');
}
