import { describe, expect, it } from 'vitest';
import { pgPreflightGatherers } from '../../src/adapters/pg/preflight/index.js';
import { gatherTargetFacts } from '../../src/adapters/pg/preflight/target-facts.js';
import type { PreflightReport } from '../../src/core/preflight/report.js';
import { runPreflight } from '../../src/core/preflight/run.js';
import { parseTableMappings } from '../../src/core/preflight/table-mappings.js';
import { selectionMappings } from '../../src/local/table-mappings.js';
import { MATRIX_MAJORS } from '../support/pg.js';
import { serverPairForBlock } from '../support/server-pair.js';

const SOURCE_SQL = `
CREATE SCHEMA app;
CREATE TABLE app.orders (id bigint PRIMARY KEY, amount numeric(12,2) NOT NULL, note text);
CREATE TABLE app.customers (id int PRIMARY KEY, name text);
CREATE TABLE app.audit (id int PRIMARY KEY, at timestamptz NOT NULL);`;

// The target as a DBA might have half-prepared it: a column missing and one narrower, a required
// column the source does not have, a key on another column, and triggers in each firing mode.
const TARGET_SQL = `
CREATE SCHEMA app;
CREATE TABLE app.orders (id bigint PRIMARY KEY, amount numeric(10,0) NOT NULL);
CREATE TABLE app.customers (id int PRIMARY KEY, name text, region int NOT NULL);
CREATE TABLE app.audit (id int NOT NULL, at timestamptz PRIMARY KEY);
CREATE FUNCTION app.touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE TRIGGER customers_touch BEFORE UPDATE ON app.customers FOR EACH ROW EXECUTE FUNCTION app.touch();
CREATE TRIGGER orders_always BEFORE INSERT ON app.orders FOR EACH ROW EXECUTE FUNCTION app.touch();
ALTER TABLE app.orders ENABLE ALWAYS TRIGGER orders_always;
CREATE TRIGGER audit_off BEFORE INSERT ON app.audit FOR EACH ROW EXECUTE FUNCTION app.touch();
ALTER TABLE app.audit DISABLE TRIGGER audit_off;`;

const APP = parseTableMappings(selectionMappings({ schema: 'app' }));

// Every major 12-18: the target query and the source columns query run on each.
describe.each([...MATRIX_MAJORS])('target readiness on PostgreSQL %i', (major) => {
  const db = serverPairForBlock(`ready${major}`, major, { source: SOURCE_SQL, target: TARGET_SQL });

  const preflight = (): Promise<PreflightReport> =>
    runPreflight(
      pgPreflightGatherers({ db: db.source, describe: 'source' }, { db: db.target, describe: 'target' }),
      {
        tableMappings: APP,
      },
    );
  const byId = (report: PreflightReport, id: string) =>
    report.findings.filter((f) => f.id === id).map((f) => [f.severity, f.observed]);

  it('reads each target table and its source columns in one round trip per side', async () => {
    const { facts, roundTrips } = await gatherTargetFacts(
      db.target,
      [
        { schema: 'app', name: 'orders' },
        { schema: 'app', name: 'gone' },
      ],
      db.source,
    );
    expect(roundTrips).toBe(2);
    expect(facts.tables.find((t) => t.name === 'orders')).toMatchObject({
      exists: true,
      primaryKey: ['id'],
      columns: [
        { name: 'id', type: 'bigint', required: true },
        { name: 'amount', type: 'numeric(10,0)', required: true },
      ],
      sourceColumns: [
        { name: 'id', type: 'bigint' },
        { name: 'amount', type: 'numeric(12,2)' },
        { name: 'note', type: 'text' },
      ],
      triggers: [{ name: 'orders_always', enabled: 'A' }],
    });
    expect(facts.tables.find((t) => t.name === 'gone')).toMatchObject({
      exists: false,
      columns: [],
      sourceColumns: null,
      triggers: [],
    });
  });

  it('reports the shape differences, the triggers that would fire and the prep mode to use', async () => {
    const report = await preflight();
    expect(byId(report, 'target.table-shape')).toEqual([
      [
        'blocker',
        'app.customers (NOT NULL without default, not on the source: region), app.orders (missing note)',
      ],
      ['warning', 'app.orders (amount numeric(12,2) -> numeric(10,0))'],
      ['warning', 'app.audit (source (id), target (at))'],
    ]);
    expect(byId(report, 'target.triggers')).toEqual([
      ['warning', 'app.customers (customers_touch), app.orders (orders_always)'],
    ]);
    expect(byId(report, 'target.table-prep-mode')).toEqual([
      ['info', '3 selected tables already on the target'],
    ]);
  });

  it('passes once the target is shaped like the source and its triggers are off', async () => {
    await db.targetNode.query(`
      ALTER TABLE app.orders ALTER COLUMN amount TYPE numeric(12,2), ADD COLUMN note text;
      ALTER TABLE app.customers ALTER COLUMN region DROP NOT NULL;
      ALTER TABLE app.audit DROP CONSTRAINT audit_pkey, ADD PRIMARY KEY (id);
      ALTER TABLE app.orders DISABLE TRIGGER orders_always;
      ALTER TABLE app.customers DISABLE TRIGGER USER;`);
    const report = await preflight();
    expect(byId(report, 'target.table-shape')).toEqual([]);
    expect(byId(report, 'target.triggers')).toEqual([]);
    expect(report.findings.filter((f) => f.id.startsWith('target.') && f.severity !== 'info')).toEqual([]);
  });
});
