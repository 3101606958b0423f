import type pg from 'pg';
import { selectScope } from '../../core/preflight/scope.js';
import type { TableMappings } from '../../core/preflight/table-mappings.js';
import {
  type CatalogSequence,
  type ColumnRef,
  pairSequences,
  planSequenceSync,
  type SequencePair,
  type SequenceState,
  type SyncStep,
  sequencesInScope,
  type TableRef,
} from '../../core/sequences/index.js';
import { quoteIdentifier } from '../../core/sql-identifier.js';
import { type PgConnector, withPgClient } from './client.js';
import type { Queryable } from './queryable.js';
import { listUserTables } from './row-counts.js';

// Every sequence outside the system schemas with its bounds, privileges, the column owning it (serial:
// deptype 'a'; identity: 'i') and the tables whose defaults call it. pg_sequence_last_value (10+) is
// asked only of a sequence the role may USE but not SELECT: it answers NULL for a sequence not yet
// called, whatever its last_value, so it is exact only when it answers a value.
const SEQUENCES_SQL = `
SELECT n.nspname::text AS schema, c.relname::text AS name,
       s.seqincrement::text AS increment, s.seqmin::text AS min_value, s.seqmax::text AS max_value,
       has_sequence_privilege(c.oid, 'SELECT') AS can_select,
       has_sequence_privilege(c.oid, 'UPDATE') AS can_update,
       CASE WHEN NOT has_sequence_privilege(c.oid, 'SELECT') AND has_sequence_privilege(c.oid, 'USAGE')
            THEN pg_sequence_last_value(c.oid)::text END AS usage_last_value,
       (SELECT json_build_object('schema', tn.nspname, 'name', t.relname, 'column', a.attname)
          FROM pg_depend d
          JOIN pg_class t ON t.oid = d.refobjid
          JOIN pg_namespace tn ON tn.oid = t.relnamespace
          JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = d.refobjsubid
         WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
           AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
         LIMIT 1) AS owned_by,
       -- By pg_depend's reference index (a default depends on the whole sequence): classid is compared as
       -- a number so the planner cannot pick the depender index, which walks every default's
       -- dependencies once per sequence (seconds at 2,000 sequences).
       (SELECT coalesce(jsonb_agg(DISTINCT jsonb_build_object('schema', tn.nspname, 'name', t.relname)), '[]')
          FROM pg_depend d
          JOIN pg_attrdef ad ON ad.oid = d.objid
          JOIN pg_class t ON t.oid = ad.adrelid
          JOIN pg_namespace tn ON tn.oid = t.relnamespace
         WHERE d.refclassid = 'pg_class'::regclass AND d.refobjid = c.oid AND d.refobjsubid = 0
           AND d.classid::bigint = 'pg_attrdef'::regclass::oid::bigint) AS used_by,
       EXISTS (SELECT 1 FROM pg_depend d
                WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e') AS extension_member
  FROM pg_class c
  JOIN pg_namespace n ON n.oid = c.relnamespace
  JOIN pg_sequence s ON s.seqrelid = c.oid
 WHERE c.relkind = 'S' AND c.relpersistence <> 't'
   AND n.nspname <> 'information_schema' AND n.nspname !~ '^pg_'
 ORDER BY 1, 2`;

interface SequenceRow {
  schema: string;
  name: string;
  increment: string;
  min_value: string;
  max_value: string;
  can_select: boolean;
  can_update: boolean;
  usage_last_value: string | null;
  owned_by: ColumnRef | null;
  used_by: TableRef[];
  extension_member: boolean;
}

/** A UNION ALL of this many sequence reads per statement keeps each statement small. */
const VALUES_PER_STATEMENT = 500;

/**
 * Every sequence of the connected database with its state: two round trips (the catalog, then the
 * relations the role may SELECT, last_value and is_called exactly), plus one per 500 more sequences.
 */
export async function readSequences(db: Queryable): Promise<CatalogSequence[]> {
  const { rows } = await db.query<SequenceRow>(SEQUENCES_SQL);
  const states = await readStates(
    db,
    rows.filter((r) => r.can_select),
  );
  return rows.map((r) => ({
    schema: r.schema,
    name: r.name,
    increment: BigInt(r.increment),
    minValue: BigInt(r.min_value),
    maxValue: BigInt(r.max_value),
    ownedBy: r.owned_by ?? undefined,
    usedBy: r.used_by,
    extensionMember: r.extension_member,
    state: r.can_select
      ? states.get(r)
      : r.usage_last_value === null
        ? undefined
        : { lastValue: BigInt(r.usage_last_value), isCalled: true },
    writable: r.can_update,
  }));
}

async function readStates(
  db: Queryable,
  sequences: readonly SequenceRow[],
): Promise<Map<SequenceRow, SequenceState>> {
  const states = new Map<SequenceRow, SequenceState>();
  for (let start = 0; start < sequences.length; start += VALUES_PER_STATEMENT) {
    const chunk = sequences.slice(start, start + VALUES_PER_STATEMENT);
    // The names come from the catalog and are quoted whatever they hold.
    const sql = chunk
      .map(
        (s, i) =>
          `SELECT ${i} AS i, last_value::text AS last_value, is_called FROM ${quoteIdentifier(s.schema)}.${quoteIdentifier(s.name)}`,
      )
      .join('\nUNION ALL\n');
    const { rows } = await db.query<{ i: number; last_value: string; is_called: boolean }>(sql);
    for (const row of rows) {
      const sequence = chunk[row.i];
      if (sequence) states.set(sequence, { lastValue: BigInt(row.last_value), isCalled: row.is_called });
    }
  }
  return states;
}

/**
 * The source's sequences in the scope of `mappings` (all user tables without), each paired with the
 * target's counterpart. The tables are selected the way the task selects them (selectScope).
 */
export async function readSequencePairs(
  source: Queryable,
  target: Queryable,
  mappings: TableMappings | undefined,
): Promise<SequencePair[]> {
  const tables = (await listUserTables(source)).filter((t) => !t.name.startsWith('awsdms_'));
  const scope = selectScope(tables, mappings);
  const inScope = sequencesInScope(await readSequences(source), scope.tables);
  return pairSequences(inScope, await readSequences(target));
}

/**
 * Runs the setval() of every 'set' step on the target in one statement, and returns how many it set.
 * Each value was planned from a read a moment before; nothing else moves a target sequence during a
 * cutover (DMS writes the source's key values, it never calls nextval()).
 */
export async function applySequenceSteps(target: Queryable, steps: readonly SyncStep[]): Promise<number> {
  const sets = steps.flatMap((s) => (s.setval ? [s.setval] : []));
  if (sets.length === 0) return 0;
  const { rows } = await target.query<{ n: string }>(
    `SELECT count(setval(x.seq::regclass, x.value::bigint, x.is_called)) AS n
       FROM unnest($1::text[], $2::text[], $3::boolean[]) AS x(seq, value, is_called)`,
    [
      sets.map((s) => `${quoteIdentifier(s.schema)}.${quoteIdentifier(s.sequence)}`),
      sets.map((s) => s.value),
      sets.map((s) => s.isCalled),
    ],
  );
  return Number(rows[0]?.n ?? 0);
}

/**
 * Sets each target sequence in scope to the source's position plus `gap`, forward only (none when
 * `dryRun`), on a connection to each database, both closed at the end; returns the planned steps.
 */
export function syncSequencesOverPg(
  connect: PgConnector,
  databases: { readonly source: pg.ClientConfig; readonly target: pg.ClientConfig },
  request: { readonly mappings: TableMappings | undefined; readonly gap: number; readonly dryRun?: boolean },
): Promise<SyncStep[]> {
  return withPgClient(
    databases.source,
    (source) =>
      withPgClient(
        databases.target,
        async (target) => {
          const planned = planSequenceSync(
            await readSequencePairs(source, target, request.mappings),
            request.gap,
          );
          if (!request.dryRun) await applySequenceSteps(target, planned);
          return planned;
        },
        connect,
      ),
    connect,
  );
}
