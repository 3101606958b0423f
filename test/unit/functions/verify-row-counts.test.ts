import type pg from 'pg';
import { beforeEach, describe, expect, it } from 'vitest';
import { makeHandler } from '../../../functions/verify-row-counts.js';
import type { PgConnector, PgSession } from '../../../src/adapters/pg/client.js';
import { quoteIdentifier } from '../../../src/adapters/pg/row-counts.js';
import { CheckpointMissingError, RowCountMismatchError } from '../../../src/core/cutover/errors.js';
import { InvalidInputError } from '../../../src/core/errors.js';
import { SlotActiveError } from '../../../src/core/slot-errors.js';
import type { Dms, Task, TaskStatus } from '../../../src/ports/dms.js';
import { countedAsNow, countedAtCheckpoint } from '../cutover/fixtures.js';
import {
  captureLogs,
  failure,
  lambdaContext,
  PASSWORD,
  SECRET,
  SOURCE_SECRET_ARN,
  slotRow,
  TASK_ARN,
  testLogger,
} from './support.js';

captureLogs();

const TARGET_SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:dms-cdc/target-AbCdEf';
const TARGET_HOST = 'target.abc123.us-east-1.rds.amazonaws.com';
const MAPPINGS = {
  rules: [
    {
      'rule-type': 'selection',
      'rule-id': '1',
      'rule-name': 'shop',
      'object-locator': { 'schema-name': 'shop', 'table-name': '%' },
      'rule-action': 'include',
    },
    {
      'rule-type': 'selection',
      'rule-id': '2',
      'rule-name': 'no-scratch',
      'object-locator': { 'schema-name': 'shop', 'table-name': 'scratch' },
      'rule-action': 'exclude',
    },
  ],
};
const INPUT = {
  source: { secretArn: SOURCE_SECRET_ARN, database: 'orders' },
  target: { secretArn: TARGET_SECRET_ARN, database: 'orders_copy' },
  tableMappings: MAPPINGS,
  strict: false,
  taskArn: TASK_ARN,
  slotName: 'dms_slot',
};

const table = (
  schema: string,
  name: string,
  extra: Partial<Record<'partitioned' | 'extension_member', boolean>> = {},
) => ({
  schema,
  name,
  partitioned: false,
  extension_member: false,
  ...extra,
});

const SOURCE_CATALOG = [
  table('public', 'spatial_ref_sys', { extension_member: true }),
  table('shop', 'awsdms_ddl_audit'),
  table('shop', 'events', { partitioned: true }),
  table('shop', 'events_2026'),
  table('shop', 'Order "Items"'),
  table('shop', 'orders'),
  table('shop', 'scratch'),
  table('audit', 'log'),
];

interface Side {
  catalog: ReturnType<typeof table>[];
  counts: Record<string, number>;
  /** The slot as pg_replication_slots shows it, and what peeking a copy of it returns. */
  slot?: { active: boolean; activePid: number | null; confirmedFlushLsn: string };
  changes?: { lsn: string; xid: string; data: string }[];
}

interface Fake {
  connect: PgConnector;
  configs: pg.ClientConfig[];
  queries: { host: string; sql: string }[];
  open(): number;
}

/** Sessions by host: each answers the catalog query with its tables and a UNION ALL with its counts. */
function fakeServers(sides: Record<string, Side>): Fake {
  let open = 0;
  const fake: Fake = {
    configs: [],
    queries: [],
    open: () => open,
    connect: async (config) => {
      fake.configs.push(config);
      const side = sides[String(config.host)];
      if (!side) throw new Error(`no server ${config.host}`);
      open += 1;
      const session = {
        query: async (sql: string) => {
          fake.queries.push({ host: String(config.host), sql });
          if (sql.includes('FROM pg_class c')) return { rows: side.catalog };
          if (sql.includes('txid_current_snapshot')) {
            return { rows: [{ snapshot: '900:905:902', up_to: '0/5000', database: 'orders' }] };
          }
          if (sql.includes('FROM pg_replication_slots s')) {
            return { rows: side.slot ? [sideSlotRow(side.slot)] : [] };
          }
          if (sql.includes('pg_copy_logical_replication_slot')) {
            return { rows: [{ lsn: side.slot?.confirmedFlushLsn ?? null }] };
          }
          if (sql.includes('pg_current_wal_flush_lsn')) return { rows: [{ flushed: true }] };
          if (sql.startsWith('FETCH')) {
            const rows = side.changes ?? [];
            side.changes = [];
            return { rows };
          }
          if (!sql.includes('count(*)')) return { rows: [] }; // BEGIN, DECLARE, CLOSE, drop, COMMIT
          // SELECT <i> AS i, count(*) AS n FROM "schema"."table" [UNION ALL ...]
          const parts = [
            ...sql.matchAll(/SELECT (\d+) AS i, count\(\*\) AS n FROM ("(?:[^"]|"")*")\.("(?:[^"]|"")*")/g),
          ];
          const unquote = (q: string) => q.slice(1, -1).replaceAll('""', '"');
          return {
            rows: parts.reverse().map((m) => ({
              i: Number(m[1]),
              n: String(side.counts[`${unquote(m[2] as string)}.${unquote(m[3] as string)}`] ?? 0),
            })),
          };
        },
        end: async () => {
          open -= 1;
        },
      };
      return session as unknown as PgSession;
    },
  };
  return fake;
}

/** The side's slot as the slot adapter's statement returns it, at the fake server's position 0/5000. */
function sideSlotRow(slot: NonNullable<Side['slot']>) {
  return slotRow({
    active: slot.active,
    active_pid: slot.activePid,
    application_name: slot.activePid === null ? null : 'dms-walsender',
    restart_lsn: '0/1000',
    confirmed_flush_lsn: slot.confirmedFlushLsn,
    inactive_since: null,
    server_lsn: '0/5000',
  });
}

const SOURCE_COUNTS = { 'shop.events_2026': 40, 'shop.Order "Items"': 7, 'shop.orders': 1200 };

/** The slot holds three transactions after the checkpoint (0/4000): two the snapshot sees, one running in it. */
const CHANGES = [
  { lsn: '0/4010', xid: '899', data: 'BEGIN 899' },
  { lsn: '0/4010', xid: '899', data: 'table shop.orders: INSERT: id[integer]:1201' },
  { lsn: '0/4010', xid: '899', data: 'table shop.orders: INSERT: id[integer]:1202' },
  { lsn: '0/4100', xid: '899', data: 'COMMIT 899' },
  { lsn: '0/4100', xid: '901', data: 'BEGIN 901' },
  { lsn: '0/4100', xid: '901', data: 'table shop.orders: DELETE: id[integer]:7' },
  {
    lsn: '0/4100',
    xid: '901',
    data: `table shop.${quoteIdentifier('Order "Items"')}: INSERT: id[integer]:8`,
  },
  { lsn: '0/4200', xid: '901', data: 'COMMIT 901' },
  { lsn: '0/4200', xid: '902', data: 'BEGIN 902' },
  { lsn: '0/4200', xid: '902', data: 'table shop.orders: INSERT: id[integer]:1203' },
  { lsn: '0/4300', xid: '902', data: 'COMMIT 902' },
];
const CHECKPOINT = 'checkpoint:V1#12#00000000/00004000#0#0#*#0#0';

function servers(
  targetCounts: Record<string, number> = SOURCE_COUNTS,
  targetCatalog = SOURCE_CATALOG,
  slot: Side['slot'] = { active: false, activePid: null, confirmedFlushLsn: '0/4000' },
): Fake {
  return fakeServers({
    [SECRET.host]: { catalog: SOURCE_CATALOG, counts: SOURCE_COUNTS, slot, changes: [...CHANGES] },
    [TARGET_HOST]: { catalog: targetCatalog, counts: targetCounts },
  });
}

/** The one DMS call strict verification makes. */
function fakeDms(status: TaskStatus = 'stopped', recoveryCheckpoint: string | null = CHECKPOINT) {
  const asked: string[] = [];
  const dms = {
    describeTask: async (arn: string) => {
      asked.push(arn);
      return { arn, status, recoveryCheckpoint: recoveryCheckpoint ?? undefined } as Task;
    },
  } as unknown as Dms;
  return { dms, asked };
}

const secrets = {
  getSecretString: async (id: string) =>
    JSON.stringify(
      id === TARGET_SECRET_ARN ? { ...SECRET, host: TARGET_HOST, username: 'dms_target' } : SECRET,
    ),
};

function invoke(event: unknown, fake: Fake, dms = fakeDms().dms) {
  return makeHandler({ secrets, connect: fake.connect, logger: testLogger(), env: {}, dms })(
    event,
    lambdaContext(),
  );
}

let fake: Fake;
beforeEach(() => {
  fake = servers();
});

describe('verify-row-counts handler', () => {
  it('counts every selected table on both sides, one catalog read and one statement each, and closes both', async () => {
    const result = await invoke(INPUT, fake);

    expect(result).toStrictEqual({
      tables: [
        countedAsNow('shop.events_2026', 40, 40),
        countedAsNow('shop.Order "Items"', 7, 7),
        countedAsNow('shop.orders', 1200, 1200),
      ],
      mismatchedTables: 0,
      skipped: null,
      boundaryLsn: null,
      boundary: null,
      content: null,
    });
    for (const host of [SECRET.host, TARGET_HOST]) {
      expect(fake.queries.filter((q) => q.host === host)).toHaveLength(2);
    }
    expect(fake.configs.map((c) => [c.host, c.database, c.user])).toEqual([
      [SECRET.host, 'orders', 'dms_user'],
      [TARGET_HOST, 'orders_copy', 'dms_target'],
    ]);
    expect(fake.open()).toBe(0);
  });

  it('quotes every identifier from the catalog, and leaves out what is not user data or not selected', async () => {
    await invoke(INPUT, fake);

    const counting = fake.queries.find((q) => q.host === SECRET.host && q.sql.includes('count(*)'));
    expect(counting?.sql).toBe(
      [
        'SELECT 0 AS i, count(*) AS n FROM "shop"."events_2026"',
        'SELECT 1 AS i, count(*) AS n FROM "shop"."Order ""Items"""',
        'SELECT 2 AS i, count(*) AS n FROM "shop"."orders"',
      ].join('\nUNION ALL\n'),
    );
  });

  it('reports differences and tables missing on the target without failing when not strict', async () => {
    const result = await invoke(
      INPUT,
      servers(
        { 'shop.events_2026': 40, 'shop.orders': 1199 },
        SOURCE_CATALOG.filter((t) => t.name !== 'Order "Items"'),
      ),
    );

    expect(result.mismatchedTables).toBe(2);
    expect(result.tables).toEqual([
      countedAsNow('shop.events_2026', 40, 40),
      countedAsNow('shop.Order "Items"', 7, null),
      countedAsNow('shop.orders', 1200, 1199),
    ]);
  });

  it('skips without connecting anywhere when no target connection is configured', async () => {
    const result = await invoke({ ...INPUT, target: { secretArn: null, database: null } }, fake);

    expect(result).toEqual({
      tables: [],
      mismatchedTables: 0,
      skipped: 'no target connection configured',
      boundaryLsn: null,
      boundary: null,
      content: null,
    });
    expect(fake.configs).toEqual([]);
  });

  it("uses the target secret's dbname when no target database is given", async () => {
    await invoke({ ...INPUT, target: { secretArn: TARGET_SECRET_ARN, database: null } }, fake);

    expect(fake.configs[1]).toMatchObject({ host: TARGET_HOST, database: SECRET.dbname });
  });

  it('accepts the mappings as the JSON text DMS takes', async () => {
    const result = await invoke({ ...INPUT, tableMappings: JSON.stringify(MAPPINGS) }, fake);

    expect(result.tables).toHaveLength(3);
  });

  it.each([
    ['no source', { ...INPUT, source: undefined }, 'source'],
    ['no target', { ...INPUT, target: undefined }, 'target'],
    ['a target without secretArn', { ...INPUT, target: { database: null } }, 'target.secretArn'],
    ['no strict flag', { ...INPUT, strict: undefined }, 'strict'],
    ['no task', { ...INPUT, taskArn: undefined }, 'taskArn'],
    ['a slot name PostgreSQL refuses', { ...INPUT, slotName: 'Dms-Slot' }, 'slotName'],
    ['mappings that are not JSON', { ...INPUT, tableMappings: '{nope' }, 'tableMappings'],
    [
      'mappings with a broken selection rule',
      { ...INPUT, tableMappings: { rules: [{ 'rule-type': 'selection' }] } },
      'tableMappings.rules[0].rule-id',
    ],
  ])('rejects %s with an InvalidInputError naming the field', async (_case, event, field) => {
    const error = await failure(invoke(event, fake));

    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error).toMatchObject({ field });
    expect(fake.configs).toEqual([]);
  });
});

describe('verify-row-counts handler, strict (the task stopped)', () => {
  const STRICT = { ...INPUT, strict: true };
  // What the task applied: the source in the snapshot less the two visible transactions after 0/4000.
  const TARGET_COUNTS = { 'shop.events_2026': 40, 'shop.Order "Items"': 6, 'shop.orders': 1199 };

  it('expects the source count in its snapshot less what the task did not apply and the snapshot sees', async () => {
    const { dms, asked } = fakeDms();

    const result = await invoke(STRICT, servers(TARGET_COUNTS), dms);

    expect(asked).toEqual([TASK_ARN]);
    expect(result.mismatchedTables).toBe(0);
    expect(result.tables).toEqual([
      countedAtCheckpoint('shop.events_2026', { source: 40, target: 40, expected: 40, delta: 0 }),
      countedAtCheckpoint('shop.Order "Items"', { source: 7, target: 6, expected: 6, delta: 1 }),
      countedAtCheckpoint('shop.orders', { source: 1200, target: 1199, expected: 1199, delta: 1 }),
    ]);
    expect(result.boundaryLsn).toBe('0/4000');
    expect(result.boundary).toEqual({
      boundaryLsn: '0/4000',
      recoveryCheckpoint: CHECKPOINT,
      checkpointLsn: '0/4000',
      slotConfirmedFlushLsn: '0/4000',
      snapshot: '900:905:902',
      decodedFromLsn: '0/1000',
      decodedUpToLsn: '0/5000',
      transactions: { decoded: 3, afterBoundary: 3, visible: 2 },
    });
  });

  it('counts and decodes the source in one read-only REPEATABLE READ transaction, a fixed number of statements', async () => {
    const counted = servers(TARGET_COUNTS);

    await invoke(STRICT, counted);

    const statements = counted.queries
      .filter((q) => q.host === SECRET.host)
      .map((q) => q.sql.trim().split(/\s+/).slice(0, 2).join(' '));
    expect(statements).toEqual([
      'BEGIN ISOLATION',
      'SELECT txid_current_snapshot()::text',
      'SELECT n.nspname::text',
      'SELECT 0',
      'SELECT s.slot_name::text,',
      'SELECT lsn::text',
      'SELECT pg_current_wal_flush_lsn()',
      'DECLARE dms_cdc_verify_changes',
      'FETCH 10000',
      'CLOSE dms_cdc_verify_changes',
      'SELECT pg_drop_replication_slot($1::name)',
      'COMMIT',
    ]);
    expect(counted.queries.filter((q) => q.host === TARGET_HOST)).toHaveLength(2);
    expect(counted.open()).toBe(0);
  });

  it('throws RowCountMismatchError naming the tables and what was expected', async () => {
    const servers1198 = servers({ ...TARGET_COUNTS, 'shop.orders': 1198 });

    const error = await failure(invoke(STRICT, servers1198));

    expect(error).toBeInstanceOf(RowCountMismatchError);
    expect(error.name).toBe('RowCountMismatchError');
    expect(error.message).toContain('1 table differ');
    expect(error.message).toContain(
      "shop.orders (source 1200 less 1 added after the task's checkpoint: expected 1199, target 1198)",
    );
    expect(error.message).toMatch(/ Remedy: Do not switch applications/);
    expect(error.message).not.toContain(PASSWORD);
    expect(servers1198.open()).toBe(0);
  });

  it.each<[string, TaskStatus, string | null, RegExp]>([
    ['a running task', 'running', CHECKPOINT, /is running: its RecoveryCheckpoint is not final/],
    ['a stopped task without a checkpoint', 'stopped', null, /reports no RecoveryCheckpoint/],
  ])(
    'refuses %s with CheckpointMissingError before connecting',
    async (_case, status, checkpoint, message) => {
      const error = await failure(invoke(STRICT, fake, fakeDms(status, checkpoint).dms));

      expect(error).toBeInstanceOf(CheckpointMissingError);
      expect(error.message).toMatch(message);
      expect(error.message).toMatch(/ Remedy: /);
      expect(fake.configs).toEqual([]);
    },
  );

  it('refuses a slot another process holds with SlotActiveError, rolls back and closes both sessions', async () => {
    const busy = servers(TARGET_COUNTS, SOURCE_CATALOG, {
      active: true,
      activePid: 4242,
      confirmedFlushLsn: '0/4000',
    });

    const error = await failure(invoke(STRICT, busy));

    expect(error).toBeInstanceOf(SlotActiveError);
    expect(error.message).toContain('active for PID 4242');
    expect(busy.queries.at(-1)?.sql).toBe('ROLLBACK');
    expect(busy.queries.some((q) => q.sql.includes('pg_copy_logical_replication_slot'))).toBe(false);
    expect(busy.open()).toBe(0);
  });

  it('drops its slot copy itself when the decoded rows cannot be read, and rolls back', async () => {
    const garbled = fakeServers({
      [SECRET.host]: {
        catalog: SOURCE_CATALOG,
        counts: SOURCE_COUNTS,
        slot: { active: false, activePid: null, confirmedFlushLsn: '0/4000' },
        changes: [{ lsn: '0/4010', xid: '899', data: 'not test_decoding output' }],
      },
      [TARGET_HOST]: { catalog: SOURCE_CATALOG, counts: TARGET_COUNTS },
    });

    const error = await failure(invoke(STRICT, garbled));

    expect(error.name).toBe('DecodingParseError');
    const tail = garbled.queries.filter((q) => q.host === SECRET.host).slice(-2);
    expect(tail[0]?.sql).toMatch(/^SELECT pg_drop_replication_slot\(slot_name\) FROM pg_replication_slots/);
    expect(tail[1]?.sql).toBe('ROLLBACK');
    expect(garbled.open()).toBe(0);
  });

  it('never asks DMS when not strict', async () => {
    const { dms, asked } = fakeDms('running', null);

    await invoke(INPUT, fake, dms);

    expect(asked).toEqual([]);
    expect(fake.queries.some((q) => q.sql.includes('pg_replication_slots'))).toBe(false);
  });
});
