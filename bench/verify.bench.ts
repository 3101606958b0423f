// npm run bench:verify: dms-cdc verify against the comparison a user would write first (pull both
// tables ordered by key and compare row by row in the process), on two local servers, in one run.
// Goals: equal tables at >= 2,000,000 rows/s; one changed row in 1,000,000 located with its key in
// < 3 s; the process under 256 MB whatever the table size. Each approach runs in its own process so
// its peak RSS is its own.

import { execFile } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { removeBenchPgRoot, useBenchPgRoot } from './pg-root.js';

const ROWS = Number(process.env.BENCH_ROWS ?? 1_000_000);
const CHANGED_ID = Math.floor(ROWS * 0.654321);

if (process.argv[2] === 'child')
  await child(process.argv[3] ?? '', Number(process.argv[4]), Number(process.argv[5]));
else await parent();

async function parent(): Promise<void> {
  useBenchPgRoot('verify');
  const { startPrimary } = await import('../src/local/postgres/index.js');
  const [source, target] = await Promise.all([
    startPrimary({ name: 'bench-verify-source' }),
    startPrimary({ name: 'bench-verify-target' }),
  ]);
  try {
    const t = performance.now();
    // VACUUM cannot run inside the implicit transaction of a multi-statement query: a statement of its own.
    await Promise.all(
      [source, target].map(async (node) =>
        node.query(schema()).then(() => node.query('VACUUM ANALYZE items')),
      ),
    );
    console.log(
      `loaded ${ROWS.toLocaleString('en-US')} rows into each server in ${((performance.now() - t) / 1000).toFixed(1)} s`,
    );
    const run = promisify(execFile);
    const measure = async (approach: string) => {
      const { stdout } = await run(
        process.execPath,
        [
          ...process.execArgv,
          process.argv[1] as string,
          'child',
          approach,
          String(source.port),
          String(target.port),
        ],
        { maxBuffer: 1 << 20 },
      );
      return JSON.parse(stdout.trim().split('\n').at(-1) as string) as Measure;
    };
    const equal = { verify: await measure('verify'), naive: await measure('naive') };
    await target.query(`UPDATE items SET amount = amount + 0.01 WHERE id = ${CHANGED_ID}`);
    const changed = { verify: await measure('verify'), naive: await measure('naive') };
    print(equal, changed);
  } finally {
    await Promise.allSettled([source.destroy(), target.destroy()]);
    removeBenchPgRoot();
  }
}

function schema(): string {
  return `CREATE TABLE items (id bigint PRIMARY KEY, name text, amount numeric(12,2), at timestamptz, doc jsonb, flag bool);
    INSERT INTO items SELECT g, 'item ' || g, g * 0.25, '2024-01-01'::timestamptz + g * interval '1 s',
      jsonb_build_object('g', g, 'tags', jsonb_build_array('a', 'b')), g % 3 = 0 FROM generate_series(1, ${ROWS}) g`;
}

interface Measure {
  readonly seconds: number;
  readonly maxRssMb: number;
  readonly found: string;
}

function print(equal: { verify: Measure; naive: Measure }, changed: { verify: Measure; naive: Measure }) {
  const rate = (m: Measure) => `${Math.round(ROWS / m.seconds).toLocaleString('en-US')} rows/s`;
  const row = (label: string, v: string, n: string, goal: string) =>
    console.log(`  ${label.padEnd(34)} ${v.padEnd(26)} ${n.padEnd(26)} ${goal}`);
  // Both servers and this process share the machine's cores with whatever else runs: say how busy it was.
  const load = loadavg()
    .map((n) => n.toFixed(1))
    .join(' ');
  console.log(
    `\n${ROWS.toLocaleString('en-US')}-row table, two local PostgreSQL 17 servers, ${cpus().length} cores, load average ${load}`,
  );
  row('', 'dms-cdc verify', 'naive fetch-and-compare', 'goal');
  row(
    'equal tables: time',
    `${equal.verify.seconds.toFixed(2)} s`,
    `${equal.naive.seconds.toFixed(2)} s`,
    '',
  );
  row('equal tables: rate', rate(equal.verify), rate(equal.naive), '>= 2,000,000 rows/s');
  row('equal tables: peak RSS', `${equal.verify.maxRssMb} MB`, `${equal.naive.maxRssMb} MB`, '< 256 MB');
  row(
    'one changed row: located in',
    `${changed.verify.seconds.toFixed(2)} s`,
    `${changed.naive.seconds.toFixed(2)} s`,
    '< 3 s',
  );
  row('one changed row: found', changed.verify.found, changed.naive.found, `id ${CHANGED_ID}`);
  row(
    'one changed row: peak RSS',
    `${changed.verify.maxRssMb} MB`,
    `${changed.naive.maxRssMb} MB`,
    '< 256 MB',
  );
}

async function child(approach: string, sourcePort: number, targetPort: number): Promise<void> {
  const config = (port: number) => ({
    host: '127.0.0.1',
    port,
    user: 'postgres',
    database: 'postgres',
    password: '',
  });
  // Modules load before the clock starts: the figures are the comparison's, connections included.
  const compare = approach === 'verify' ? await viaVerify() : await naive();
  const started = performance.now();
  const found = await compare(config(sourcePort), config(targetPort));
  const seconds = (performance.now() - started) / 1000;
  const maxRssMb = Math.round(process.resourceUsage().maxRSS / 1024);
  console.log(JSON.stringify({ seconds, maxRssMb, found }));
}

async function viaVerify() {
  const { connectPg } = await import('../src/adapters/pg/client.js');
  const { verifyOverPg } = await import('../src/adapters/pg/verify/index.js');
  return async (source: object, target: object): Promise<string> => {
    const report = await verifyOverPg(connectPg, { source, target });
    const changed = report.tables.flatMap((t) =>
      t.changed.map((c) => `id ${c.key.id} [${c.columns.join(',')}]`),
    );
    return report.summary.equal ? 'equal' : changed.join(' ') || 'different';
  };
}

/** What a user writes first: both tables in full, ordered by key, compared row by row. */
async function naive() {
  const pg = (await import('pg')).default;
  const read = async (config: object) => {
    const client = new pg.Client(config);
    await client.connect();
    try {
      await client.query(`SET TimeZone TO 'UTC'`);
      return (await client.query('SELECT * FROM items ORDER BY id')).rows as Record<string, unknown>[];
    } finally {
      await client.end();
    }
  };
  return async (source: object, target: object): Promise<string> => {
    const [a, b] = await Promise.all([read(source), read(target)]);
    const differing: string[] = [];
    for (let i = 0; i < Math.max(a.length, b.length); i += 1) {
      if (JSON.stringify(a[i]) !== JSON.stringify(b[i])) differing.push(`id ${String((a[i] ?? b[i])?.id)}`);
    }
    return differing.length === 0 ? 'equal' : differing.slice(0, 3).join(' ');
  };
}
