import { isArray, isLob } from '../column-types.js';
import type { EvaluationContext, PreflightCheck } from '../context.js';
import type { TableFact } from '../facts.js';
import { listNames, plural, problemListing, quoteTable, statements } from '../listing.js';
import { REF } from '../references.js';
import { qualifiedName } from '../scope.js';
import { tableCheck } from './table-check.js';

/** Tables that hold rows: partitioned parents only route them to their partitions. */
function rowTables({ scope }: EvaluationContext): TableFact[] {
  return scope.tables.filter((t) => t.kind === 'table');
}

const noneSelected: PreflightCheck = {
  id: 'tables.none-selected',
  reference: REF.wildcards,
  evaluate({ scope, facts }) {
    const unmatched = scope.unmatchedRules.map(
      (r) => `${r.ruleName} (${r.action} ${r.schemaName}.${r.tableName})`,
    );
    if (scope.tables.length === 0) {
      return [
        {
          severity: 'blocker',
          title: 'No table is selected',
          observed:
            scope.source === 'table-mappings'
              ? `the selection rules match none of the ${facts.tables.length} tables in ${facts.server.database}`
              : `database ${facts.server.database} has no user tables`,
          expected: 'at least one table to capture',
          remedy:
            'Fix the schema-name/table-name patterns (% any characters, _ one character, [_] a literal underscore) or connect to the right database',
        },
      ];
    }
    if (unmatched.length === 0) return [];
    return [
      {
        severity: 'warning',
        title: `Selection rules that match no table: ${unmatched.length}`,
        observed: listNames(unmatched),
        expected: 'every include/explicit rule selects at least one table',
        remedy:
          'Check the rule for a misspelt name or letter case (names are matched as stored), or remove it',
      },
    ];
  },
};

const primaryKey: PreflightCheck = {
  id: 'tables.primary-key',
  reference: REF.logicalReplication,
  evaluate(context) {
    const tables = rowTables(context);
    const keyless = tables.filter(
      (t) =>
        t.replicaIdentity === 'nothing' || (t.primaryKey.length === 0 && t.replicaIdentity === 'default'),
    );
    const identityOnly = tables.filter(
      (t) => t.primaryKey.length === 0 && (t.replicaIdentity === 'full' || t.replicaIdentity === 'index'),
    );
    const problems = [];
    if (keyless.length > 0) {
      const addKey = 'Add a primary key (ALTER TABLE <table> ADD PRIMARY KEY (<columns>);)';
      // REPLICA IDENTITY FULL only helps with test_decoding: with pglogical it is a blocker of its own.
      const withPglogical = context.plugin.name === 'pglogical';
      problems.push({
        severity: 'blocker' as const,
        title: `UPDATE and DELETE on ${plural(keyless.length, 'table')} would be silently skipped`,
        observed: `no primary key and no replica identity: ${listNames(keyless.map(qualifiedName))}`,
        expected: withPglogical
          ? 'a primary key on every captured table (pglogical does not support REPLICA IDENTITY FULL)'
          : 'a primary key (or REPLICA IDENTITY FULL with test_decoding) on every captured table',
        remedy: withPglogical
          ? `${addKey}, or exclude these tables from the task. REPLICA IDENTITY FULL is no way out with pglogical, only with PluginName = test-decoding.`
          : `${addKey}, or: ${statements(keyless.map((t) => `ALTER TABLE ${quoteTable(t)} REPLICA IDENTITY FULL;`))} Or exclude these tables from the task.`,
      });
    }
    if (identityOnly.length > 0) {
      problems.push({
        severity: 'warning' as const,
        title: `Tables without a primary key that rely on their replica identity: ${identityOnly.length}`,
        observed: listNames(identityOnly.map((t) => `${qualifiedName(t)} (${t.replicaIdentity})`)),
        expected:
          'a primary key: without one DMS has no batch apply, full LOB mode or validation for the table',
        remedy:
          'Add a primary key where the data allows it: ALTER TABLE <table> ADD PRIMARY KEY (<columns>);',
      });
    }
    return problems;
  },
};

const replicaIdentityFullWithPglogical: PreflightCheck = {
  id: 'tables.replica-identity-full-with-pglogical',
  reference: REF.logicalReplication,
  evaluate(context) {
    if (context.plugin.name !== 'pglogical') return [];
    const full = context.scope.tables.filter((t) => t.replicaIdentity === 'full');
    if (full.length === 0) return [];
    return [
      {
        severity: 'blocker',
        title: 'pglogical does not support REPLICA IDENTITY FULL',
        observed: `plugin pglogical (${context.plugin.chosenBy}); REPLICA IDENTITY FULL: ${listNames(full.map(qualifiedName))}`,
        expected: 'a primary key and REPLICA IDENTITY DEFAULT with pglogical, or the test-decoding plugin',
        remedy: `Add primary keys, then: ${statements(full.map((t) => `ALTER TABLE ${quoteTable(t)} REPLICA IDENTITY DEFAULT;`))} Or set PluginName = test-decoding.`,
      },
    ];
  },
};

const pkLobType = tableCheck(
  'tables.pk-lob-type',
  REF.assessments,
  (t, add) => {
    if (t.columns.length === 0) return;
    const lobs = t.columns.filter((c) => t.primaryKey.includes(c.name) && isLob(c));
    if (lobs.length) add(`${qualifiedName(t)}(${lobs.map((c) => `${c.name} ${c.type}`).join(', ')})`);
  },
  {
    severity: 'warning',
    title: 'Primary keys with a LOB column',
    expected:
      'primary keys of bounded types: DMS looks LOBs up by primary key and cannot when the key is a LOB',
    remedy:
      'Use a bounded type for the key (e.g. ALTER TABLE ... ALTER COLUMN id TYPE varchar(64)) or a surrogate key',
  },
);

const arrayWithoutPk: PreflightCheck = {
  id: 'tables.array-without-pk',
  reference: REF.limitations,
  evaluate(context) {
    const found = rowTables(context).filter((t) => t.primaryKey.length === 0 && t.columns.some(isArray));
    return problemListing(found.map(qualifiedName), {
      severity: 'blocker',
      title: 'Tables with ARRAY columns and no primary key',
      expected: 'a primary key on every table with an ARRAY column (DMS suspends such tables in full load)',
      remedy: 'ALTER TABLE <table> ADD PRIMARY KEY (<columns>); or exclude these tables',
    });
  },
};

const partitioned: PreflightCheck = {
  id: 'tables.partitioned',
  reference: REF.homogeneous,
  evaluate({ scope, facts }) {
    const parents = scope.tables.filter((t) => t.kind === 'partitioned');
    if (parents.length === 0) return [];
    // Scope holds the very objects of facts.tables: a set of them needs no name per table.
    const selected = new Set(scope.tables);
    const children = partitionsByParent(facts.tables);
    const leaves = parents.flatMap((p) => leafPartitions(p, children));
    const missing = leaves.filter((t) => !selected.has(t));
    const problems = [];
    if (missing.length > 0) {
      problems.push({
        severity: 'blocker' as const,
        title: `Changes to ${plural(missing.length, 'partition')} of selected partitioned tables would not be captured`,
        observed: `logical decoding reports rows on the partitions, which are not selected: ${listNames(missing.map(qualifiedName))}`,
        expected: 'every partition of a captured partitioned table selected',
        remedy: 'Add selection rules for the partitions (e.g. table-name "orders_%")',
      });
    }
    problems.push({
      severity: 'warning' as const,
      title: `Partitioned parent tables selected: ${parents.length}`,
      observed: listNames(parents.map(qualifiedName)),
      expected: 'partitions selected without their parent, the hierarchy pre-created on the target',
      remedy:
        'Exclude the parent tables (rule-action "exclude"), create the partitioned tables on the target first, and use ' +
        'TargetTablePrepMode TRUNCATE_BEFORE_LOAD; partition ADD/DROP/TRUNCATE are not replicated',
    });
    return problems;
  },
};

/** The partitions of each partitioned table, by the parent's qualified name, in catalog order. */
function partitionsByParent(all: readonly TableFact[]): Map<string, TableFact[]> {
  const children = new Map<string, TableFact[]>();
  for (const t of all) {
    if (t.partitionOf === null) continue;
    const siblings = children.get(t.partitionOf);
    if (siblings) siblings.push(t);
    else children.set(t.partitionOf, [t]);
  }
  return children;
}

function leafPartitions(parent: TableFact, children: ReadonlyMap<string, TableFact[]>): TableFact[] {
  return (children.get(qualifiedName(parent)) ?? []).flatMap((child) =>
    child.kind === 'partitioned' ? leafPartitions(child, children) : [child],
  );
}

const caseConflict: PreflightCheck = {
  id: 'tables.case-conflict',
  reference: REF.limitations,
  evaluate({ scope }) {
    // The first name per lower-cased key; a list only where a second one comes: no array per table.
    const first = new Map<string, string>();
    const groups = new Map<string, string[]>();
    for (const t of scope.tables) {
      const name = qualifiedName(t);
      const key = name.toLowerCase();
      const seen = first.get(key);
      const group = groups.get(key);
      if (seen === undefined) first.set(key, name);
      else if (group) group.push(name);
      else groups.set(key, [seen, name]);
    }
    if (groups.size === 0) return [];
    // In the order the first name of each group came, as the report always listed them.
    const conflicts = [...first.keys()].filter((key) => groups.has(key)).map((key) => groups.get(key) ?? []);
    return [
      {
        severity: 'blocker',
        title: 'Selected tables differ only in letter case',
        observed: listNames(conflicts.map((names) => names.join(' / '))),
        expected: 'table names that stay distinct when case is ignored (DMS does not support such tables)',
        remedy: 'Rename one table of each pair (ALTER TABLE ... RENAME TO ...) or exclude all but one',
      },
    ];
  },
};

const unlogged: PreflightCheck = {
  id: 'tables.unlogged',
  reference: REF.pgUnlogged,
  evaluate({ scope }) {
    const found = scope.tables.filter((t) => t.unlogged);
    return problemListing(found.map(qualifiedName), {
      severity: 'blocker',
      title: 'UNLOGGED tables selected, whose changes never reach the WAL',
      expected:
        'logged tables: logical decoding only sees WAL-logged changes, so CDC would miss every change',
      remedy: `${statements(found.map((t) => `ALTER TABLE ${quoteTable(t)} SET LOGGED;`))} (or exclude them)`,
    });
  },
};

export const TABLE_KEY_CHECKS: readonly PreflightCheck[] = [
  noneSelected,
  primaryKey,
  replicaIdentityFullWithPglogical,
  pkLobType,
  arrayWithoutPk,
  partitioned,
  caseConflict,
  unlogged,
];
