import { type RehearsalReport, rehearse } from '../../local/rehearsal.js';
import { type Command, positiveInteger } from '../args.js';
import { table } from '../output.js';

export const rehearseCommand: Command = {
  name: 'rehearse',
  summary: 'Rehearse a whole cutover locally on embedded PostgreSQL 17 (what `npm start` runs)',
  usage: `dms-cdc rehearse [--tps <n>] [--seconds <n>] [--keep] [--json]

  Starts two embedded PostgreSQL 17 servers (source and target) with a demo schema, an existing
  test_decoding slot and a steady write workload, and runs the real cutover state machine
  (statemachines/cutover.asl.json) with the real handlers and a local DMS engine: preflight, slot,
  endpoint, CDC task from the slot's confirmed_flush_lsn, catch-up, stop position, verification.
  The final report compares every row by primary key. Everything is removed at the end or on Ctrl-C.

  --tps <n>       workload transactions per second (default 50)
  --seconds <n>   how long the workload runs (default 20); the task stops 4 s later
  --keep          leave the servers running for exploration until Ctrl-C
  --json          print only the final report as JSON (use npm start -s -- --json)`,
  options: {
    tps: { type: 'string' },
    seconds: { type: 'string' },
    keep: { type: 'boolean' },
    json: { type: 'boolean' },
  },
  async run(values, { output, signal }) {
    const report = await rehearse({
      transactionsPerSecond: positiveInteger(values, 'tps', 50, 10_000),
      workloadSeconds: positiveInteger(values, 'seconds', 20, 3600),
      keep: values.keep === true,
      signal,
      onProgress: values.json ? () => undefined : (text) => output.progress(text),
    });
    if (values.json) output.json(report);
    else output.result(renderReport(report));
    if (report.status === 'ABORTED') return 130;
    return report.status === 'SUCCEEDED' && report.mismatches === 0 ? 0 : 1;
  },
};

export function renderReport(report: RehearsalReport): string {
  const verdict = report.mismatches === 0 ? 'source equals target' : `${report.mismatches} rows differ`;
  return [
    `cutover rehearsal ${report.status}: ${verdict}`,
    `  ${report.transitions} state transitions; cutover ${report.cutoverMs} ms; catch-up ${report.catchUpMs ?? '-'} ms; total ${report.durationMs} ms`,
    `  task started at ${report.startLsn ?? '-'}; caught up at ${report.caughtUpLsn ?? '-'}`,
    `  workload ${report.workloadTransactions} transactions; engine applied ${report.appliedChanges} changes; ${report.alerts} notifications`,
    ...(report.error ? [`  error: ${report.error}`] : []),
    '',
    table(
      ['table', 'source rows', 'target rows'],
      report.tables.map((t) => [t.name, String(t.sourceRows), String(t.targetRows)]),
    ),
  ].join('\n');
}
