import { SLOT_COLUMNS, SLOT_FROM } from '../slots.js';

/**
 * The source catalog queries. Each is set-based: one statement answers for every table, slot or
 * session at once, so the number of round trips does not grow with the size of the database.
 * Columns that only some PostgreSQL versions have are read through to_jsonb(row) ->> 'column',
 * which yields NULL where the column does not exist instead of failing.
 */

/** Settings the checks read (a name the server lacks simply has no row). */
export const SETTING_NAMES = [
  'wal_level',
  'rds.logical_replication',
  'max_replication_slots',
  'max_wal_senders',
  'wal_sender_timeout',
  'max_worker_processes',
  'max_logical_replication_workers',
  'autovacuum_max_workers',
  'max_parallel_workers',
  'max_slot_wal_keep_size',
  'idle_replication_slot_timeout',
  'idle_in_transaction_session_timeout',
  'logical_decoding_work_mem',
  'shared_preload_libraries',
  'synchronized_standby_slots',
  'output_plugin_libraries',
] as const;

/** Roles whose membership changes what the user may do. */
export const ROLES_OF_INTEREST = ['rds_superuser', 'rds_replication', 'pg_read_all_stats'] as const;

// $1 setting names, $2 roles of interest, $3 DMS audit table name, $4 DMS DDL function name.
// It also turns JIT off for the rest of this short session, without a round trip of its own: with
// many tables the catalog query's estimated cost makes a server built with JIT (Debian's, RDS)
// compile it, and compiling costs more than it saves (15, 100,000 tables: 1.2 s of CPU, 0.7 s without).
export const SERVER_SQL = `
SELECT set_config('jit', 'off', false) AS jit,
       current_setting('server_version_num')::int AS version_num,
       current_setting('server_version') AS version,
       current_database() AS database,
       pg_is_in_recovery() AS in_recovery,
       current_setting('rds.extensions', true) IS NOT NULL AS rds_settings,
       to_regprocedure('aurora_version()') IS NOT NULL AS aurora,
       (SELECT count(*)::int FROM pg_stat_activity WHERE backend_type = 'walsender') AS wal_senders_in_use,
       (SELECT coalesce(json_object_agg(name, json_build_object(
                 'value', setting, 'unit', unit, 'pendingRestart', pending_restart)), '{}')
          FROM pg_settings WHERE name = ANY($1::text[])) AS settings,
       r.rolname AS role_name, r.rolsuper AS superuser, r.rolreplication AS replication,
       ARRAY(SELECT m.rolname::text FROM pg_roles m
              WHERE m.rolname = ANY($2::text[]) AND pg_has_role(r.oid, m.oid, 'MEMBER')
              ORDER BY 1) AS member_of,
       (SELECT coalesce(json_agg(json_build_object(
                 'name', e.extname, 'version', e.extversion, 'schema', n.nspname) ORDER BY e.extname), '[]')
          FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace) AS extensions,
       (SELECT coalesce(json_agg(json_build_object(
                 'name', t.evtname, 'event', t.evtevent, 'enabled', t.evtenabled,
                 'functionSchema', pn.nspname, 'functionName', p.proname) ORDER BY t.evtname), '[]')
          FROM pg_event_trigger t
          JOIN pg_proc p ON p.oid = t.evtfoid
          JOIN pg_namespace pn ON pn.oid = p.pronamespace) AS event_triggers,
       (SELECT coalesce(json_agg(json_build_object(
                 'schema', n.nspname,
                 'canWrite', has_table_privilege(c.oid, 'INSERT') AND has_table_privilege(c.oid, 'DELETE'))), '[]')
          FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE c.relname = $3::text AND c.relkind = 'r') AS audit_tables,
       (SELECT coalesce(json_agg(json_build_object('schema', n.nspname)), '[]')
          FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
         WHERE p.proname = $4::text) AS intercept_functions
  FROM pg_roles r
 WHERE r.rolname = current_user`;

// Every table the role could migrate, one row each, already in TableFact's shape (quoted aliases)
// so that a row becomes the fact without a copy. Only what the checks need comes back, and nothing
// for the usual table: the primary key's column names, and of the other columns only those
// isColumnOfInterest flags (core/preflight/column-types.ts, passed in as COLUMNS_OF_INTEREST), so
// 100,000 tables of plain columns cost one short row each.
//   - A column's type and its domain's base type are looked up per distinct type: the LATERAL ...
//     LIMIT 1 is what lets PostgreSQL 14+ cache the lookup (Memoize) instead of joining every type.
//   - Lists a table lacks are NULL, not empty arrays: nothing to send, nothing to parse.
//   - SELECT is certain without asking has_table_privilege (a catalog lookup per table) when the
//     table has default privileges and the role has its owner's privileges (pg_has_role ... USAGE,
//     true for a superuser): the default ACL grants the owner everything.
// $1 categories, $2 kinds (typtype), $3 bases, $4 bases flagged without typmod, $5 bases flagged in
// a primary key, $6 bases flagged in a primary key without typmod.
export const TABLES_SQL = `
WITH attrs AS (
  SELECT a.attrelid, a.attnum, a.attname, a.atttypid, a.atttypmod, ty.typname, ty.typtype, ty.typcategory,
         array_position(i.indkey::int2[], a.attnum) AS key_position
    FROM pg_attribute a
    LEFT JOIN pg_index i ON i.indrelid = a.attrelid AND i.indisprimary
   CROSS JOIN LATERAL (
         SELECT b.typname, b.typtype, b.typcategory
           FROM pg_type t JOIN pg_type b ON b.oid = CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END
          WHERE t.oid = a.atttypid LIMIT 1) ty
   WHERE a.attnum > 0 AND NOT a.attisdropped
), marked AS (
  SELECT attrs.*,
         typcategory = ANY($1::"char"[]) OR typtype = ANY($2::"char"[]) OR typname = ANY($3::name[])
         OR (atttypmod < 0 AND typname = ANY($4::name[]))
         OR (key_position IS NOT NULL
             AND (typname = ANY($5::name[]) OR (atttypmod < 0 AND typname = ANY($6::name[])))) AS of_interest
    FROM attrs
), per_table AS (
  SELECT attrelid,
         json_agg(attname ORDER BY key_position) FILTER (WHERE key_position IS NOT NULL) AS primary_key,
         json_agg(json_build_object('name', attname, 'type', format_type(atttypid, atttypmod), 'base', typname,
                                    'typtype', typtype, 'category', typcategory, 'typmod', atttypmod)
                  ORDER BY attnum) FILTER (WHERE of_interest) AS columns
    FROM marked
   WHERE key_position IS NOT NULL OR of_interest
   GROUP BY attrelid
), expr AS (
  SELECT i.indrelid,
         json_agg(json_build_object('name', ic.relname, 'expression', pg_get_expr(i.indexprs, i.indrelid))) AS indexes
    FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid
   WHERE i.indisunique AND i.indexprs IS NOT NULL
   GROUP BY i.indrelid
), deferred AS (
  SELECT con.conrelid, array_agg(con.conname::text ORDER BY con.conname) AS names
    FROM pg_constraint con
   WHERE con.condeferrable
   GROUP BY con.conrelid
)
SELECT n.nspname AS schema, c.relname AS name, CASE c.relkind WHEN 'p' THEN 'partitioned' ELSE 'table' END AS kind,
       c.relpersistence = 'u' AS unlogged,
       CASE WHEN c.relispartition THEN
         (SELECT pn.nspname || '.' || pc.relname
            FROM pg_inherits inh
            JOIN pg_class pc ON pc.oid = inh.inhparent
            JOIN pg_namespace pn ON pn.oid = pc.relnamespace
           WHERE inh.inhrelid = c.oid AND pc.relkind = 'p') END AS "partitionOf",
       CASE c.relreplident WHEN 'd' THEN 'default' WHEN 'n' THEN 'nothing' WHEN 'f' THEN 'full' ELSE 'index' END
         AS "replicaIdentity",
       t.primary_key AS "primaryKey", t.columns,
       expr.indexes AS "expressionUniqueIndexes", deferred.names AS "deferrableConstraints",
       has_schema_privilege(c.relnamespace, 'USAGE')
         AND CASE WHEN c.relacl IS NULL AND pg_has_role(c.relowner, 'USAGE') THEN true
                  ELSE has_table_privilege(c.oid, 'SELECT') END AS "canSelect",
       c.oid IN (SELECT d.objid FROM pg_depend d
                  WHERE d.classid = 'pg_class'::regclass AND d.deptype = 'e') AS "extensionMember"
  FROM pg_class c
  JOIN pg_namespace n ON n.oid = c.relnamespace
  LEFT JOIN per_table t ON t.attrelid = c.oid
  LEFT JOIN expr ON expr.indrelid = c.oid
  LEFT JOIN deferred ON deferred.conrelid = c.oid
 WHERE c.relkind IN ('r', 'p') AND n.nspname <> 'information_schema' AND n.nspname !~ '^pg_'
 ORDER BY n.nspname, c.relname`;

// Open transactions, prepared transactions, every slot and the standbys, in one statement.
export const ACTIVITY_SQL = `
SELECT (SELECT coalesce(json_agg(json_build_object(
                 'pid', a.pid, 'user', a.usename, 'application', nullif(a.application_name, ''), 'state', a.state,
                 'ageSeconds', floor(extract(epoch FROM now() - a.xact_start))::int,
                 'hasXid', a.backend_xid IS NOT NULL) ORDER BY a.xact_start), '[]')
          FROM pg_stat_activity a
         WHERE a.xact_start IS NOT NULL AND a.pid <> pg_backend_pid() AND a.backend_type = 'client backend')
         AS transactions,
       (SELECT coalesce(json_agg(json_build_object(
                 'gid', p.gid, 'ageSeconds', floor(extract(epoch FROM now() - p.prepared))::int,
                 'owner', p.owner, 'database', p.database) ORDER BY p.prepared), '[]')
          FROM pg_prepared_xacts p) AS prepared,
       -- The one slot reader's select list (slots.ts), each row as JSON: the same columns and parsing.
       (SELECT coalesce(json_agg(row_to_json(r) ORDER BY r.slot_name COLLATE "C"), '[]')
          FROM (SELECT ${SLOT_COLUMNS} FROM ${SLOT_FROM}) r) AS slots,
       (CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() ELSE pg_current_wal_lsn() END)::text
         AS server_lsn,
       (SELECT coalesce(json_agg(json_build_object('application', r.application_name, 'state', r.state)), '[]')
          FROM pg_stat_replication r) AS standbys`;

export const AURORA_VERSION_SQL = 'SELECT aurora_version() AS aurora_version';

// pglogical is not relocatable: its catalog always lives in schema pglogical.
export const PGLOGICAL_NODE_SQL = `
SELECT n.node_name::text AS node_name
  FROM pglogical.local_node l JOIN pglogical.node n ON n.node_id = l.node_id`;

// A constant module name, nothing from input: LOAD is a utility statement and takes no parameters.
export const LOAD_TEST_DECODING_SQL = "LOAD 'test_decoding'";
