import type { RowCopies, RowValues, TableVerification, VerifyReport } from './model.js';

/** The report as a person reads it: a verdict, one line per table, the first differing keys. */
export function renderVerifyReport(report: VerifyReport, shown = 10): string {
  const s = report.summary;
  const verdict = s.equal
    ? 'source and target are equal'
    : `${s.tablesDifferent} of ${s.tables} tables differ (${s.missingOnTarget} rows missing on the target, ${s.extraOnTarget} extra, ${s.changed} changed); ${s.sequencesFailing} sequences behind or missing`;
  const lines = [`verify: ${verdict}; ${s.rowsCompared} rows compared in ${s.seconds} s`];
  for (const table of report.tables) lines.push(...renderTable(table, shown));
  for (const sequence of report.sequences) {
    if (!sequence.equal)
      lines.push(
        `  sequence ${sequence.name}: source ${sequence.source ?? '-'}, target ${sequence.target ?? '-'}`,
      );
  }
  return lines.join('\n');
}

function renderTable(table: TableVerification, shown: number): string[] {
  const how = table.comparedBy === 'whole-row' ? ', no primary key: whole-row checksums' : '';
  if (table.problem !== null) return [`  ${table.name}: not compared: ${table.problem}`];
  if (table.equal) return [`  ${table.name}: equal (${table.rows} rows${how})`];
  const t = table.totals;
  const lines = [
    `  ${table.name}: DIFFERENT (${table.rows} rows${how}): ${t.missingOnTarget} missing on the target, ${t.extraOnTarget} extra, ${t.changed} changed`,
  ];
  // `weights`: how many rows each item stands for (copies of a row without a key), 1 by default.
  const list = (label: string, items: readonly string[], total: number, weights?: readonly number[]) => {
    if (items.length === 0) return;
    const count = Math.min(items.length, shown);
    const covered = weights ? weights.slice(0, count).reduce((n, w) => n + w, 0) : count;
    const more = total > covered ? ` (and ${total - covered} more)` : '';
    lines.push(`    ${label}: ${items.slice(0, shown).join('; ')}${more}`);
  };
  list(
    'missing on target',
    table.missingOnTarget.map(describeRow),
    t.missingOnTarget,
    table.missingOnTarget.map(rowsOf),
  );
  list(
    'extra on target',
    table.extraOnTarget.map(describeRow),
    t.extraOnTarget,
    table.extraOnTarget.map(rowsOf),
  );
  list(
    'changed',
    table.changed.map(
      (c) => `${describeValues(c.key)}${c.columns.length > 0 ? ` [${c.columns.join(', ')}]` : ''}`,
    ),
    t.changed,
  );
  return lines;
}

function rowsOf(row: RowValues | RowCopies): number {
  return 'copies' in row && typeof row.copies === 'number' ? row.copies : 1;
}

function describeRow(row: RowValues | RowCopies): string {
  if ('copies' in row && typeof row.copies === 'number' && typeof row.row === 'object') {
    const copies = row as RowCopies;
    return `${describeValues(copies.row)}${copies.copies > 1 ? ` x${copies.copies}` : ''}`;
  }
  return describeValues(row as RowValues);
}

function describeValues(values: RowValues): string {
  return Object.entries(values)
    .map(([k, v]) => `${k}=${v === null ? 'NULL' : JSON.stringify(v)}`)
    .join(', ');
}
