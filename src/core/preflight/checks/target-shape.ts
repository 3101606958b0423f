import type { EvaluationContext, PreflightCheck } from '../context.js';
import type { TargetFacts, TargetTableFact } from '../facts.js';
import type { Problem } from '../finding.js';
import { listNames, plural, quoteIdent, quoteTable, statements } from '../listing.js';
import { REF } from '../references.js';
import { qualifiedName } from '../scope.js';

/**
 * Whether the target tables a CDC-only task applies to are ready for it: shaped like the source,
 * without triggers that would run again on replicated rows, and a task that leaves them as they are.
 */

function withTarget(evaluate: (target: TargetFacts, context: EvaluationContext) => Problem[]) {
  return (context: EvaluationContext): Problem[] => (context.target ? evaluate(context.target, context) : []);
}

// The DMS API's name for it, and its extra connection attribute form (AWS DMS API Reference, PostgreSQLSettings).
const REPLICA_SCRIPT =
  "set the target endpoint's PostgreSQLSettings.AfterConnectScript to SET session_replication_role='replica' " +
  "(extra connection attribute afterConnectScript=SET session_replication_role='replica')";

const triggers: PreflightCheck = {
  id: 'target.triggers',
  reference: REF.target,
  evaluate: withTarget((target) => {
    // In replica mode only ALWAYS and REPLICA triggers fire; otherwise ORIGIN and ALWAYS ones do.
    const replica = target.sessionReplicationRole === 'replica';
    const fires = (t: TargetTableFact) =>
      t.triggers.filter((g) => g.enabled === 'A' || g.enabled === (replica ? 'R' : 'O'));
    const firing = target.tables.filter((t) => t.exists && fires(t).length > 0);
    if (firing.length === 0) return [];
    const always = firing.flatMap((t) =>
      fires(t)
        .filter((g) => g.enabled !== 'O')
        .map((g) => ({ t, g })),
    );
    return [
      {
        severity: 'warning',
        title: `User triggers fire on ${plural(firing.length, 'target table')} when DMS applies changes`,
        observed: listNames(
          firing.map(
            (t) =>
              `${qualifiedName(t)} (${fires(t)
                .map((g) => g.name)
                .join(', ')})`,
          ),
        ),
        expected:
          'no user trigger firing on replicated rows: the source already ran its triggers, and their effects arrive as rows',
        remedy:
          always.length === 0
            ? `${REPLICA_SCRIPT}${target.superuser ? '' : ` (needs a superuser or rds_superuser: ${target.user} is neither)`}, or disable them until cutover: ${statements(firing.map((t) => `ALTER TABLE ${quoteTable(t)} DISABLE TRIGGER USER;`))}`
            : `These fire even in replica mode; disable them until cutover: ${statements(always.map(({ t, g }) => `ALTER TABLE ${quoteTable(t)} DISABLE TRIGGER ${quoteIdent(g.name)};`))}`,
      },
    ];
  }),
};

interface ShapeGap {
  readonly table: TargetTableFact;
  readonly missing: readonly string[];
  readonly required: readonly string[];
  readonly retyped: readonly string[];
}

function shapeGaps(target: TargetFacts): ShapeGap[] {
  return target.tables.flatMap((table) => {
    if (!table.exists || table.sourceColumns === null) return [];
    const onTarget = new Map(table.columns.map((c) => [c.name, c]));
    const onSource = new Map(table.sourceColumns.map((c) => [c.name, c]));
    const missing = table.sourceColumns.filter((c) => !onTarget.has(c.name)).map((c) => c.name);
    const required = table.columns.filter((c) => c.required && !onSource.has(c.name)).map((c) => c.name);
    const retyped = table.sourceColumns.flatMap((c) => {
      const other = onTarget.get(c.name);
      return other && other.type !== c.type ? [`${c.name} ${c.type} -> ${other.type}`] : [];
    });
    return missing.length + required.length + retyped.length > 0
      ? [{ table, missing, required, retyped }]
      : [];
  });
}

const tableShape: PreflightCheck = {
  id: 'target.table-shape',
  reference: REF.target,
  evaluate: withTarget((target, { scope }) => {
    const problems: Problem[] = [];
    const gaps = shapeGaps(target);
    const broken = gaps.filter((g) => g.missing.length + g.required.length > 0);
    if (broken.length > 0) {
      problems.push({
        severity: 'blocker',
        title: `Target tables that cannot take the source's rows: ${broken.length}`,
        observed: listNames(
          broken.map(
            (g) =>
              `${qualifiedName(g.table)} (${[
                ...(g.missing.length > 0 ? [`missing ${g.missing.join(', ')}`] : []),
                ...(g.required.length > 0
                  ? [`NOT NULL without default, not on the source: ${g.required.join(', ')}`]
                  : []),
              ].join('; ')})`,
          ),
        ),
        expected:
          "every source column on the target, and no required target column the source's rows leave out",
        remedy:
          'Create the target tables from the source schema (pg_dump --schema-only --table=...), or add the missing columns ' +
          'and give the extra ones a default or drop their NOT NULL',
      });
    }
    const retyped = gaps.filter((g) => g.retyped.length > 0);
    if (retyped.length > 0) {
      problems.push({
        severity: 'warning',
        title: `Target columns with another type than on the source: ${retyped.length} table${retyped.length === 1 ? '' : 's'}`,
        observed: listNames(retyped.map((g) => `${qualifiedName(g.table)} (${g.retyped.join(', ')})`)),
        expected:
          'the same column types: DMS converts on apply, and a narrower type rejects or rounds values',
        remedy: 'ALTER TABLE <table> ALTER COLUMN <column> TYPE <the source type>; on the target',
      });
    }
    const sourceKeys = new Map(scope.tables.map((t) => [qualifiedName(t), t.primaryKey]));
    const rekeyed = target.tables.filter((t) => {
      const key = sourceKeys.get(qualifiedName(t)) ?? [];
      return (
        t.exists && key.length > 0 && t.primaryKey.length > 0 && key.join('\0') !== t.primaryKey.join('\0')
      );
    });
    if (rekeyed.length > 0) {
      problems.push({
        severity: 'warning',
        title: `Target tables keyed on other columns than their source table: ${rekeyed.length}`,
        observed: listNames(
          rekeyed.map(
            (t) =>
              `${qualifiedName(t)} (source (${(sourceKeys.get(qualifiedName(t)) ?? []).join(', ')}), target (${t.primaryKey.join(', ')}))`,
          ),
        ),
        expected:
          'the same primary key on both sides: DMS finds the rows it updates and deletes by the source key',
        remedy: 'Recreate the target primary key on the source key columns, in the same order',
      });
    }
    return problems;
  }),
};

const tablePrepMode: PreflightCheck = {
  id: 'target.table-prep-mode',
  reference: REF.target,
  evaluate: withTarget((target) => {
    const prepared = target.tables.filter((t) => t.exists);
    if (prepared.length === 0) return [];
    return [
      {
        severity: 'info',
        title: 'Keep the prepared target tables as they are: TargetTablePrepMode DO_NOTHING',
        observed: `${plural(prepared.length, 'selected table')} already on the target`,
        expected:
          'task settings that never drop or truncate the tables CDC applies to (DROP_AND_CREATE recreates them without ' +
          'their indexes and constraints; TRUNCATE_BEFORE_LOAD empties them)',
        remedy:
          'Give the cutover taskSettings {"FullLoadSettings": {"TargetTablePrepMode": "DO_NOTHING"}}; it also keeps a ' +
          'foreign key from making DMS fail a DROP or TRUNCATE',
      },
    ];
  }),
};

export const TARGET_SHAPE_CHECKS: readonly PreflightCheck[] = [triggers, tableShape, tablePrepMode];
