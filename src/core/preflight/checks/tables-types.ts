import { isOidLob, isPostgis, isUnconstrainedNumeric, unsupportedKind } from '../column-types.js';
import type { EvaluationContext, PreflightCheck } from '../context.js';
import type { ColumnFact } from '../facts.js';
import type { Problem } from '../finding.js';
import { listNames, problemListing } from '../listing.js';
import { REF } from '../references.js';
import { qualifiedName } from '../scope.js';
import { tableCheck } from './table-check.js';

/** "schema.table.column type" for every selected column that matches. */
function columnsWhere({ scope }: EvaluationContext, test: (c: ColumnFact) => boolean): string[] {
  // Loops, not flatMap: most of 100,000 tables have no column of interest, and no garbage either.
  const found: string[] = [];
  for (const t of scope.tables) {
    for (const c of t.columns) if (test(c)) found.push(`${qualifiedName(t)}.${c.name} ${c.type}`);
  }
  return found;
}

/** A check that lists every selected column `where` holds, as one problem. */
function columnCheck(
  id: string,
  reference: string,
  where: (c: ColumnFact) => boolean,
  problem: Omit<Problem, 'observed'>,
): PreflightCheck {
  return { id, reference, evaluate: (context) => problemListing(columnsWhere(context, where), problem) };
}

const unsupportedTypes = columnCheck(
  'tables.unsupported-types',
  REF.homogeneous,
  (c) => unsupportedKind(c) !== undefined,
  {
    severity: 'warning',
    title: 'Columns of types DMS does not migrate as such',
    expected:
      'types DMS migrates (enum, composite, range, inet, macaddr, tsvector, tsquery and geometric types do not)',
    remedy:
      'Pre-create the target tables with the real types and check these columns after load, or cast them with ' +
      'a transformation rule; exclude the columns if they are not needed',
  },
);

const numericWithoutPrecision = columnCheck(
  'tables.numeric-without-precision',
  REF.limitations,
  isUnconstrainedNumeric,
  {
    severity: 'warning',
    title: 'NUMERIC columns without precision, which DMS rounds to NUMERIC(28,6)',
    expected: 'NUMERIC(p,s), or a target column pre-created as plain NUMERIC',
    remedy:
      'ALTER TABLE <table> ALTER COLUMN <column> TYPE numeric(<p>,<s>); or pre-create the target column as numeric ' +
      'and use TargetTablePrepMode DO_NOTHING',
  },
);

const uniqueIndexCoalesce = tableCheck(
  'tables.unique-index-coalesce',
  REF.limitations,
  (t, add) => {
    for (const i of t.expressionUniqueIndexes) {
      if (/\bcoalesce\s*\(/i.test(i.expression)) add(`${qualifiedName(t)} (${t.schema}.${i.name})`);
    }
  },
  {
    severity: 'blocker',
    title: 'Tables with a unique index on COALESCE(...), which DMS does not replicate',
    expected: 'unique indexes on plain columns',
    remedy:
      'Replace the index, e.g. with a unique index using NULLS NOT DISTINCT (PostgreSQL 15+), or exclude the table',
  },
);

const deferrableConstraints = tableCheck(
  'tables.deferrable-constraints',
  REF.limitations,
  (t, add) => {
    for (const name of t.deferrableConstraints) add(`${qualifiedName(t)} (${name})`);
  },
  {
    severity: 'warning',
    title: 'Deferrable constraints on selected tables, which DMS does not support',
    expected: 'NOT DEFERRABLE constraints (DMS applies row by row and checks constraints immediately)',
    remedy: 'ALTER TABLE <table> ALTER CONSTRAINT <name> NOT DEFERRABLE; on the target at least',
  },
);

const oidLob = columnCheck('tables.oid-lob', REF.limitations, isOidLob, {
  severity: 'warning',
  title: 'Columns referencing large objects, which DMS does not migrate',
  expected: 'bytea for binary data: the large objects behind oid/lo columns stay behind',
  remedy:
    'Move the data into bytea columns before migrating (lo_get(<oid>) returns the bytes), or copy pg_largeobject separately',
});

const postgis: PreflightCheck = {
  id: 'tables.postgis',
  reference: REF.postgis,
  evaluate(context) {
    const found = columnsWhere(context, isPostgis);
    if (found.length === 0) return [];
    const { target } = context;
    if (target && !target.extensions.includes('postgis')) {
      return [
        {
          severity: 'blocker',
          title: 'PostGIS columns are selected but the target has no PostGIS',
          observed: `${listNames(found)}; target extensions: ${target.extensions.join(', ') || 'none'}`,
          expected: 'the postgis extension on the PostgreSQL target',
          remedy: 'CREATE EXTENSION postgis; on the target database',
        },
      ];
    }
    if (target) return [];
    return [
      {
        severity: 'info',
        title: `PostGIS columns selected (supported for PostgreSQL targets only): ${found.length}`,
        observed: listNames(found),
        expected: 'a PostgreSQL target with the postgis extension (homogeneous migration)',
        remedy:
          'Create the postgis extension on the target before the load; run preflight with --target to verify',
      },
    ];
  },
};

export const TABLE_TYPE_CHECKS: readonly PreflightCheck[] = [
  unsupportedTypes,
  numericWithoutPrecision,
  uniqueIndexCoalesce,
  deferrableConstraints,
  oidLob,
  postgis,
];
