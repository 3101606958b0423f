import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { SourceFacts } from '../../../src/core/preflight/facts.js';
import { findings, severities } from './fixtures/evaluate.js';
import {
  healthyAurora,
  healthyRds,
  healthySelfManaged,
  setting,
  slot,
  table,
  withSettings,
} from './fixtures/facts.js';

// Recorded with gatherSourceFacts from PostgreSQL 15 with the Debian pglogical package:
// shared_preload_libraries = pglogical, CREATE EXTENSION pglogical, a provider node, a slot created
// with the pglogical plugin, and table events with REPLICA IDENTITY FULL.
const pglogical15 = JSON.parse(
  readFileSync(new URL('./fixtures/pglogical-pg15.json', import.meta.url), 'utf8'),
) as SourceFacts;

describe('role.replication', () => {
  it('blocks a self-managed role with neither superuser nor REPLICATION', () => {
    const facts = {
      ...healthySelfManaged(),
      role: { name: 'app', superuser: false, replication: false, memberOf: [] },
    };
    expect(findings('role.replication', facts)[0]).toMatchObject({
      severity: 'blocker',
      remedy: 'ALTER ROLE app WITH REPLICATION;',
    });
  });

  it('on RDS requires rds_replication membership', () => {
    const facts = healthyRds({
      role: { name: 'Dms User', superuser: false, replication: true, memberOf: [] },
    });
    expect(findings('role.replication', facts)[0]).toMatchObject({
      severity: 'blocker',
      remedy: 'GRANT rds_replication TO "Dms User";',
    });
    expect(severities('role.replication', healthyAurora())).toEqual([]);
  });
});

describe('role.select-on-tables', () => {
  it('blocks tables the role cannot read, with grants per schema', () => {
    const facts = healthySelfManaged({
      tables: [table('sales', 'orders', { canSelect: false }), table('public', 'ok')],
    });
    expect(findings('role.select-on-tables', facts)[0]?.remedy).toBe(
      'GRANT USAGE ON SCHEMA sales TO dms_user; GRANT SELECT ON ALL TABLES IN SCHEMA sales TO dms_user;',
    );
  });
});

describe('role.ddl-capture-artifacts', () => {
  const nonMaster = { name: 'dms_user', superuser: false, replication: false, memberOf: ['rds_replication'] };

  it('passes for the master user (rds_superuser creates the event trigger itself)', () => {
    expect(severities('role.ddl-capture-artifacts', healthyRds())).toEqual([]);
  });

  it('warns for a non-master user until the objects exist, naming what is missing', () => {
    const facts = healthyRds({ role: nonMaster });
    expect(findings('role.ddl-capture-artifacts', facts)[0]?.observed).toBe(
      'dms_user may not create event triggers; missing: table awsdms_ddl_audit, function awsdms_intercept_ddl(), event trigger awsdms_intercept_ddl',
    );
  });

  it('passes for a non-master user once the objects exist and the table is writable', () => {
    const facts = healthyRds({
      role: nonMaster,
      ddlArtifacts: {
        auditTables: [{ schema: 'public', canWrite: true }],
        interceptFunctions: [{ schema: 'public' }],
      },
      eventTriggers: [
        {
          name: 'awsdms_intercept_ddl',
          event: 'ddl_command_end',
          enabled: 'A',
          functionSchema: 'public',
          functionName: 'awsdms_intercept_ddl',
        },
      ],
    });
    expect(severities('role.ddl-capture-artifacts', facts)).toEqual([]);
  });
});

describe('plugin.test-decoding', () => {
  it('blocks a self-managed server whose LOAD probe found no module', () => {
    expect(severities('plugin.test-decoding', healthySelfManaged({ testDecoding: 'missing' }))).toEqual([
      'blocker',
    ]);
  });

  it('warns when the probe could not run and no slot proves the module', () => {
    expect(severities('plugin.test-decoding', healthySelfManaged({ testDecoding: 'unknown' }))).toEqual([
      'warning',
    ]);
    const proven = healthySelfManaged({
      testDecoding: 'unknown',
      replication: { slots: [slot('other')], serverLsn: '0/1600000', standbys: [] },
    });
    expect(severities('plugin.test-decoding', proven)).toEqual([]);
  });

  it('trusts RDS and Aurora, which ship test_decoding', () => {
    expect(severities('plugin.test-decoding', healthyRds({ testDecoding: 'unknown' }))).toEqual([]);
  });
});

describe('plugin.pglogical over a snapshot recorded from PostgreSQL 15 with pglogical', () => {
  it('DMS would pick pglogical there, and the setup is complete', () => {
    expect(pglogical15.pglogical).toEqual({ localNode: 'provider' });
    expect(findings('plugin.pglogical', pglogical15)).toEqual([]);
    expect(findings('server.version-supported', pglogical15)[0]?.title).toContain('3.5.1');
  });

  it('blocks REPLICA IDENTITY FULL with pglogical, and not with test-decoding', () => {
    expect(findings('tables.replica-identity-full-with-pglogical', pglogical15)[0]).toMatchObject({
      severity: 'blocker',
      observed: 'plugin pglogical (dms-default); REPLICA IDENTITY FULL: public.events',
    });
    expect(
      severities('tables.replica-identity-full-with-pglogical', pglogical15, { plugin: 'test-decoding' }),
    ).toEqual([]);
  });

  it('checks the recorded slot against the plugin', () => {
    expect(severities('slot.plugin-matches', pglogical15, { slotName: 'dms_pglogical_slot' })).toEqual([]);
    expect(
      findings('slot.plugin-matches', pglogical15, {
        slotName: 'dms_pglogical_slot',
        plugin: 'test-decoding',
      })[0]?.remedy,
    ).toBe('Set PostgreSQLSettings.PluginName = pglogical on the source endpoint');
  });

  it('blocks each missing piece: preload, extension, node', () => {
    const notPreloaded = withSettings(pglogical15, { shared_preload_libraries: setting('') });
    expect(findings('plugin.pglogical', notPreloaded).map((f) => f.title)).toEqual([
      'pglogical is not in shared_preload_libraries',
    ]);
    const noNode = { ...pglogical15, pglogical: { localNode: null } };
    expect(findings('plugin.pglogical', noNode)[0]?.remedy).toContain('pglogical.create_node');
    const noExtension = { ...pglogical15, extensions: [], pglogical: null };
    expect(severities('plugin.pglogical', noExtension, { plugin: 'pglogical' })).toEqual(['blocker']);
    expect(severities('plugin.pglogical', noExtension)).toEqual([]);
  });

  it('tells when pglogical is installed but test-decoding was chosen', () => {
    expect(severities('plugin.pglogical', pglogical15, { plugin: 'test-decoding' })).toEqual(['info']);
  });

  it('blocks pglogical on Aurora before 2.6', () => {
    const base = healthyAurora();
    const old = { ...base, server: { ...base.server, versionNum: 100_007, version: '10.7' } };
    expect(findings('plugin.pglogical', old, { plugin: 'pglogical' }).map((f) => f.title)).toContain(
      'pglogical is not available on this Aurora version',
    );
  });
});

describe('plugin.output-plugin-libraries (servers that have the parameter, e.g. Debian PostgreSQL 15.20)', () => {
  // What pg_settings shows for the parameter's default.
  const byDefault = withSettings(pglogical15, {
    output_plugin_libraries: setting('pgoutput, test_decoding'),
  });

  it('blocks pglogical while the list lacks it, with ALTER SYSTEM (one literal per library) and a reload', () => {
    expect(findings('plugin.output-plugin-libraries', byDefault)).toEqual([
      expect.objectContaining({
        severity: 'blocker',
        title: 'pglogical is not in output_plugin_libraries: the server refuses it as an output plugin',
        observed: 'output_plugin_libraries = pgoutput, test_decoding; plugin pglogical (dms-default)',
        remedy:
          "ALTER SYSTEM SET output_plugin_libraries = 'pgoutput', 'test_decoding', 'pglogical'; then SELECT pg_reload_conf();",
      }),
    ]);
    // The slot exists already: decoding it is refused the same way, so it still blocks.
    expect(
      severities('plugin.output-plugin-libraries', byDefault, { slotName: 'dms_pglogical_slot' }),
    ).toEqual(['blocker']);
  });

  it('passes once pglogical is listed, and where the server has no such parameter', () => {
    const listed = withSettings(pglogical15, {
      output_plugin_libraries: setting('pgoutput, test_decoding, pglogical'),
    });
    expect(findings('plugin.output-plugin-libraries', listed)).toEqual([]);
    expect(pglogical15.server.settings.output_plugin_libraries).toBeUndefined();
    expect(findings('plugin.output-plugin-libraries', pglogical15)).toEqual([]);
    expect(findings('plugin.output-plugin-libraries', healthySelfManaged())).toEqual([]);
  });

  it('checks the library of the plugin in use: test_decoding too, and pglogical only when it is used', () => {
    expect(severities('plugin.output-plugin-libraries', byDefault, { plugin: 'test-decoding' })).toEqual([]);
    const onlyPgoutput = withSettings(healthySelfManaged(), { output_plugin_libraries: setting('pgoutput') });
    expect(findings('plugin.output-plugin-libraries', onlyPgoutput)).toEqual([
      expect.objectContaining({
        severity: 'blocker',
        title: 'test_decoding is not in output_plugin_libraries: the server refuses it as an output plugin',
        remedy:
          "ALTER SYSTEM SET output_plugin_libraries = 'pgoutput', 'test_decoding'; then SELECT pg_reload_conf();",
      }),
    ]);
  });

  it('sees through a list set as one literal, which the server reads as one library', () => {
    const oneLiteral = withSettings(pglogical15, {
      output_plugin_libraries: setting('"pgoutput, test_decoding, pglogical"'),
    });
    expect(findings('plugin.output-plugin-libraries', oneLiteral)[0]).toMatchObject({
      severity: 'blocker',
      remedy:
        "ALTER SYSTEM SET output_plugin_libraries = 'pgoutput', 'test_decoding', 'pglogical'; then SELECT pg_reload_conf();",
    });
  });

  it('on RDS the parameter group, without a reboot', () => {
    const rds = withSettings(healthyRds(), { output_plugin_libraries: setting('pgoutput, test_decoding') });
    expect(findings('plugin.output-plugin-libraries', rds, { plugin: 'pglogical' })[0]?.remedy).toBe(
      "Set output_plugin_libraries = pgoutput,test_decoding,pglogical in the DB instance's custom DB parameter group",
    );
  });
});

describe('ddl.event-trigger-enable-always', () => {
  const trigger = (enabled: 'O' | 'A' | 'D' | 'R') =>
    healthySelfManaged({
      eventTriggers: [
        {
          name: 'awsdms_intercept_ddl',
          event: 'ddl_command_end',
          enabled,
          functionSchema: 'public',
          functionName: 'awsdms_intercept_ddl',
        },
      ],
    });
  it.each([
    ['O', ['warning']],
    ['D', ['warning']],
    ['R', ['warning']],
    ['A', []],
  ] as const)('evtenabled %s -> %j', (enabled, expected) => {
    expect(severities('ddl.event-trigger-enable-always', trigger(enabled))).toEqual(expected);
  });
});
