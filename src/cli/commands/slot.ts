import { describeConnection } from '../../adapters/pg/connection.js';
import { cleanupSource, ensureSlot } from '../../adapters/pg/slot-admin.js';
import { buildPgSourceDb } from '../../adapters/pg/slots.js';
import { validateSlotName } from '../../core/identifiers.js';
import { formatBytes, type SlotReading, toSlotReport } from '../../core/slot.js';
import type { SlotPlugin } from '../../core/start-position.js';
import { type Command, positiveInteger, quoteFlagValue, requireString, UsageError } from '../args.js';
import { table } from '../output.js';
import { SOURCE_HELP, sourceConnector, sourceFromFlags } from '../source.js';

export const slotInspectCommand: Command = {
  name: 'slot inspect',
  summary: 'Show a replication slot: restart_lsn, confirmed_flush_lsn, lag, WAL status, holder',
  usage: `dms-cdc slot inspect --source <url> (--slot <name> | --all) [--json]

${SOURCE_HELP}
  --slot <name>    the replication slot to show
  --all            show every slot on the server
  --json           print JSON (LSNs as text, sizes in bytes)`,
  options: {
    source: { type: 'string' },
    slot: { type: 'string' },
    all: { type: 'boolean' },
    json: { type: 'boolean' },
  },
  async run(values, { output, env }) {
    const connection = sourceFromFlags(values, env);
    const slotName = values.all
      ? undefined
      : validateSlotName(requireString(values, 'slot', 'or use --all'), '--slot');
    const client = await sourceConnector(connection)();
    try {
      const db = buildPgSourceDb(client);
      const readings = slotName
        ? [await db.readSlot(slotName)].filter((r) => r !== undefined)
        : await db.readSlots();
      if (slotName && readings.length === 0) {
        output.error(`slot ${slotName} does not exist on ${describeConnection(connection)}`);
        return 1;
      }
      if (values.json)
        output.json(slotName ? toSlotReport(readings[0] as SlotReading) : readings.map(toSlotReport));
      else output.result(renderSlots(readings));
      return 0;
    } finally {
      await client.end();
    }
  },
};

export const slotCreateCommand: Command = {
  name: 'slot create',
  summary: 'Create a logical slot for DMS (or find the existing one), never a second one',
  usage: `dms-cdc slot create --source <url> --slot <name> [--plugin test-decoding|pglogical] [--failover]
                  [--timeout <seconds>] [--tables schema.table,...] [--node-name <name>] [--json]

  Creates the slot if it does not exist; an existing slot with the same plugin and database is
  reported and reused, one that differs is an error. Creation waits for transactions running when
  it starts: after --timeout (default 30 s, at most 3600) it gives up, names them and
  leaves no slot behind (a slot made just as it gave up is reported as made).

${SOURCE_HELP}
  --slot <name>        slot name (lower-case letters, digits, underscores)
  --plugin <name>      test-decoding (default) or pglogical
  --failover           PostgreSQL 17+: keep the slot across a standby promotion
  --tables <list>      pglogical: tables for the slot's replication sets
  --node-name <name>   pglogical: node name when none exists (default dms_source)
  --json               print JSON`,
  options: {
    source: { type: 'string' },
    slot: { type: 'string' },
    plugin: { type: 'string' },
    failover: { type: 'boolean' },
    timeout: { type: 'string' },
    tables: { type: 'string' },
    'node-name': { type: 'string' },
    json: { type: 'boolean' },
  },
  async run(values, { output, env }) {
    const connection = sourceFromFlags(values, env);
    const slotName = validateSlotName(requireString(values, 'slot', 'the slot to create'), '--slot');
    const plugin = pluginFromFlag(values.plugin);
    if (plugin !== 'pglogical' && (values.tables !== undefined || values['node-name'] !== undefined))
      throw new UsageError('--tables and --node-name are for --plugin pglogical only');
    const nodeName = identifierFlag(values, 'node-name', 'dms_source');
    const result = await ensureSlot(sourceConnector(connection), {
      slotName,
      plugin,
      database: connection.database,
      allowCreate: true,
      failover: values.failover === true,
      timeoutMs: positiveInteger(values, 'timeout', 30, 3600) * 1000,
      source: describeConnection(connection),
      pglogical:
        plugin === 'pglogical'
          ? {
              nodeName,
              dsn: `host=${connection.host} port=${connection.port} dbname=${connection.database}`,
              tables: tablesFromFlag(values.tables),
            }
          : undefined,
    });
    const report = {
      created: result.created,
      slot: toSlotReport(result.reading),
      pglogical: result.pglogical ?? null,
    };
    if (values.json) output.json(report);
    else
      output.result(
        `${result.created ? 'created' : 'found existing'} slot ${slotName}\n\n${renderSlots([result.reading])}`,
      );
    return 0;
  },
};

export const slotCleanupCommand: Command = {
  name: 'slot cleanup',
  summary: 'Remove what DMS left on the source: DDL trigger, function, audit table, and the slot on request',
  usage: `dms-cdc slot cleanup --source <url> [--artifacts-schema <schema>] [--drop-slot <name>] [--json]

  Drops the event trigger awsdms_intercept_ddl, the function <schema>.awsdms_intercept_ddl() and
  the table <schema>.awsdms_ddl_audit when they exist, and the slot only when --drop-slot names it
  (never one that is in use). Nothing else is touched, no schema is dropped.

${SOURCE_HELP}
  --artifacts-schema <s>  schema DMS created its DDL artifacts in (default public)
  --drop-slot <name>      also drop this replication slot
  --json                  print JSON`,
  options: {
    source: { type: 'string' },
    'artifacts-schema': { type: 'string' },
    'drop-slot': { type: 'string' },
    json: { type: 'boolean' },
  },
  async run(values, { output, env }) {
    const connection = sourceFromFlags(values, env);
    const dropSlot =
      values['drop-slot'] === undefined ? undefined : validateSlotName(values['drop-slot'], '--drop-slot');
    const artifactsSchema = identifierFlag(values, 'artifacts-schema', 'public');
    const client = await sourceConnector(connection)();
    try {
      const result = await cleanupSource(client, { artifactsSchema, dropSlot });
      if (values.json) output.json(result);
      else {
        output.result(
          [
            ...result.removed.map((r) => `removed ${r}`),
            ...result.absent.map((a) => `not present: ${a}`),
          ].join('\n'),
        );
      }
      return 0;
    } finally {
      await client.end();
    }
  },
};

export const SLOT_COMMANDS = [slotInspectCommand, slotCreateCommand, slotCleanupCommand];

function pluginFromFlag(value: unknown): SlotPlugin {
  if (value === undefined || value === 'test-decoding' || value === 'test_decoding') return 'test_decoding';
  if (value === 'pglogical') return 'pglogical';
  throw new UsageError(`--plugin must be test-decoding or pglogical, got ${JSON.stringify(value)}`);
}

/** A PostgreSQL name given as a flag: 1 to 63 bytes, no NUL (it is quoted where it is used). */
function identifierFlag(values: Record<string, unknown>, name: string, fallback: string): string {
  const value = values[name];
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || value === '' || Buffer.byteLength(value) > 63 || value.includes('\0'))
    throw new UsageError(`--${name} must be a PostgreSQL name of 1 to 63 bytes`);
  return value;
}

function tablesFromFlag(value: unknown) {
  if (typeof value !== 'string' || value === '')
    throw new UsageError('--tables is required with --plugin pglogical');
  return value.split(',').map((entry) => {
    const [schema, table, ...rest] = entry.trim().split('.');
    if (!schema || !table || rest.length)
      throw new UsageError(`--tables: ${quoteFlagValue(entry)} is not schema.table`);
    return { schema, table };
  });
}

export function renderSlots(readings: readonly SlotReading[]): string {
  if (readings.length === 0) return 'no replication slots';
  return table(
    [
      'slot',
      'type',
      'plugin',
      'restart_lsn',
      'confirmed_flush_lsn',
      'lag',
      'retained WAL',
      'wal_status',
      'held by',
    ],
    readings.map((r) => {
      const report = toSlotReport(r);
      return [
        report.slotName,
        report.slotType,
        report.plugin ?? '-',
        report.restartLsn ?? '-',
        report.confirmedFlushLsn ?? '-',
        formatBytes(r.lagBytes),
        formatBytes(r.retainedWalBytes),
        report.walStatus ?? '-',
        report.activePid === null
          ? '-'
          : `pid ${report.activePid} (${report.activeApplication || 'unnamed'})`,
      ];
    }),
  );
}
