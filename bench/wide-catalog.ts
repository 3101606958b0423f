// The wide catalog the preflight and CLI benches read: `tables` tables in a few statements, DO blocks
// that commit every 500 tables (one transaction could not hold the locks of all of them). 2% have no
// primary key, every 10th has an array column, every 7th an enum, and 100 are partitions of 20
// partitioned parents; then `slots` logical slots named `<slotPrefix>_<n>`.

/** Runs one statement in the database being filled. */
export type RunSql = (sql: string) => Promise<unknown>;

export async function createWideCatalog(
  query: RunSql,
  options: { tables: number; slots: number; slotPrefix: string },
): Promise<void> {
  const tables = Math.trunc(options.tables);
  // The count is inlined into a DO block (which takes no parameters): it must be a plain integer.
  if (!Number.isInteger(tables) || tables < 200) throw new Error('a wide catalog needs at least 200 tables');
  await query(`CREATE TYPE status AS ENUM ('new', 'paid', 'shipped')`);
  await query(
    `DO $$
     BEGIN
       FOR p IN 1..20 LOOP
         EXECUTE format('CREATE TABLE part_%s (id int, at date, PRIMARY KEY (id, at)) PARTITION BY RANGE (at)', p);
         FOR y IN 2021..2025 LOOP
           EXECUTE format('CREATE TABLE part_%s_%s PARTITION OF part_%s FOR VALUES FROM (%L) TO (%L)',
                          p, y, p, y || '-01-01', (y + 1) || '-01-01');
         END LOOP;
       END LOOP;
       COMMIT;
       FOR i IN 1..${tables - 120} LOOP
         EXECUTE format('CREATE TABLE t_%s (%s, name varchar(80), total numeric(12,2)%s%s)', i,
           CASE WHEN i % 50 = 0 THEN 'id int' ELSE 'id int PRIMARY KEY' END,
           CASE WHEN i % 10 = 0 THEN ', tags text[]' ELSE '' END,
           CASE WHEN i % 7 = 0 THEN ', state status' ELSE '' END);
         IF i % 500 = 0 THEN COMMIT; END IF;
       END LOOP;
     END $$`,
  );
  await query(
    `SELECT pg_create_logical_replication_slot('${options.slotPrefix}_' || g, 'test_decoding') FROM generate_series(1, ${options.slots}) g`,
  );
}
