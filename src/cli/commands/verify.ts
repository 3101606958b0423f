import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { connectPg } from '../../adapters/pg/client.js';
import { connectionFromUrl, describeConnection, toPgConfig } from '../../adapters/pg/connection.js';
import { verifyOverPg } from '../../adapters/pg/verify/index.js';
import { progressLine } from '../../core/verify/progress.js';
import { renderVerifyReport } from '../../core/verify/render.js';
import { REPAIR_FOOTER, repairHeader } from '../../core/verify/repair.js';
import { type Command, type CommandContext, databaseUrl } from '../args.js';
import { couldNotRun } from '../could-not-run.js';
import { withPassword } from '../source.js';
import { readTableMappingsFile } from '../table-mappings-file.js';

export const verifyCommand: Command = {
  name: 'verify',
  summary:
    'Compare table contents of source and target by key with server-side checksums (exit 0 equal, 1 differ)',
  usage: `dms-cdc verify --source <url> --target <url> [--table-mappings FILE] [--json] [--repair-sql FILE]

  Compares every table in scope by primary key (whole-row checksums for a table without one). Each
  server hashes ranges of keys itself, both at once; only ranges that differ are split, and only the
  rows that differ are read. Values are compared by meaning (1.50 = 1.5, timestamptz as instants,
  json as jsonb; NULL and '' differ): see docs/verify.md.

  --source <url>           postgres://user@host:5432/db?sslmode=verify-full (or DMS_CDC_SOURCE_URL).
                           Passwords come from PGPASSWORD or ~/.pgpass (PGPASSFILE), never the URL.
  --target <url>           the PostgreSQL target (or DMS_CDC_TARGET_URL)
  --table-mappings <file>  the task's table-mapping JSON: compares only the tables it selects
  --repair-sql <file>      write the statements that would make the target equal (never run)
  --json                   print the report as JSON

exit status: 0 equal, 1 differences found, 2 the comparison could not run`,
  options: {
    source: { type: 'string' },
    target: { type: 'string' },
    'table-mappings': { type: 'string' },
    'repair-sql': { type: 'string' },
    json: { type: 'boolean' },
  },
  async run(values, context) {
    const sourceUrl = databaseUrl(values, context.env, 'source');
    const targetUrl = databaseUrl(values, context.env, 'target');
    try {
      return await verify(values, sourceUrl, targetUrl, context);
    } catch (error) {
      context.output.error(oneLine(error, context.signal.aborted));
      return 2;
    }
  },
};

async function verify(
  values: Record<string, string | boolean | undefined>,
  sourceUrl: string,
  targetUrl: string,
  { output, env, signal }: CommandContext,
): Promise<number> {
  const source = withPassword(connectionFromUrl(sourceUrl, '--source'), env);
  const target = withPassword(connectionFromUrl(targetUrl, '--target'), env);
  const tableMappings = await readTableMappingsFile(values['table-mappings'] as string | undefined);
  const repairFile = values['repair-sql'] as string | undefined;
  const repair =
    repairFile === undefined ? undefined : await openRepairFile(repairFile, describeConnection(source));
  const showProgress = values.json !== true && process.stderr.isTTY === true;
  // The first line a second in: a comparison that ends sooner prints none.
  let lastProgress = Date.now();
  try {
    const report = await verifyOverPg(connectPg, {
      source: toPgConfig(source, 'dms-cdc-verify'),
      target: toPgConfig(target, 'dms-cdc-verify'),
      ...(tableMappings ? { tableMappings } : {}),
      ...(repair ? { repair: repair.write } : {}),
      signal,
      ...(showProgress
        ? {
            onProgress: (state) => {
              // At most one line a second: a long comparison reports, a short one stays quiet.
              if (Date.now() - lastProgress < 1000) return;
              lastProgress = Date.now();
              output.progress(progressLine(state));
            },
          }
        : {}),
    });
    await repair?.finish();
    if (values.json) output.json(report);
    else output.result(renderVerifyReport(report));
    return report.summary.equal ? 0 : 1;
  } catch (error) {
    await repair?.abandon();
    throw error;
  }
}

/** The repair file is written beside its name and renamed at the end: a stopped run leaves no half file. */
async function openRepairFile(file: string, sourceDescription: string) {
  const partial = `${file}.partial`;
  const stream: WriteStream = createWriteStream(partial, { encoding: 'utf8', mode: 0o600 });
  await once(stream, 'open');
  const write = async (text: string) => {
    if (!stream.write(`${text}\n`)) await once(stream, 'drain');
  };
  await write(repairHeader(sourceDescription));
  return {
    write,
    async finish() {
      stream.end(REPAIR_FOOTER);
      await once(stream, 'finish');
      await rename(partial, file);
    },
    async abandon() {
      stream.destroy();
      await rm(partial, { force: true });
    },
  };
}

/** One error line and, when there is one, one remedy line, like every other CLI failure. */
function oneLine(error: unknown, interrupted: boolean): string {
  if (interrupted)
    return 'verify interrupted: queries cancelled and connections closed; nothing was compared to the end';
  return couldNotRun('verify', error);
}
