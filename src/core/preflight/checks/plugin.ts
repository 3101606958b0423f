import {
  allowOutputPluginRemedy,
  OUTPUT_PLUGIN_LIBRARIES,
  splitListSetting,
} from '../../output-plugin-libraries.js';
import type { EvaluationContext, PreflightCheck } from '../context.js';
import type { Problem } from '../finding.js';
import { changeListParameter, majorVersion, setting, showSetting } from '../platform.js';
import { REF } from '../references.js';

const testDecoding: PreflightCheck = {
  id: 'plugin.test-decoding',
  reference: REF.limitations,
  evaluate({ facts, platform, plugin }) {
    if (plugin.name !== 'test-decoding') return [];
    // RDS and Aurora always ship test_decoding; a slot already decoding with it proves it loads.
    if (platform !== 'self-managed') return [];
    if (facts.replication.slots.some((s) => s.plugin === 'test_decoding')) return [];
    if (facts.testDecoding === 'loaded') return [];
    if (facts.testDecoding === 'missing') {
      return [
        {
          severity: 'blocker',
          title: 'The test_decoding output plugin is not installed',
          observed: "LOAD 'test_decoding' failed: the module is not in the server's library directory",
          expected: 'test_decoding, from the PostgreSQL contrib package',
          remedy: 'Install the contrib package of the server (e.g. apt-get install postgresql-contrib)',
        },
      ];
    }
    return [
      {
        severity: 'warning',
        title: 'Could not verify that the test_decoding output plugin is installed',
        observed: `${facts.role.name} is not a superuser, so LOAD 'test_decoding' cannot be tried, and no slot uses it yet`,
        expected: 'test_decoding, from the PostgreSQL contrib package',
        remedy:
          "As a superuser run LOAD 'test_decoding'; if it fails, install the server's contrib package (e.g. postgresql-contrib)",
      },
    ];
  },
};

const pglogical: PreflightCheck = {
  id: 'plugin.pglogical',
  reference: REF.pglogical,
  evaluate(context) {
    const { facts, plugin } = context;
    const installed = facts.extensions.some((e) => e.name === 'pglogical');
    if (plugin.name !== 'pglogical') {
      if (!installed) return [];
      return [
        {
          severity: 'info',
          title: 'The pglogical extension is installed but the task decodes with test_decoding',
          observed: `pglogical ${facts.extensions.find((e) => e.name === 'pglogical')?.version} installed; plugin ${plugin.name} (${plugin.chosenBy})`,
          expected:
            'PluginName = test-decoding on the source endpoint, since DMS prefers pglogical when it is available',
          remedy: 'Set PostgreSQLSettings.PluginName = test-decoding on the DMS source endpoint',
        },
      ];
    }
    return pglogicalProblems(context, installed);
  },
};

function pglogicalProblems(context: EvaluationContext, installed: boolean): Problem[] {
  const { facts, platform } = context;
  const problems: Problem[] = [];
  const platformGap = pglogicalPlatformGap(context);
  if (platformGap) problems.push(platformGap);
  const preload = setting(facts.server, 'shared_preload_libraries');
  const libraries = (preload?.value ?? '')
    .split(',')
    .map((s) => s.trim().replaceAll('"', ''))
    .filter(Boolean);
  if (!libraries.includes('pglogical')) {
    problems.push({
      severity: 'blocker',
      title: 'pglogical is not in shared_preload_libraries',
      observed: showSetting(facts.server, 'shared_preload_libraries'),
      expected: 'shared_preload_libraries includes pglogical',
      remedy: changeListParameter(platform, 'shared_preload_libraries', [...libraries, 'pglogical'], true),
    });
  }
  if (!installed) {
    problems.push({
      severity: 'blocker',
      title: `The pglogical extension is not created in database ${facts.server.database}`,
      observed: 'no pglogical in pg_extension',
      expected: 'CREATE EXTENSION pglogical done in the source database',
      remedy: 'CREATE EXTENSION pglogical;',
    });
  } else if (!facts.pglogical?.localNode) {
    problems.push({
      severity: 'blocker',
      title: 'No pglogical node exists in the source database',
      observed: 'pglogical.local_node is empty',
      expected: 'a provider node created with pglogical.create_node',
      remedy: `SELECT pglogical.create_node(node_name := '${facts.server.database}_provider', dsn := 'dbname=${facts.server.database}');`,
    });
  }
  return problems;
}

// DMS lists pglogical support from RDS PostgreSQL 9.6 and Aurora PostgreSQL 2.6 (PostgreSQL 10.11).
function pglogicalPlatformGap({ facts, platform }: EvaluationContext): Problem | undefined {
  const { versionNum } = facts.server;
  const tooOld =
    (platform === 'rds' && majorVersion(versionNum) < 9.6) || (platform === 'aurora' && versionNum < 100_011);
  if (!tooOld) return undefined;
  return {
    severity: 'blocker',
    title: `pglogical is not available on this ${platform === 'rds' ? 'RDS' : 'Aurora'} version`,
    observed: `PostgreSQL ${facts.server.version}`,
    expected: platform === 'rds' ? 'RDS for PostgreSQL 9.6 or later' : 'Aurora PostgreSQL 2.6 or later',
    remedy: 'Use PluginName = test-decoding, or upgrade the source',
  };
}

/**
 * Servers with output_plugin_libraries (Debian's PostgreSQL 15.20, for one) refuse to create a
 * logical slot, and to decode an existing one, with a plugin whose library is not listed, whoever
 * asks: DMS would fail creating or reading its slot. Servers without the parameter have no such list.
 */
const outputPluginLibraries: PreflightCheck = {
  id: 'plugin.output-plugin-libraries',
  reference: REF.pgReplicationSettings,
  evaluate({ facts, platform, plugin }) {
    const listed = setting(facts.server, OUTPUT_PLUGIN_LIBRARIES);
    if (!listed) return [];
    const library = plugin.name === 'pglogical' ? 'pglogical' : 'test_decoding';
    const libraries = splitListSetting(listed.value);
    if (libraries.includes(library)) return [];
    return [
      {
        severity: 'blocker',
        title: `${library} is not in ${OUTPUT_PLUGIN_LIBRARIES}: the server refuses it as an output plugin`,
        observed: `${OUTPUT_PLUGIN_LIBRARIES} = ${listed.value}; plugin ${plugin.name} (${plugin.chosenBy})`,
        expected: `${OUTPUT_PLUGIN_LIBRARIES} includes ${library}, so that a ${library} slot can be created and decoded`,
        remedy: allowOutputPluginRemedy(platform, libraries, library),
      },
    ];
  },
};

export const PLUGIN_CHECKS: readonly PreflightCheck[] = [testDecoding, pglogical, outputPluginLibraries];
