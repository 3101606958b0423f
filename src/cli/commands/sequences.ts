import { connectPg } from '../../adapters/pg/client.js';
import { connectionFromUrl, toPgConfig } from '../../adapters/pg/connection.js';
import { syncSequencesOverPg } from '../../adapters/pg/sequences.js';
import { MAX_SEQUENCE_GAP, type SyncStep, summarizeSync, withoutSetval } from '../../core/sequences/index.js';
import { type Command, databaseUrl, quoteFlagValue, UsageError } from '../args.js';
import { couldNotRun } from '../could-not-run.js';
import { table } from '../output.js';
import { withPassword } from '../source.js';
import { readTableMappingsFile } from '../table-mappings-file.js';

export const sequencesSyncCommand: Command = {
  name: 'sequences sync',
  summary: "Set each target sequence in scope to the source's value (plus a gap), never moving one back",
  usage: `dms-cdc sequences sync --source <url> --target <url> [--table-mappings FILE] [--gap N]
                          [--dry-run] [--json]

  DMS does not carry sequence values. This sets every target sequence of the tables in scope (owned
  by a column, or called by a column default) and the standalone sequences of their schemas to where
  the source's stands, plus N values. A target already there or further along is left as it is, so
  running it again changes nothing. Run it after the task stopped: the source must be quiet.

  --source <url>           postgres://user@host:5432/db?sslmode=verify-full (or DMS_CDC_SOURCE_URL)
  --target <url>           the PostgreSQL target (or DMS_CDC_TARGET_URL). Passwords come from
                           PGPASSWORD or ~/.pgpass (PGPASSFILE), never from the URLs.
  --table-mappings <file>  the task's table-mapping JSON (default: every user table)
  --gap <n>                skip n values past the source's (n x increment; 0 to ${MAX_SEQUENCE_GAP}, default 0)
  --dry-run                read and plan, change nothing
  --json                   print JSON

  The source role needs SELECT on the sequences; the target role SELECT and UPDATE.

exit status: 0 every sequence in step (or ahead), 1 some could not be set (missing on the target, no
privilege, past its bounds), 2 the command could not run`,
  options: {
    source: { type: 'string' },
    target: { type: 'string' },
    'table-mappings': { type: 'string' },
    gap: { type: 'string' },
    'dry-run': { type: 'boolean' },
    json: { type: 'boolean' },
  },
  async run(values, { output, env }) {
    const sourceUrl = databaseUrl(values, env, 'source');
    const targetUrl = databaseUrl(values, env, 'target');
    const gap = parseGap(values.gap);
    const dryRun = values['dry-run'] === true;
    try {
      const mappings = await readTableMappingsFile(values['table-mappings'] as string | undefined);
      const config = (url: string, flag: string) =>
        toPgConfig(withPassword(connectionFromUrl(url, flag), env), 'dms-cdc-sequences');
      const databases = { source: config(sourceUrl, '--source'), target: config(targetUrl, '--target') };
      const steps = await syncSequencesOverPg(connectPg, databases, { mappings, gap, dryRun });
      const summary = summarizeSync(steps);
      if (values.json) output.json({ dryRun, gap, sequences: steps.map(withoutSetval), summary });
      else output.result(renderSync(steps, dryRun));
      return summary.notSynced > 0 ? 1 : 0;
    } catch (error) {
      output.error(couldNotRun('sequences sync', error));
      return 2;
    }
  },
};

export const SEQUENCES_COMMANDS: readonly Command[] = [sequencesSyncCommand];

/** --gap: a whole number from 0 (the default) to MAX_SEQUENCE_GAP; a UsageError when malformed. */
function parseGap(value: string | boolean | undefined): number {
  if (value === undefined) return 0;
  const n = typeof value === 'string' && /^[0-9]{1,10}$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isInteger(n) || n > MAX_SEQUENCE_GAP)
    throw new UsageError(
      `--gap must be a whole number from 0 to ${MAX_SEQUENCE_GAP}, got ${quoteFlagValue(value)}`,
    );
  return n;
}

function renderSync(steps: readonly SyncStep[], dryRun: boolean): string {
  const s = summarizeSync(steps);
  const rows = steps.map((step) => [
    step.name,
    step.target === step.name ? '' : step.target,
    dryRun && step.action === 'set' ? 'would set' : step.action,
    step.from === null ? '-' : String(step.from),
    step.to === null ? '-' : String(step.to),
    step.reason,
  ]);
  const header = ['sequence', 'target name', 'action', 'target was', 'wanted', 'why'];
  return [
    steps.length === 0 ? 'no sequences in scope' : table(header, rows),
    '',
    `${s.sequences} sequences: ${dryRun ? 'would set' : 'set'} ${s.set}, in step ${s.inStep}, ` +
      `target ahead ${s.targetAhead}, not synced ${s.notSynced}${dryRun ? ' (dry run: nothing changed)' : ''}`,
  ].join('\n');
}
