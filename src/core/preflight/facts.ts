import type { SlotJson } from '../slot.js';

/**
 * Facts: what the preflight reads from the servers, as plain JSON-friendly data. The adapter gathers
 * them with a fixed number of set-based catalog queries; every check is a pure function over them,
 * so a snapshot recorded on RDS, Aurora or a pglogical server can be evaluated anywhere.
 */

/** One row of pg_settings. `value` is pg_settings.setting, in the unit pg_settings reports. */
export interface SettingFact {
  readonly value: string;
  readonly unit: string | null;
  readonly pendingRestart: boolean;
}

export interface ServerFacts {
  /** server_version_num, e.g. 170002. */
  readonly versionNum: number;
  /** server_version, e.g. "17.2" or "15.18 (Debian 15.18-0+deb12u1)". */
  readonly version: string;
  /** aurora_version() when the function exists (Aurora PostgreSQL only), else null. */
  readonly auroraVersion: string | null;
  /** The server has the rds.* settings that RDS and Aurora add (rds.extensions). */
  readonly rdsSettings: boolean;
  readonly inRecovery: boolean;
  readonly database: string;
  /** The settings the checks read, keyed by name; a setting the server does not have is absent. */
  readonly settings: Readonly<Record<string, SettingFact>>;
  /** Running walsender processes (physical and logical). */
  readonly walSendersInUse: number;
}

export interface RoleFacts {
  readonly name: string;
  readonly superuser: boolean;
  readonly replication: boolean;
  /** Of the roles that matter here (rds_superuser, rds_replication, ...), those the user is a member of. */
  readonly memberOf: readonly string[];
}

export interface ExtensionFact {
  readonly name: string;
  readonly version: string;
  readonly schema: string;
}

export interface EventTriggerFact {
  readonly name: string;
  readonly event: string;
  /** pg_event_trigger.evtenabled: O (origin), D (disabled), R (replica), A (always). */
  readonly enabled: 'O' | 'D' | 'R' | 'A';
  readonly functionSchema: string;
  readonly functionName: string;
}

/** The objects DMS creates to capture DDL (awsdms_ddl_audit, awsdms_intercept_ddl). */
export interface DdlArtifactFacts {
  readonly auditTables: readonly { readonly schema: string; readonly canWrite: boolean }[];
  readonly interceptFunctions: readonly { readonly schema: string }[];
}

export interface ColumnFact {
  readonly name: string;
  /** format_type(): what a DBA recognises, e.g. "numeric", "character varying(20)", "lo". */
  readonly type: string;
  /** pg_type.typname of the type, or of its base type for a domain. */
  readonly base: string;
  /** pg_type.typtype of that base: b base, c composite, e enum, r range, m multirange, p pseudo. */
  readonly typtype: string;
  /** pg_type.typcategory of that base: A array, N numeric, S string, ... */
  readonly category: string;
  /** pg_attribute.atttypmod: -1 when no precision/length was given. */
  readonly typmod: number;
}

export type ReplicaIdentity = 'default' | 'nothing' | 'full' | 'index';

export interface TableFact {
  readonly schema: string;
  readonly name: string;
  /** `partitioned` is a partitioned parent (relkind p): it holds no rows of its own. */
  readonly kind: 'table' | 'partitioned';
  readonly unlogged: boolean;
  /** "schema.name" of the parent when this table is a partition. */
  readonly partitionOf: string | null;
  readonly replicaIdentity: ReplicaIdentity;
  /** Primary key columns in key order; empty when the table has none. */
  readonly primaryKey: readonly string[];
  /**
   * The columns some check looks at (isColumnOfInterest in column-types.ts), in column order; the
   * adapter leaves out the rest, so a table of plain columns carries none.
   */
  readonly columns: readonly ColumnFact[];
  /** Unique indexes built on expressions, with the expression text (pg_get_expr). */
  readonly expressionUniqueIndexes: readonly { readonly name: string; readonly expression: string }[];
  readonly deferrableConstraints: readonly string[];
  /** USAGE on the schema and SELECT on the table for the connected role. */
  readonly canSelect: boolean;
  /** Created by an extension (PostGIS's spatial_ref_sys, pglogical's catalogs): not user data. */
  readonly extensionMember: boolean;
}

export interface TransactionFact {
  readonly pid: number;
  readonly user: string | null;
  readonly application: string | null;
  readonly state: string | null;
  readonly ageSeconds: number;
  /** The transaction has an xid: it wrote, so a new slot waits for it and decoding pins WAL for it. */
  readonly hasXid: boolean;
}

export interface PreparedTransactionFact {
  readonly gid: string;
  readonly ageSeconds: number;
  readonly owner: string;
  readonly database: string;
}

/** A slot as the checks read it: the one slot model (core/slot.ts) as JSON carries it, every column read. */
export type SlotFact = Omit<Required<SlotJson>, 'inactiveSince'>;

export interface StandbyFact {
  readonly application: string;
  readonly state: string | null;
}

export interface ReplicationFacts {
  readonly slots: readonly SlotFact[];
  /** pg_current_wal_lsn() (pg_last_wal_replay_lsn() on a standby). */
  readonly serverLsn: string;
  /** Streaming standbys seen in pg_stat_replication. */
  readonly standbys: readonly StandbyFact[];
}

/**
 * Whether the test_decoding module can be loaded, by `LOAD 'test_decoding'` (superuser only):
 * `unknown` when the probe could not run.
 */
export type ModuleProbe = 'loaded' | 'missing' | 'unknown';

export interface PglogicalFacts {
  /** pglogical.local_node's node name, or null when no node was created in this database. */
  readonly localNode: string | null;
}

export interface SourceFacts {
  readonly server: ServerFacts;
  readonly role: RoleFacts;
  readonly extensions: readonly ExtensionFact[];
  readonly eventTriggers: readonly EventTriggerFact[];
  readonly ddlArtifacts: DdlArtifactFacts;
  readonly tables: readonly TableFact[];
  readonly transactions: readonly TransactionFact[];
  readonly preparedTransactions: readonly PreparedTransactionFact[];
  readonly replication: ReplicationFacts;
  /** Read only when the pglogical extension is installed in the database; null otherwise. */
  readonly pglogical: PglogicalFacts | null;
  readonly testDecoding: ModuleProbe;
}

export interface TargetTableFact {
  readonly schema: string;
  readonly name: string;
  readonly exists: boolean;
  readonly hasPrimaryKey: boolean;
  /** Enabled foreign keys on the table (they fire during DMS apply unless replication role is replica). */
  readonly foreignKeys: readonly string[];
  /** The target's primary key columns in key order; empty without one. */
  readonly primaryKey: readonly string[];
  /** Every column of the target table, in column order (empty when it does not exist). */
  readonly columns: readonly TargetColumnFact[];
  /** The same table's columns on the source (name and type), in column order; null when not read. */
  readonly sourceColumns: readonly { readonly name: string; readonly type: string }[] | null;
  /** User triggers not disabled: they fire on DMS's apply as the session's replication role decides. */
  readonly triggers: readonly TargetTriggerFact[];
  readonly privileges: {
    readonly select: boolean;
    readonly insert: boolean;
    readonly update: boolean;
    readonly delete: boolean;
    readonly truncate: boolean;
  };
}

export interface TargetColumnFact {
  readonly name: string;
  /** format_type(atttypid, atttypmod): `numeric(12,2)`, `character varying(40)`, `timestamp with time zone`. */
  readonly type: string;
  /** NOT NULL with no default, identity or generation: an INSERT that leaves it out fails. */
  readonly required: boolean;
}

export interface TargetTriggerFact {
  readonly name: string;
  /**
   * pg_trigger.tgenabled: O fires unless session_replication_role is replica, A always fires,
   * R fires only in replica mode (D, disabled, is never listed).
   */
  readonly enabled: 'O' | 'A' | 'R';
}

export interface TargetSchemaFact {
  readonly name: string;
  readonly exists: boolean;
  readonly usage: boolean;
  readonly create: boolean;
}

export interface TargetFacts {
  readonly versionNum: number;
  readonly database: string;
  readonly user: string;
  readonly superuser: boolean;
  readonly inRecovery: boolean;
  readonly extensions: readonly string[];
  readonly sessionReplicationRole: string;
  readonly schemas: readonly TargetSchemaFact[];
  readonly tables: readonly TargetTableFact[];
}
