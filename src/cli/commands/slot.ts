import pg from 'pg';
import { connectionFromUrl, describeConnection, toPgConfig } from '../../adapters/pg/connection.js';
import { buildPgSourceDb } from '../../adapters/pg/slots.js';
import { validateSlotName } from '../../core/identifiers.js';
import { formatBytes, type SlotReading, toSlotReport } from '../../core/slot.js';
import { type Command, requireString } from '../args.js';
import { table } from '../output.js';

export const slotCommand: Command = {
  name: 'slot',
  summary: 'Show a replication slot: restart_lsn, confirmed_flush_lsn, lag, WAL status, holder',
  usage: `dms-cdc slot --source <url> (--slot <name> | --all) [--json]

  --source <url>   postgres://user@host:5432/db?sslmode=verify-full (or DMS_CDC_SOURCE_URL).
                   The password comes from PGPASSWORD, never from the command line history.
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
    const url = (values.source as string | undefined) ?? env.DMS_CDC_SOURCE_URL;
    const connection = connectionFromUrl(
      requireString({ source: url }, 'source', 'the source database URL'),
      '--source',
    );
    const slotName = values.all
      ? undefined
      : validateSlotName(requireString(values, 'slot', 'or use --all'), '--slot');
    const client = new pg.Client({
      ...toPgConfig(connection, 'dms-cdc-cli'),
      password: connection.password ?? env.PGPASSWORD,
    });
    await client.connect();
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
