// npm run bench:recovery: the recovery fault matrix, each scenario on fresh PostgreSQL 17
// servers with the local DMS engine and the real recover machine, polls shortened (timeScale 0.2;
// 0.02 for the unreachable source, whose Decide retries then take ~3.9 s instead of ~195 s).
// Per scenario: the first decision, the time from the injected fault to the machine's action (the
// resume or new-task start, else its final notification; detection of the task failure included), and
// the rows the target lacks at the end, after every data-preserving step (a person's re-run included
// where the machine escalates). Goal: 0 rows lost wherever a data-preserving path exists.
//
//   npm run bench:recovery                 table on stdout, progress on stderr
//   npm run -s bench:recovery -- --json    only the JSON array on stdout
//   SCENARIOS=a,c npm run bench:recovery   a subset

import { removeBenchPgRoot, useBenchPgRoot } from './pg-root.js';

useBenchPgRoot('recovery');
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const { runRecoveryMatrix, matrixRow, matrixTableRows } = await import('../src/local/recovery/matrix.js');
const { table } = await import('../src/cli/output.js');

const json = process.argv.includes('--json');
const ids = process.env.SCENARIOS?.split(',')
  .map((s) => s.trim())
  .filter(Boolean);
const started = Date.now();
// The servers go with each scenario; the root (and its initdb template) goes with the benchmark.
const results = await runRecoveryMatrix({
  ...(ids && { ids }),
  onProgress: (text) => process.stderr.write(`${text}\n`),
}).finally(() => removeBenchPgRoot());

if (json) {
  process.stdout.write(`${JSON.stringify(results.map(matrixRow), null, 2)}\n`);
} else {
  const { headers, rows } = matrixTableRows(results);
  console.log(table(headers, rows));
  const missed = results.filter((r) => r.dataPreservingPathExists && (r.rowsLost > 0 || r.rowsExtra > 0));
  console.log(
    `\n${results.length} scenarios in ${((Date.now() - started) / 1000).toFixed(1)} s; ` +
      (missed.length === 0
        ? 'rows lost 0 wherever a data-preserving path exists'
        : `GOAL MISSED: ${missed.map((r) => r.scenario).join(', ')} lost or duplicated rows`),
  );
}
const failed = results.some((r) => r.dataPreservingPathExists && (r.rowsLost > 0 || r.rowsExtra > 0));
process.exitCode = failed ? 1 : 0;
