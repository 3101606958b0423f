import type { EvaluationContext, PreflightCheck } from '../context.js';
import type { TargetFacts } from '../facts.js';
import type { Problem } from '../finding.js';
import { listNames, plural, quoteIdent } from '../listing.js';
import { REF } from '../references.js';
import { qualifiedName } from '../scope.js';
import { TARGET_SHAPE_CHECKS } from './target-shape.js';

function withTarget(evaluate: (target: TargetFacts, context: EvaluationContext) => Problem[]) {
  return (context: EvaluationContext): Problem[] => (context.target ? evaluate(context.target, context) : []);
}

const APPLY_PRIVILEGES = ['select', 'insert', 'update', 'delete'] as const;

const privileges: PreflightCheck = {
  id: 'target.privileges',
  reference: REF.targetSecurity,
  evaluate: withTarget((target) => {
    const user = quoteIdent(target.user);
    if (target.inRecovery) {
      return [
        {
          severity: 'blocker',
          title: 'The target is read-only (a standby)',
          observed: 'pg_is_in_recovery() = true on the target',
          expected: 'a writable target',
          remedy: 'Point the target endpoint at the primary',
        },
      ];
    }
    const problems: Problem[] = [];
    const lacking = target.tables.filter((t) => t.exists && APPLY_PRIVILEGES.some((p) => !t.privileges[p]));
    if (lacking.length > 0) {
      const schemas = [...new Set(lacking.map((t) => t.schema))];
      problems.push({
        severity: 'blocker',
        title: `${target.user} cannot apply changes to ${plural(lacking.length, 'target table')}`,
        observed: listNames(
          lacking.map(
            (t) =>
              `${qualifiedName(t)} (missing ${APPLY_PRIVILEGES.filter((p) => !t.privileges[p]).join(', ')})`,
          ),
        ),
        expected: 'SELECT, INSERT, UPDATE and DELETE on every target table',
        remedy: schemas
          .map(
            (s) =>
              `GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON ALL TABLES IN SCHEMA ${quoteIdent(s)} TO ${user};`,
          )
          .join(' '),
      });
    }
    const noTruncate = target.tables.filter((t) => t.exists && !t.privileges.truncate);
    if (noTruncate.length > 0 && lacking.length === 0) {
      problems.push({
        severity: 'warning',
        title: `${target.user} cannot TRUNCATE ${plural(noTruncate.length, 'target table')}`,
        observed: listNames(noTruncate.map(qualifiedName)),
        expected: 'TRUNCATE, which TargetTablePrepMode TRUNCATE_BEFORE_LOAD needs',
        remedy: `GRANT TRUNCATE ON <table> TO ${user};`,
      });
    }
    const schemaGaps = target.schemas.filter((s) => !s.exists || !s.usage);
    if (schemaGaps.length > 0) {
      problems.push({
        severity: 'blocker',
        title: `Target schemas missing or not usable: ${schemaGaps.length}`,
        observed: schemaGaps.map((s) => `${s.name} (${s.exists ? 'no USAGE' : 'does not exist'})`).join(', '),
        expected: 'every schema the task writes to exists with USAGE for the DMS user',
        remedy: schemaGaps
          .map((s) =>
            s.exists
              ? `GRANT USAGE ON SCHEMA ${quoteIdent(s.name)} TO ${user};`
              : `CREATE SCHEMA ${quoteIdent(s.name)} AUTHORIZATION ${user};`,
          )
          .join(' '),
      });
    }
    return problems;
  }),
};

const foreignKeys: PreflightCheck = {
  id: 'target.foreign-keys',
  reference: REF.target,
  evaluate: withTarget((target) => {
    if (target.sessionReplicationRole === 'replica') return [];
    const withKeys = target.tables.filter((t) => t.exists && t.foreignKeys.length > 0);
    if (withKeys.length === 0) return [];
    return [
      {
        severity: 'warning',
        title: `Target tables with foreign keys: ${withKeys.length}`,
        observed: listNames(withKeys.map((t) => `${qualifiedName(t)} (${t.foreignKeys.join(', ')})`)),
        expected:
          'foreign keys not enforced while DMS loads and applies table by table (it does not keep cross-table order)',
        remedy: `Set the target endpoint's PostgreSQLSettings.AfterConnectScript to SET session_replication_role='replica' (extra connection attribute afterConnectScript=SET session_replication_role='replica')${
          target.superuser ? '' : ` (needs a superuser or rds_superuser: ${target.user} is neither)`
        }, or drop the foreign keys until cutover`,
      },
    ];
  }),
};

const tablesReady: PreflightCheck = {
  id: 'target.tables-ready',
  reference: REF.nativeStartPoint,
  evaluate: withTarget((target, { scope }) => {
    const problems: Problem[] = [];
    const missing = target.tables.filter((t) => !t.exists);
    if (missing.length > 0) {
      problems.push({
        severity: 'blocker',
        title: `Selected tables missing on the target: ${missing.length}`,
        observed: listNames(missing.map(qualifiedName)),
        expected: 'every selected table created and loaded on the target before a CDC-only task starts',
        remedy:
          'Create and load them first (pg_dump --schema-only, then a full load), or exclude them from the task',
      });
    }
    const sourceKeys = new Set(scope.tables.filter((t) => t.primaryKey.length > 0).map(qualifiedName));
    const keyless = target.tables.filter(
      (t) => t.exists && !t.hasPrimaryKey && sourceKeys.has(qualifiedName(t)),
    );
    if (keyless.length > 0) {
      problems.push({
        severity: 'warning',
        title: `Target tables without the primary key their source table has: ${keyless.length}`,
        observed: listNames(keyless.map(qualifiedName)),
        expected: 'the same primary key on target and source: DMS applies UPDATE and DELETE by key',
        remedy: 'ALTER TABLE <table> ADD PRIMARY KEY (<the source key columns>); on the target',
      });
    }
    return problems;
  }),
};

export const TARGET_CHECKS: readonly PreflightCheck[] = [
  privileges,
  foreignKeys,
  tablesReady,
  ...TARGET_SHAPE_CHECKS,
];
