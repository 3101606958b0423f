import type { TargetFacts, TargetSchemaFact, TargetTableFact } from '../../../core/preflight/facts.js';
import type { Gathered } from '../../../core/preflight/run.js';
import type { Queryable } from '../queryable.js';
import { countRoundTrips } from './counting.js';
import { TARGET_SQL } from './target-sql.js';

interface TargetRow {
  version_num: number;
  database: string;
  user_name: string;
  superuser: boolean;
  in_recovery: boolean;
  session_replication_role: string;
  extensions: string[];
  schemas: TargetSchemaFact[];
  tables: TargetTableFact[];
}

/** The target's side of the selected tables, in one round trip whatever their number. */
export async function gatherTargetFacts(
  db: Queryable,
  tables: readonly { schema: string; name: string }[],
): Promise<Gathered<TargetFacts>> {
  const counted = countRoundTrips(db);
  const { rows } = await counted.query<TargetRow>(TARGET_SQL, [
    tables.map((t) => t.schema),
    tables.map((t) => t.name),
  ]);
  const row = rows[0];
  if (!row) throw new Error('the target catalog query returned no row');
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
      tables: row.tables,
    },
    roundTrips: counted.roundTrips(),
  };
}
