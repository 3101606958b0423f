import { InvalidInputError } from '../../core/errors.js';
import type { TableMappings } from '../../core/preflight/table-mappings.js';
import { tablesToCount } from '../../core/row-counts.js';
import type { SourceConnection } from './connection.js';
import type { Queryable } from './queryable.js';
import { listUserTables } from './row-counts.js';

export interface TableRef {
  readonly schema: string;
  readonly table: string;
}

export interface PglogicalSetup {
  readonly nodeCreated: boolean;
  readonly setsCreated: readonly string[];
  /** "schema.table -> set" for every membership added by this run, set by set (names quoted where needed). */
  readonly tablesAdded: readonly string[];
  /** Tables without a replica identity: pglogical refuses them in a set that replicates updates and deletes. */
  readonly insertOnly: readonly string[];
}

/**
 * The pglogical side of a native CDC start point (reference 001, "To use a new replication slot not
 * previously created as part of another DMS task"): a node, a replication set named after the slot
 * for updates and deletes, a second one prefixed with "i" for inserts (and truncates), and the
 * selected tables in both. Every step checks what exists first, so a re-run adds only what is missing.
 */
export async function ensurePglogicalSets(
  db: Queryable,
  slotName: string,
  options: { readonly nodeName: string; readonly dsn: string; readonly tables: readonly TableRef[] },
): Promise<PglogicalSetup> {
  await db.query('CREATE EXTENSION IF NOT EXISTS pglogical');
  const nodeCreated = await ensureNode(db, options.nodeName, options.dsn);
  const changeSet = slotName;
  const insertSet = `i${slotName}`;
  const setsCreated: string[] = [];
  // create_replication_set(name, replicate_insert, replicate_update, replicate_delete, replicate_truncate)
  if (await ensureSet(db, changeSet, [false, true, true, false])) setsCreated.push(changeSet);
  if (await ensureSet(db, insertSet, [true, false, false, true])) setsCreated.push(insertSet);

  const tables = await describeTables(db, options.tables);
  const tablesAdded: string[] = [];
  for (const set of [changeSet, insertSet]) {
    for (const table of tables) {
      if (set === changeSet && !table.hasIdentity) continue;
      if (await addTable(db, set, table.ref)) tablesAdded.push(`${table.name} -> ${set}`);
    }
  }
  const insertOnly = tables.filter((t) => !t.hasIdentity).map((t) => t.name);
  return { nodeCreated, setsCreated, tablesAdded, insertOnly };
}

async function ensureNode(db: Queryable, nodeName: string, dsn: string): Promise<boolean> {
  const { rows } = await db.query<{ node_name: string }>('SELECT node_name FROM pglogical.node');
  if (rows.length > 0) return false;
  await db.query('SELECT pglogical.create_node(node_name := $1, dsn := $2)', [nodeName, dsn]);
  return true;
}

async function ensureSet(
  db: Queryable,
  name: string,
  flags: readonly [boolean, boolean, boolean, boolean],
): Promise<boolean> {
  const { rows } = await db.query('SELECT 1 FROM pglogical.replication_set WHERE set_name = $1', [name]);
  if (rows.length > 0) return false;
  await db.query('SELECT pglogical.create_replication_set($1, $2, $3, $4, $5)', [name, ...flags]);
  return true;
}

async function addTable(db: Queryable, set: string, table: TableRef): Promise<boolean> {
  const { rows } = await db.query(
    `SELECT 1 FROM pglogical.replication_set_table t JOIN pglogical.replication_set s USING (set_id)
      WHERE s.set_name = $1 AND t.set_reloid = format('%I.%I', $2::text, $3::text)::regclass`,
    [set, table.schema, table.table],
  );
  if (rows.length > 0) return false;
  await db.query(
    "SELECT pglogical.replication_set_add_table($1, format('%I.%I', $2::text, $3::text)::regclass, true)",
    [set, table.schema, table.table],
  );
  return true;
}

interface SetTable {
  readonly ref: TableRef;
  /** schema.table as PostgreSQL writes it (format('%I.%I')): quoted only where needed, never ambiguous. */
  readonly name: string;
  /** A usable replica identity: a primary key, or an explicit index or FULL. */
  readonly hasIdentity: boolean;
}

/** The tables in pglogical's own order (by OID, as replication_set_table keys them), described in one query. */
async function describeTables(db: Queryable, tables: readonly TableRef[]): Promise<SetTable[]> {
  const { rows } = await db.query<{ ord: string; name: string; ok: boolean }>(
    `SELECT t.ord, format('%I.%I', t.schema, t.tbl) AS name,
            (c.relreplident = 'f' OR (c.relreplident = 'i' AND EXISTS (
               SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indisreplident))
             OR (c.relreplident = 'd' AND EXISTS (
               SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indisprimary))) AS ok
       FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS t(schema, tbl, ord)
       JOIN pg_class c ON c.oid = format('%I.%I', t.schema, t.tbl)::regclass
      ORDER BY c.oid, t.ord`,
    [tables.map((t) => t.schema), tables.map((t) => t.table)],
  );
  return rows.map((r) => {
    const ref = tables[Number(r.ord) - 1];
    if (!ref) throw new Error(`no table at position ${r.ord}`);
    return { ref, name: r.name, hasIdentity: r.ok };
  });
}

/** The replication set's tables: listed, or those table mappings select on the source. */
export type ReplicationSetSelection =
  | { readonly tables: readonly TableRef[] }
  | { readonly tableMappings: TableMappings };

/**
 * The tables given, or those the table mappings select on the source now, with the same rule preflight
 * and verification scope by (so the slot replicates exactly what the task will ask for).
 */
export async function replicationSetTables(
  db: Queryable,
  selection: ReplicationSetSelection,
): Promise<readonly TableRef[]> {
  if ('tables' in selection) return selection.tables;
  const selected = tablesToCount(await listUserTables(db), selection.tableMappings);
  if (selected.length === 0) {
    throw new InvalidInputError(
      'pglogical.tableMappings',
      'selects no table on the source, so the pglogical replication set would be empty',
      'Check the selection rules against the source schemas (dms-cdc preflight --table-mappings shows the scope)',
    );
  }
  return selected.map((t) => ({ schema: t.schema, table: t.name }));
}

/** The pglogical node's DSN: where the provider is, without credentials (pglogical reads them itself). */
export function providerDsn(connection: SourceConnection): string {
  return `host=${connection.host} port=${connection.port} dbname=${connection.database}`;
}
