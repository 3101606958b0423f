import { connectPg } from '../../adapters/pg/client.js';
import {
  connectionFromUrl,
  describeConnection,
  type SourceConnection,
  toPgConfig,
} from '../../adapters/pg/connection.js';
import { preflightOverPg } from '../../adapters/pg/preflight/index.js';
import { validateSlotName } from '../../core/identifiers.js';
import { DMS_PLUGIN_NAMES } from '../../core/output-plugins.js';
import type { PreflightOptions } from '../../core/preflight/context.js';
import { ENGINE_VERSION } from '../../core/preflight/dms-source-versions.js';
import { renderReport } from '../../core/preflight/report.js';
import type { PluginName } from '../../ports/dms.js';
import { type Command, type CommandContext, databaseUrl, positiveInteger, UsageError } from '../args.js';
import { couldNotRun } from '../could-not-run.js';
import { withPassword } from '../source.js';
import { readTableMappingsFile } from '../table-mappings-file.js';

const PLUGINS: readonly PluginName[] = DMS_PLUGIN_NAMES;

export const preflightCommand: Command = {
  name: 'preflight',
  summary: 'Check every DMS CDC prerequisite on the source (and target) in one pass',
  usage: `dms-cdc preflight --source <url> [--slot NAME [--create-slot]] [--plugin test-decoding|pglogical]
                  [--table-mappings FILE] [--target <url>] [--dms-version X.Y.Z]
                  [--target-engine kinesis] [--longest-downtime SECONDS] [--json]

  --source <url>           postgres://user@host:5432/db?sslmode=verify-full (or DMS_CDC_SOURCE_URL).
                           The password comes from PGPASSWORD or ~/.pgpass (PGPASSFILE), never the URL.
  --slot <name>            the existing logical slot the CDC-only task will start from
  --create-slot            the slot will be created if missing (the cutover's slot.create): a missing
                           slot is then info, not a blocker
  --plugin <name>          the DMS PluginName (default: what DMS would choose)
  --table-mappings <file>  the task's table-mapping JSON: checks only the tables it selects
  --target <url>           also check the PostgreSQL target (or DMS_CDC_TARGET_URL)
  --target-engine kinesis  the DMS target endpoint is Kinesis Data Streams: adds the task settings that
                           keep each row's order and the stream's throughput (info)
  --longest-downtime <s>   the longest a task may stay stopped (default 86400): PostgreSQL 18's
                           idle_replication_slot_timeout below it is a warning
  --dms-version <x.y.z>    the replication instance's DMS engine version (e.g. 3.5.3): a source major
                           it cannot read is a blocker; without it, the newest engine DMS lists
  --json                   print the report as JSON

exit status: 0 no blocker, 1 blockers found, 2 the preflight could not run (a server it cannot reach,
             or a check that threw: its id is named, never turned into a warning)`,
  options: {
    source: { type: 'string' },
    slot: { type: 'string' },
    'create-slot': { type: 'boolean' },
    plugin: { type: 'string' },
    'table-mappings': { type: 'string' },
    target: { type: 'string' },
    'dms-version': { type: 'string' },
    'target-engine': { type: 'string' },
    'longest-downtime': { type: 'string' },
    json: { type: 'boolean' },
  },
  async run(values, context) {
    const sourceUrl = databaseUrl(values, context.env, 'source');
    const plugin = values.plugin as string | undefined;
    if (plugin !== undefined && !PLUGINS.includes(plugin as PluginName))
      throw new UsageError(`--plugin must be one of ${PLUGINS.join(', ')}, got ${JSON.stringify(plugin)}`);
    if (values['create-slot'] && values.slot === undefined)
      throw new UsageError('--create-slot needs --slot: the name of the slot that will be created');
    const dmsVersion = values['dms-version'] as string | undefined;
    if (dmsVersion !== undefined && !ENGINE_VERSION.test(dmsVersion))
      throw new UsageError(`--dms-version must look like 3.5.3, got ${JSON.stringify(dmsVersion)}`);
    const targetEngine = values['target-engine'];
    if (targetEngine !== undefined && targetEngine !== 'kinesis')
      throw new UsageError(`--target-engine must be kinesis, got ${JSON.stringify(targetEngine)}`);
    longestDowntime(values);
    try {
      return await preflight(values, sourceUrl, plugin as PluginName | undefined, context);
    } catch (error) {
      // The preflight itself could not run: one line (and the remedy), never a stack trace.
      context.output.error(couldNotRun('preflight', error));
      return 2;
    }
  },
};

async function preflight(
  values: Record<string, string | boolean | undefined>,
  sourceUrl: string,
  plugin: PluginName | undefined,
  { output, env }: CommandContext,
): Promise<number> {
  const source = connectionFromUrl(sourceUrl, '--source');
  const targetUrl = (values.target as string | undefined) ?? env.DMS_CDC_TARGET_URL;
  const target = targetUrl ? connectionFromUrl(targetUrl, '--target') : undefined;
  const options: PreflightOptions = {
    slotName: typeof values.slot === 'string' ? validateSlotName(values.slot, '--slot') : undefined,
    createSlot: values['create-slot'] === true,
    plugin,
    tableMappings: await readTableMappingsFile(values['table-mappings'] as string | undefined),
    targetEngine: values['target-engine'] === 'kinesis' ? 'kinesis' : undefined,
    longestDowntimeSeconds: longestDowntime(values),
    dmsEngine:
      typeof values['dms-version'] === 'string'
        ? { version: values['dms-version'], from: 'option' }
        : undefined,
  };
  const endpoint = (connection: SourceConnection) => ({
    config: toPgConfig(withPassword(connection, env), 'dms-cdc-preflight'),
    describe: describeConnection(connection),
  });
  const report = await preflightOverPg(connectPg, endpoint(source), target && endpoint(target), options);
  if (values.json) output.json(report);
  else output.result(renderReport(report));
  return report.summary.blockers > 0 ? 1 : 0;
}

/** --longest-downtime in seconds (up to ten years), undefined when not given; a UsageError when malformed. */
function longestDowntime(values: Record<string, unknown>): number | undefined {
  if (values['longest-downtime'] === undefined) return undefined;
  return positiveInteger(values, 'longest-downtime', 0, 315_360_000);
}
