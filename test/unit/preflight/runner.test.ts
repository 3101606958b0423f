import { describe, expect, it } from 'vitest';
import { ALL_CHECKS } from '../../../src/core/preflight/checks/index.js';
import { buildContext, type PreflightCheck } from '../../../src/core/preflight/context.js';
import { renderReport } from '../../../src/core/preflight/report.js';
import { runPreflight } from '../../../src/core/preflight/run.js';
import { evaluateChecks, PreflightCheckCrashedError } from '../../../src/core/preflight/runner.js';
import { healthySelfManaged, healthyTarget, setting, withSettings } from './fixtures/facts.js';

// Every id the issue names: stable, because state machines and scripts match on them.
const ISSUE_IDS = [
  'server.version-supported',
  'server.wal-level',
  'server.max-replication-slots',
  'server.max-wal-senders',
  'server.wal-sender-timeout',
  'server.max-worker-processes',
  'server.max-slot-wal-keep-size',
  'server.idle-in-transaction-timeout',
  'server.logical-decoding-work-mem',
  // PostgreSQL 18 invalidates idle slots.
  'server.idle-replication-slot-timeout',
  'server.in-recovery',
  'plugin.test-decoding',
  'plugin.pglogical',
  // Not in the issue: servers with output_plugin_libraries (Debian's PostgreSQL 15.20) refuse unlisted plugins.
  'plugin.output-plugin-libraries',
  'role.replication',
  'role.select-on-tables',
  'role.ddl-capture-artifacts',
  'ddl.event-trigger-enable-always',
  'tables.none-selected',
  'tables.primary-key',
  'tables.replica-identity-full-with-pglogical',
  'tables.pk-lob-type',
  'tables.array-without-pk',
  'tables.partitioned',
  'tables.case-conflict',
  'tables.unsupported-types',
  'tables.numeric-without-precision',
  'tables.unique-index-coalesce',
  'tables.deferrable-constraints',
  'tables.oid-lob',
  'tables.unlogged',
  'tables.postgis',
  'workload.long-running-transactions',
  'workload.prepared-transactions',
  'slot.exists',
  'slot.logical',
  'slot.plugin-matches',
  'slot.database-matches',
  'slot.inactive',
  'slot.wal-reserved',
  'slot.confirmed-flush-lsn',
  'slot.two-phase',
  'slot.failover-ready',
  'target.privileges',
  'target.foreign-keys',
  'target.tables-ready',
  'target.triggers',
  'target.table-shape',
  'target.table-prep-mode',
  // Guidance for a Kinesis target.
  'target.kinesis-partition-key',
  'target.kinesis-parallel-apply',
  'target.kinesis-stream-per-table',
];

describe('the check catalogue', () => {
  it('has every id the issue lists, each once', () => {
    const ids = ALL_CHECKS.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual([...ISSUE_IDS].sort());
  });
});

describe('the runner', () => {
  const broken: PreflightCheck = {
    id: 'test.broken',
    reference: 'https://example.invalid/broken',
    evaluate() {
      throw new Error('facts had an unexpected shape');
    },
  };

  it('a throwing check means the preflight could not run: it names the check, never a warning', () => {
    const facts = withSettings(healthySelfManaged(), { wal_level: setting('replica') });
    const checks = [broken, ...ALL_CHECKS];
    expect(() => evaluateChecks(buildContext(facts, {}, undefined), checks)).toThrow(
      expect.objectContaining({
        name: 'PreflightCheckCrashedError',
        message: 'check test.broken threw: facts had an unexpected shape',
        checks: [{ id: 'test.broken', message: 'facts had an unexpected shape' }],
        remedy: expect.stringContaining('Nothing was created'),
      }),
    );
  });

  it('runs every check before failing, so all that could not run are named', () => {
    const second: PreflightCheck = { ...broken, id: 'test.broken-too' };
    const checks = [broken, ...ALL_CHECKS, second];
    let caught: unknown;
    try {
      evaluateChecks(buildContext(healthySelfManaged(), {}, undefined), checks);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(PreflightCheckCrashedError);
    expect((caught as PreflightCheckCrashedError).checks.map((c) => c.id)).toEqual([
      'test.broken',
      'test.broken-too',
    ]);
  });

  it('facts a real check does not expect: runPreflight fails naming it, no report saying ready', async () => {
    const facts = { ...healthySelfManaged(), preparedTransactions: [null] } as never;
    await expect(
      runPreflight({ describeSource: 'x', source: async () => ({ facts, roundTrips: 1 }) }),
    ).rejects.toThrow(/^check workload\.prepared-transactions threw: /);
  });

  it('orders findings blockers first, then warnings, then infos', () => {
    const facts = withSettings(healthySelfManaged(), {
      wal_level: setting('replica'),
      logical_decoding_work_mem: setting('1024', 'kB'),
    });
    const severities = evaluateChecks(buildContext(facts, {}, undefined)).map((f) => f.severity);
    expect(severities).toEqual([...severities].sort((a, b) => rank(a) - rank(b)));
    expect(new Set(severities)).toEqual(new Set(['blocker', 'warning', 'info']));
  });
});

function rank(severity: string): number {
  return ['blocker', 'warning', 'info'].indexOf(severity);
}

describe('runPreflight and the report', () => {
  it('gathers the target for the tables in scope and returns exactly source, summary and findings', async () => {
    const asked: { schema: string; name: string }[][] = [];
    const report = await runPreflight(
      {
        describeSource: 'dms_user@db.example:5432/shop (tls verify-full)',
        source: async () => ({ facts: healthySelfManaged(), roundTrips: 4 }),
        target: {
          describe: 'dms_target@target.example:5432/shop (tls verify-full)',
          gather: async (tables) => {
            asked.push([...tables]);
            // As the adapter answers for no table in scope: no table facts.
            return { facts: healthyTarget({ tables: [] }), roundTrips: 1 };
          },
        },
      },
      { tableMappings: { selectionRules: [] } },
    );
    expect(Object.keys(report)).toEqual(['source', 'summary', 'findings']);
    expect(asked).toEqual([[]]);
    expect(report.source).toMatchObject({
      connection: 'dms_user@db.example:5432/shop (tls verify-full)',
      platform: 'self-managed',
      roundTrips: 5,
      tablesInScope: 0,
      tablesInDatabase: 2,
      checks: ISSUE_IDS.length,
    });
    expect(report.summary).toEqual({ blockers: 1, warnings: 0, infos: 1 });
    expect(report.findings.map((f) => f.id)).toEqual(['tables.none-selected', 'server.version-supported']);
    const keys = Object.keys(report.findings[0] ?? {});
    expect(keys).toEqual(['id', 'severity', 'title', 'observed', 'expected', 'remedy', 'reference']);
  });

  it('renders a human report grouped by severity with each remedy', async () => {
    const facts = withSettings(healthySelfManaged(), { wal_level: setting('replica') });
    const report = await runPreflight({
      describeSource: 'x',
      source: async () => ({ facts, roundTrips: 3 }),
    });
    const text = renderReport(report);
    expect(text).toMatch(/BLOCKERS: fix before creating the DMS task \(1\)\n\n {2}\[server\.wal-level\]/);
    expect(text).toContain("remedy:    ALTER SYSTEM SET wal_level = 'logical'; then restart PostgreSQL");
    expect(text).toMatch(/INFO \(1\)/);
    expect(text.trimEnd().split('\n').at(-1)).toBe('1 blocker(s), 0 warning(s), 1 info: NOT READY');
  });
});
