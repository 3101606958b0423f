import { COLUMNS_OF_INTEREST } from '../../../core/preflight/column-types.js';
import type {
  DdlArtifactFacts,
  EventTriggerFact,
  ExtensionFact,
  ModuleProbe,
  PglogicalFacts,
  PreparedTransactionFact,
  RoleFacts,
  ServerFacts,
  SettingFact,
  SlotFact,
  SourceFacts,
  StandbyFact,
  TableFact,
  TransactionFact,
} from '../../../core/preflight/facts.js';
import type { Gathered } from '../../../core/preflight/run.js';
import { toSlotJson } from '../../../core/slot.js';
import type { Queryable } from '../queryable.js';
import { type SlotRow, toSlotState } from '../slots.js';
import { countRoundTrips } from './counting.js';
import {
  ACTIVITY_SQL,
  AURORA_VERSION_SQL,
  LOAD_TEST_DECODING_SQL,
  PGLOGICAL_NODE_SQL,
  ROLES_OF_INTEREST,
  SERVER_SQL,
  SETTING_NAMES,
  TABLES_SQL,
} from './source-sql.js';

interface ServerRow {
  version_num: number;
  version: string;
  database: string;
  in_recovery: boolean;
  rds_settings: boolean;
  aurora: boolean;
  wal_senders_in_use: number;
  settings: Record<string, SettingFact>;
  role_name: string;
  superuser: boolean;
  replication: boolean;
  member_of: string[];
  extensions: ExtensionFact[];
  event_triggers: EventTriggerFact[];
  audit_tables: DdlArtifactFacts['auditTables'];
  intercept_functions: DdlArtifactFacts['interceptFunctions'];
}

type ListKey = 'primaryKey' | 'columns' | 'expressionUniqueIndexes' | 'deferrableConstraints';

/** A TABLES_SQL row: a TableFact, except that the lists a table does not have are NULL. */
type TableRow = Omit<TableFact, ListKey> & { -readonly [K in ListKey]: TableFact[K] | null };

const TABLES_PARAMS = [
  COLUMNS_OF_INTEREST.categories,
  COLUMNS_OF_INTEREST.kinds,
  COLUMNS_OF_INTEREST.bases,
  COLUMNS_OF_INTEREST.unboundedBases,
  COLUMNS_OF_INTEREST.keyBases,
  COLUMNS_OF_INTEREST.unboundedKeyBases,
];

// One shared empty list for every table without one: 100,000 tables, not 400,000 empty arrays.
const NONE: readonly never[] = Object.freeze([]);

interface ActivityRow {
  transactions: TransactionFact[];
  prepared: PreparedTransactionFact[];
  slots: SlotRow[];
  server_lsn: string;
  standbys: StandbyFact[];
}

// PostgreSQL's SQLSTATE for a file that does not exist (what LOAD reports for a missing module).
const UNDEFINED_FILE = '58P01';

/**
 * Reads every fact the source checks need: three set-based statements, plus at most two small
 * ones that depend on the platform (aurora_version(), the pglogical node, the test_decoding probe).
 * The count never depends on the number of tables, slots or sessions.
 */
export async function gatherSourceFacts(db: Queryable): Promise<Gathered<SourceFacts>> {
  const counted = countRoundTrips(db);
  const server = await one<ServerRow>(counted, SERVER_SQL, [
    SETTING_NAMES,
    ROLES_OF_INTEREST,
    'awsdms_ddl_audit',
    'awsdms_intercept_ddl',
  ]);
  const { rows: tables } = await counted.query<TableRow>(TABLES_SQL, TABLES_PARAMS);
  const activity = await one<ActivityRow>(counted, ACTIVITY_SQL, []);
  const auroraVersion = server.aurora
    ? (await one<{ aurora_version: string }>(counted, AURORA_VERSION_SQL, [])).aurora_version
    : null;
  const pglogical = server.extensions.some((e) => e.name === 'pglogical')
    ? await readPglogical(counted)
    : null;
  const testDecoding = needsTestDecodingProbe(server, auroraVersion, activity)
    ? await probeTestDecoding(counted)
    : 'unknown';
  const facts: SourceFacts = {
    server: toServer(server, auroraVersion),
    role: toRole(server),
    extensions: server.extensions,
    eventTriggers: server.event_triggers,
    ddlArtifacts: { auditTables: server.audit_tables, interceptFunctions: server.intercept_functions },
    tables: tables.map(toTable),
    transactions: activity.transactions,
    preparedTransactions: activity.prepared,
    replication: {
      slots: activity.slots.map(toSlotFact),
      serverLsn: activity.server_lsn,
      standbys: activity.standbys,
    },
    pglogical,
    testDecoding,
  };
  return { facts, roundTrips: counted.roundTrips() };
}

async function one<Row>(db: Queryable, sql: string, params: readonly unknown[]): Promise<Row> {
  const { rows } = await db.query(sql, [...params]);
  const row = rows[0] as Row | undefined;
  if (!row) throw new Error('the catalog query returned no row');
  return row;
}

async function readPglogical(db: Queryable): Promise<PglogicalFacts> {
  const { rows } = await db.query<{ node_name: string }>(PGLOGICAL_NODE_SQL);
  return { localNode: rows[0]?.node_name ?? null };
}

// Only a self-managed server can lack test_decoding, only a superuser may LOAD it, and a slot that
// already decodes with it is proof enough.
function needsTestDecodingProbe(
  server: ServerRow,
  auroraVersion: string | null,
  activity: ActivityRow,
): boolean {
  const managed = server.rds_settings || auroraVersion !== null;
  return !managed && server.superuser && !activity.slots.some((s) => s.plugin === 'test_decoding');
}

async function probeTestDecoding(db: Queryable): Promise<ModuleProbe> {
  try {
    await db.query(LOAD_TEST_DECODING_SQL);
    return 'loaded';
  } catch (error) {
    return (error as { code?: string }).code === UNDEFINED_FILE ? 'missing' : 'unknown';
  }
}

function toServer(row: ServerRow, auroraVersion: string | null): ServerFacts {
  return {
    versionNum: row.version_num,
    version: row.version,
    auroraVersion,
    rdsSettings: row.rds_settings,
    inRecovery: row.in_recovery,
    database: row.database,
    settings: row.settings,
    walSendersInUse: row.wal_senders_in_use,
  };
}

function toRole(row: ServerRow): RoleFacts {
  return {
    name: row.role_name,
    superuser: row.superuser,
    replication: row.replication,
    memberOf: row.member_of,
  };
}

// In place: the row already has the fact's shape, and 100,000 copies would only feed the GC.
function toTable(row: TableRow): TableFact {
  row.primaryKey ??= NONE;
  row.columns ??= NONE;
  row.expressionUniqueIndexes ??= NONE;
  row.deferrableConstraints ??= NONE;
  return row as TableFact;
}

/** A slot row of the one reader (slots.ts), as the checks read it. */
function toSlotFact(row: SlotRow): SlotFact {
  const { inactiveSince: _unread, ...fact } = toSlotJson(toSlotState(row));
  return fact;
}
