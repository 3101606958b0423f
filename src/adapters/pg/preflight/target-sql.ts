// $1 schema names and $2 table names of the selected source tables, pairwise: one statement answers
// for all of them (unnest), however many there are.
export const TARGET_SQL = `
WITH wanted AS (
  SELECT DISTINCT w.schema, w.name FROM unnest($1::text[], $2::text[]) AS w(schema, name)
)
SELECT current_setting('server_version_num')::int AS version_num,
       current_database() AS database,
       current_user AS user_name,
       (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) AS superuser,
       pg_is_in_recovery() AS in_recovery,
       current_setting('session_replication_role') AS session_replication_role,
       ARRAY(SELECT extname::text FROM pg_extension ORDER BY 1) AS extensions,
       (SELECT coalesce(json_agg(json_build_object(
                 'name', s.schema, 'exists', n.oid IS NOT NULL,
                 'usage', coalesce(has_schema_privilege(n.oid, 'USAGE'), false),
                 'create', coalesce(has_schema_privilege(n.oid, 'CREATE'), false)) ORDER BY s.schema), '[]')
          FROM (SELECT DISTINCT schema FROM wanted) s
          LEFT JOIN pg_namespace n ON n.nspname = s.schema) AS schemas,
       (SELECT coalesce(json_agg(json_build_object(
                 'schema', w.schema, 'name', w.name, 'exists', c.oid IS NOT NULL,
                 'hasPrimaryKey', EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indisprimary),
                 'primaryKey', coalesce((SELECT json_agg(a.attname ORDER BY k.n)
                                           FROM pg_index i
                                          CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, n)
                                           JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
                                          WHERE i.indrelid = c.oid AND i.indisprimary), '[]'),
                 'columns', coalesce((SELECT json_agg(json_build_object(
                                               'name', a.attname, 'type', format_type(a.atttypid, a.atttypmod),
                                               'required', a.attnotnull AND NOT a.atthasdef
                                                           AND a.attidentity = '' AND a.attgenerated = '')
                                             ORDER BY a.attnum)
                                        FROM pg_attribute a
                                       WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped), '[]'),
                 'triggers', coalesce((SELECT json_agg(json_build_object('name', t.tgname, 'enabled', t.tgenabled)
                                              ORDER BY t.tgname)
                                         FROM pg_trigger t
                                        WHERE t.tgrelid = c.oid AND NOT t.tgisinternal AND t.tgenabled <> 'D'), '[]'),
                 'foreignKeys', coalesce((SELECT json_agg(con.conname ORDER BY con.conname)
                                            FROM pg_constraint con
                                           WHERE con.conrelid = c.oid AND con.contype = 'f'), '[]'),
                 'privileges', json_build_object(
                   'select', coalesce(has_table_privilege(c.oid, 'SELECT'), false),
                   'insert', coalesce(has_table_privilege(c.oid, 'INSERT'), false),
                   'update', coalesce(has_table_privilege(c.oid, 'UPDATE'), false),
                   'delete', coalesce(has_table_privilege(c.oid, 'DELETE'), false),
                   'truncate', coalesce(has_table_privilege(c.oid, 'TRUNCATE'), false))
               ) ORDER BY w.schema, w.name), '[]')
          FROM wanted w
          LEFT JOIN pg_namespace n ON n.nspname = w.schema
          LEFT JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = w.name AND c.relkind IN ('r', 'p'))
         AS tables`;

// The source's side of the same comparison, for the tables the target has: every column's name and
// type in column order, in one statement (attgenerated and attidentity exist on every major 12+).
export const SOURCE_COLUMNS_SQL = `
SELECT w.schema, w.name,
       coalesce((SELECT json_agg(json_build_object('name', a.attname, 'type', format_type(a.atttypid, a.atttypmod))
                        ORDER BY a.attnum)
                   FROM pg_attribute a
                  WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped), '[]') AS columns
  FROM unnest($1::text[], $2::text[]) AS w(schema, name)
  JOIN pg_namespace n ON n.nspname = w.schema
  JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = w.name AND c.relkind IN ('r', 'p')`;
