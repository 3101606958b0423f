import { describe, expect, it } from 'vitest';
import { connectPg } from '../../src/adapters/pg/client.js';
import { verifyOverPg } from '../../src/adapters/pg/verify/index.js';
import { primaryForFile } from '../support/pg.js';

/**
 * A migration is often an upgrade: a PostgreSQL 12 source against an 18 target. Every hash the
 * comparison uses exists on both and gives the same value for the same value (they are the ones hash
 * partitioning relies on across upgrades), so equal content is equal and one change is found.
 */
const DDL = `CREATE TYPE mood AS ENUM ('sad', 'happy');
  CREATE TABLE t (id int PRIMARY KEY, n numeric, f float8, s text, c char(4), b bool, d date, ts timestamp,
    tz timestamptz, tm time, ttz timetz, iv interval, u uuid, j json, jb jsonb, by bytea, a int[], e mood);
  INSERT INTO t SELECT g, g / 3.0, g / 7.0, 'row ' || g, 'ab', g % 2 = 0, DATE '2024-01-01' + g,
    TIMESTAMP '2024-01-01' + g * interval '1 min', TIMESTAMPTZ '2024-01-01 00:00+00' + g * interval '1 s',
    TIME '10:00' + g * interval '1 s', TIMETZ '10:00+02', g * interval '1 hour', md5(g::text)::uuid,
    json_build_object('g', g), jsonb_build_object('g', g, 'h', ARRAY[1, 2]), decode(md5(g::text), 'hex'),
    ARRAY[g, g + 1], CASE WHEN g % 2 = 0 THEN 'happy' ELSE 'sad' END::mood FROM generate_series(1, 3000) g`;

describe('verify across PostgreSQL majors', () => {
  it('compares a PostgreSQL 12 source with an 18 target', async () => {
    const [source, target] = await Promise.all([
      primaryForFile({ name: 'verify-pg12', major: 12 }),
      primaryForFile({ name: 'verify-pg18', major: 18 }),
    ]);
    await Promise.all([source.query(DDL), target.query(DDL)]);
    const run = () =>
      verifyOverPg(connectPg, {
        source: source.connectionConfig(),
        target: target.connectionConfig(),
        planning: { leafRows: 64, maxBuckets: 16 },
      });
    const equal = await run();
    expect(equal.tables).toEqual([expect.objectContaining({ name: 'public.t', rows: 3000, equal: true })]);
    await target.query(`UPDATE t SET tz = tz + interval '1 microsecond' WHERE id = 2222`);
    const changed = await run();
    expect(changed.tables[0]?.changed).toEqual([{ key: { id: '2222' }, columns: ['tz'] }]);
  });
});
