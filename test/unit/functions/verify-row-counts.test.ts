import type pg from 'pg';
import { beforeEach, describe, expect, it } from 'vitest';
import { makeHandler } from '../../../functions/verify-row-counts.js';
import type { PgConnector, PgSession } from '../../../src/adapters/pg/client.js';
import { RowCountMismatchError } from '../../../src/core/cutover/errors.js';
import { InvalidInputError } from '../../../src/core/errors.js';
import {
  captureLogs,
  failure,
  lambdaContext,
  PASSWORD,
  SECRET,
  SOURCE_SECRET_ARN,
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

const SOURCE_COUNTS = { 'shop.events_2026': 40, 'shop.Order "Items"': 7, 'shop.orders': 1200 };

function servers(targetCounts: Record<string, number> = SOURCE_COUNTS, targetCatalog = SOURCE_CATALOG): Fake {
  return fakeServers({
    [SECRET.host]: { catalog: SOURCE_CATALOG, counts: SOURCE_COUNTS },
    [TARGET_HOST]: { catalog: targetCatalog, counts: targetCounts },
  });
}

const secrets = {
  getSecretString: async (id: string) =>
    JSON.stringify(
      id === TARGET_SECRET_ARN ? { ...SECRET, host: TARGET_HOST, username: 'dms_target' } : SECRET,
    ),
};

function invoke(event: unknown, fake: Fake) {
  return makeHandler({ secrets, connect: fake.connect, logger: testLogger(), env: {} })(
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
        { name: 'shop.events_2026', sourceRows: 40, targetRows: 40 },
        { name: 'shop.Order "Items"', sourceRows: 7, targetRows: 7 },
        { name: 'shop.orders', sourceRows: 1200, targetRows: 1200 },
      ],
      mismatchedTables: 0,
      skipped: null,
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
      { name: 'shop.events_2026', sourceRows: 40, targetRows: 40 },
      { name: 'shop.Order "Items"', sourceRows: 7, targetRows: null },
      { name: 'shop.orders', sourceRows: 1200, targetRows: 1199 },
    ]);
  });

  it('throws RowCountMismatchError naming the tables when strict', async () => {
    const error = await failure(
      invoke({ ...INPUT, strict: true }, servers({ ...SOURCE_COUNTS, 'shop.orders': 1199 })),
    );

    expect(error).toBeInstanceOf(RowCountMismatchError);
    expect(error.name).toBe('RowCountMismatchError');
    expect(error.message).toContain('1 table differ');
    expect(error.message).toContain('shop.orders (source 1200, target 1199)');
    expect(error.message).toMatch(/ Remedy: Do not switch applications/);
    expect(error.message).not.toContain(PASSWORD);
    expect(fake.open()).toBe(0);
  });

  it('skips without connecting anywhere when no target connection is configured', async () => {
    const result = await invoke({ ...INPUT, target: { secretArn: null, database: null } }, fake);

    expect(result).toEqual({ tables: [], mismatchedTables: 0, skipped: 'no target connection configured' });
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
