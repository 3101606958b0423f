import { OrchestratorError } from '../errors.js';
import type { RowCopies, RowValues, TableVerification } from './model.js';

/**
 * After the task stopped, tables whose rows differ between source and target although their counts
 * agree (or that could not be compared row by row). Names each table and its first differing keys.
 */
export class ContentMismatchError extends OrchestratorError {
  override readonly name = 'ContentMismatchError';
  readonly tables: readonly TableVerification[];

  constructor(tables: readonly TableVerification[]) {
    const shown = tables.slice(0, 10).map(describeTable).join('; ');
    const more = tables.length > 10 ? `; and ${tables.length - 10} more` : '';
    super(
      `${tables.length === 1 ? '1 table differs' : `${tables.length} tables differ`} in content between source and target ` +
        `after the task stopped: ${shown}${more}`,
      'Do not switch applications to the target yet. Run dms-cdc verify --source <url> --target <url> ' +
        '--repair-sql repair.sql with the same table mappings, review repair.sql and run it on the target, ' +
        'then run the verification again',
    );
    this.tables = tables;
  }
}

function describeTable(table: TableVerification): string {
  if (table.problem !== null) return `${table.name} (${table.problem})`;
  const parts: string[] = [];
  const list = (label: string, total: number, keys: readonly string[]) => {
    if (total === 0) return;
    const more = total > keys.length ? ` and ${total - keys.length} more` : '';
    parts.push(`${total} ${label}: ${keys.join(', ')}${more}`);
  };
  const first = <T>(items: readonly T[]) => items.slice(0, 3);
  list('missing on the target', table.totals.missingOnTarget, first(table.missingOnTarget).map(describeRow));
  list('extra on the target', table.totals.extraOnTarget, first(table.extraOnTarget).map(describeRow));
  list(
    'changed',
    table.totals.changed,
    first(table.changed).map(
      (c) => `${describeValues(c.key)}${c.columns.length > 0 ? ` [${c.columns.join(', ')}]` : ''}`,
    ),
  );
  return `${table.name} (${parts.join('; ')})`;
}

function describeRow(row: RowValues | RowCopies): string {
  return 'copies' in row && typeof row.row === 'object'
    ? describeValues((row as RowCopies).row)
    : describeValues(row as RowValues);
}

function describeValues(values: RowValues): string {
  return `(${Object.entries(values)
    .map(([k, v]) => `${k}=${v === null ? 'NULL' : v}`)
    .join(', ')})`;
}
