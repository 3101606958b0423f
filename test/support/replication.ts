import type { LocalDms } from '../../src/adapters/local/dms/engine.js';
import { selectionMappings } from '../../src/local/table-mappings.js';
import type { Task, TaskStatus } from '../../src/ports/dms.js';
import type { PgNode } from './pg.js';

export const DEMO_TABLES = ['shop.customers', 'shop.orders'] as const;

export const ALL_TABLES_MAPPING = JSON.stringify(selectionMappings({ name: 'shop', schema: 'shop' }));

/** Every row of a table, ordered by its first column, as JSON text: two servers compare equal iff the data does. */
export async function tableRows(node: PgNode, table: string): Promise<string[]> {
  const rows = await node.query<{ row: string }>(
    `SELECT to_jsonb(t)::text AS row FROM ${table} t ORDER BY 1`,
  );
  return rows.map((r) => r.row);
}

export interface TableDiff {
  readonly table: string;
  /** Rows on the source that the target lacks (lost), and rows only the target has. */
  readonly missingOnTarget: string[];
  readonly extraOnTarget: string[];
}

export async function diffTables(
  source: PgNode,
  target: PgNode,
  tables: readonly string[] = DEMO_TABLES,
): Promise<TableDiff[]> {
  const diffs: TableDiff[] = [];
  for (const table of tables) {
    const [a, b] = await Promise.all([tableRows(source, table), tableRows(target, table)]);
    const inTarget = new Set(b);
    const inSource = new Set(a);
    diffs.push({
      table,
      missingOnTarget: a.filter((r) => !inTarget.has(r)),
      extraOnTarget: b.filter((r) => !inSource.has(r)),
    });
  }
  return diffs;
}

/** Polls until source and target hold the same rows (or the deadline passes), returning the last diff. */
export async function waitForConvergence(
  source: PgNode,
  target: PgNode,
  timeoutMs = 20_000,
): Promise<TableDiff[]> {
  const deadline = Date.now() + timeoutMs;
  let diffs = await diffTables(source, target);
  while (Date.now() < deadline && diffs.some((d) => d.missingOnTarget.length || d.extraOnTarget.length)) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    diffs = await diffTables(source, target);
  }
  return diffs;
}

export function waitForStatus(
  dms: LocalDms,
  arn: string,
  until: TaskStatus[],
  timeoutMs = 20_000,
): Promise<Task> {
  return untilStatus(dms, arn, until, Date.now() + timeoutMs);
}

/** Polls the local engine every 25 ms until the task is in one of `until`, or fails at the deadline. */
async function untilStatus(dms: LocalDms, arn: string, until: TaskStatus[], deadline: number): Promise<Task> {
  for (;;) {
    const task = await dms.describeTask(arn);
    if (until.includes(task.status)) return task;
    if (Date.now() >= deadline)
      throw new Error(`task ${arn} is ${task.status}, not ${until.join(' or ')}, after the wait`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
