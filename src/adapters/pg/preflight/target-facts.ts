import type { TargetFacts, TargetSchemaFact, TargetTableFact } from '../../../core/preflight/facts.js';
import type { Gathered } from '../../../core/preflight/run.js';
import type { Queryable } from '../queryable.js';
import { countRoundTrips } from './counting.js';
import { SOURCE_COLUMNS_SQL, TARGET_SQL } from './target-sql.js';

interface TargetRow {
  version_num: number;
  database: string;
  user_name: string;
  superuser: boolean;
  in_recovery: boolean;
  session_replication_role: string;
  extensions: string[];
  schemas: TargetSchemaFact[];
  tables: Omit<TargetTableFact, 'sourceColumns'>[];
}

type Columns = NonNullable<TargetTableFact['sourceColumns']>;

/**
 * The target's side of the selected tables, in one round trip whatever their number; with `source`,
 * one more on the source reads the columns of the tables the target has, to compare their shapes.
 */
export async function gatherTargetFacts(
  db: Queryable,
  tables: readonly { schema: string; name: string }[],
  source?: Queryable,
): Promise<Gathered<TargetFacts>> {
  const counted = countRoundTrips(db);
  const { rows } = await counted.query<TargetRow>(TARGET_SQL, [
    tables.map((t) => t.schema),
    tables.map((t) => t.name),
  ]);
  const row = rows[0];
  if (!row) throw new Error('the target catalog query returned no row');
  const present = row.tables.filter((t) => t.exists);
  const countedSource = source && countRoundTrips(source);
  const sourceColumns = countedSource
    ? await readSourceColumns(countedSource, present)
    : new Map<string, Columns>();
  return {
    facts: {
      versionNum: row.version_num,
      database: row.database,
      user: row.user_name,
      superuser: row.superuser,
      inRecovery: row.in_recovery,
      extensions: row.extensions,
      sessionReplicationRole: row.session_replication_role,
      schemas: row.schemas,
      tables: row.tables.map((t) => ({ ...t, sourceColumns: sourceColumns.get(key(t)) ?? null })),
    },
    roundTrips: counted.roundTrips() + (countedSource?.roundTrips() ?? 0),
  };
}

async function readSourceColumns(
  source: Queryable,
  tables: readonly { schema: string; name: string }[],
): Promise<Map<string, Columns>> {
  if (tables.length === 0) return new Map();
  const { rows } = await source.query<{ schema: string; name: string; columns: Columns }>(
    SOURCE_COLUMNS_SQL,
    [tables.map((t) => t.schema), tables.map((t) => t.name)],
  );
  return new Map(rows.map((r) => [key(r), r.columns]));
}

function key(table: { schema: string; name: string }): string {
  return JSON.stringify([table.schema, table.name]);
}
