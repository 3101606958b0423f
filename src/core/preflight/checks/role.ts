import type { EvaluationContext, PreflightCheck } from '../context.js';
import { listNames, plural, quoteIdent } from '../listing.js';
import { REF } from '../references.js';
import { qualifiedName } from '../scope.js';

export const RDS_SUPERUSER = 'rds_superuser';
export const RDS_REPLICATION = 'rds_replication';
export const DDL_TRIGGER = 'awsdms_intercept_ddl';

const replication: PreflightCheck = {
  id: 'role.replication',
  reference: REF.selfManagedPrerequisites,
  evaluate({ facts, platform }) {
    const { role } = facts;
    const user = quoteIdent(role.name);
    if (platform === 'self-managed') {
      if (role.superuser || role.replication) return [];
      return [
        {
          severity: 'blocker',
          title: `${role.name} may not use replication slots`,
          observed: `${role.name}: not superuser, no REPLICATION attribute`,
          expected: 'REPLICATION (DMS documents superuser for CDC from a self-managed source)',
          remedy: `ALTER ROLE ${user} WITH REPLICATION;`,
        },
      ];
    }
    if (role.memberOf.includes(RDS_REPLICATION)) return [];
    return [
      {
        severity: 'blocker',
        title: `${role.name} is not a member of rds_replication`,
        observed: `${role.name} is a member of: ${role.memberOf.join(', ') || 'none of rds_superuser, rds_replication'}`,
        expected: 'membership in rds_replication (and rds_superuser), or the master user',
        remedy: `GRANT rds_replication TO ${user};`,
        reference: REF.rdsPrerequisites,
      },
    ];
  },
};

const selectOnTables: PreflightCheck = {
  id: 'role.select-on-tables',
  reference: REF.selfManagedPrerequisites,
  evaluate({ facts, scope }) {
    const denied = scope.tables.filter((t) => !t.canSelect);
    if (denied.length === 0) return [];
    const schemas = [...new Set(denied.map((t) => t.schema))];
    const user = quoteIdent(facts.role.name);
    return [
      {
        severity: 'blocker',
        title: `${facts.role.name} cannot read ${plural(denied.length, 'selected table')}`,
        observed: `no USAGE on the schema or no SELECT on: ${listNames(denied.map(qualifiedName))}`,
        expected: 'SELECT on every table the task selects',
        remedy: schemas
          .map(
            (s) =>
              `GRANT USAGE ON SCHEMA ${quoteIdent(s)} TO ${user}; GRANT SELECT ON ALL TABLES IN SCHEMA ${quoteIdent(s)} TO ${user};`,
          )
          .join(' '),
      },
    ];
  },
};

const ddlCaptureArtifacts: PreflightCheck = {
  id: 'role.ddl-capture-artifacts',
  reference: REF.nonMasterUser,
  evaluate(context) {
    const { facts } = context;
    if (canCreateEventTriggers(context)) return [];
    const { auditTables, interceptFunctions } = facts.ddlArtifacts;
    const trigger = facts.eventTriggers.some((t) => t.name === DDL_TRIGGER);
    const present = auditTables.length > 0 && interceptFunctions.length > 0 && trigger;
    const user = quoteIdent(facts.role.name);
    if (present) {
      const readOnly = auditTables.filter((t) => !t.canWrite);
      if (readOnly.length === 0) return [];
      return [
        {
          severity: 'warning',
          title: `${facts.role.name} cannot write the DMS DDL audit table`,
          observed: `no INSERT/DELETE on ${readOnly.map((t) => `${t.schema}.awsdms_ddl_audit`).join(', ')}`,
          expected: 'the DDL capture trigger can record DDL run by any role',
          remedy: readOnly
            .map((t) => `GRANT ALL ON ${quoteIdent(t.schema)}.awsdms_ddl_audit TO ${user};`)
            .join(' '),
        },
      ];
    }
    const missing = [
      auditTables.length === 0 && 'table awsdms_ddl_audit',
      interceptFunctions.length === 0 && 'function awsdms_intercept_ddl()',
      !trigger && 'event trigger awsdms_intercept_ddl',
    ].filter(Boolean);
    return [
      {
        severity: 'warning',
        title: 'DMS cannot create its DDL capture objects with this user',
        observed: `${facts.role.name} may not create event triggers; missing: ${missing.join(', ')}`,
        expected: 'the DDL capture objects created beforehand, or CaptureDdls = false on the endpoint',
        remedy:
          'Create awsdms_ddl_audit and awsdms_intercept_ddl() as this user and the event trigger as a superuser ' +
          '(CREATE EVENT TRIGGER awsdms_intercept_ddl ON ddl_command_end EXECUTE PROCEDURE <schema>.awsdms_intercept_ddl();), ' +
          'following the DMS procedure for a non-master user; or set PostgreSQLSettings.CaptureDdls = false',
      },
    ];
  },
};

/** Event triggers need a superuser; on RDS and Aurora rds_superuser may create them. */
function canCreateEventTriggers({ facts, platform }: EvaluationContext): boolean {
  if (facts.role.superuser) return true;
  return platform !== 'self-managed' && facts.role.memberOf.includes(RDS_SUPERUSER);
}

export const ROLE_CHECKS: readonly PreflightCheck[] = [replication, selectOnTables, ddlCaptureArtifacts];
