import type { Queryable } from '../../pg/queryable.js';

/** What the applier needs to know of a target table: its columns and its key. */
export interface TargetTable {
  readonly columns: readonly string[];
  /** GENERATED ... STORED columns: the target computes them, they are never written. */
  readonly generated: ReadonlySet<string>;
  /** Primary key columns, or those of the replica identity index; empty when the table has neither. */
  readonly key: readonly string[];
}

/** Reads target table metadata once per table and remembers it for the task's life. */
export class TargetSchema {
  private readonly cache = new Map<string, TargetTable | null>();

  constructor(private readonly db: Queryable) {}

  async table(schema: string, table: string): Promise<TargetTable | null> {
    const name = `${schema}\u0000${table}`;
    if (!this.cache.has(name)) this.cache.set(name, await this.load(schema, table));
    return this.cache.get(name) ?? null;
  }

  private async load(schema: string, table: string): Promise<TargetTable | null> {
    const { rows } = await this.db.query<{
      columns: string[] | null;
      generated: string[] | null;
      key: string[] | null;
    }>(
      `SELECT (SELECT array_agg(a.attname::text ORDER BY a.attnum) FROM pg_attribute a
                WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped) AS columns,
              (SELECT array_agg(a.attname::text) FROM pg_attribute a
                WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated <> '') AS generated,
              (SELECT array_agg(a.attname::text ORDER BY k.ord)
                 FROM pg_index i
                 CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
                 JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
                WHERE i.indrelid = c.oid
                  AND i.indexrelid = (SELECT indexrelid FROM pg_index
                                       WHERE indrelid = c.oid AND (indisprimary OR indisreplident)
                                       ORDER BY indisprimary DESC LIMIT 1)) AS key
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'p')`,
      [schema, table],
    );
    const row = rows[0];
    if (!row) return null;
    return { columns: row.columns ?? [], generated: new Set(row.generated ?? []), key: row.key ?? [] };
  }
}
