import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  allowOutputPluginRemedy,
  listWithLibrary,
  renderListSetting,
  splitListSetting,
} from '../../src/core/output-plugin-libraries.js';
import { OutputPluginNotAllowedError } from '../../src/core/slot-errors.js';

describe('splitListSetting: a list parameter as the server splits it', () => {
  it('splits on commas, drops blanks and keeps case', () => {
    expect(splitListSetting('pgoutput, test_decoding')).toEqual(['pgoutput', 'test_decoding']);
    expect(splitListSetting('  pgoutput ,test_decoding,PgLogical  ')).toEqual([
      'pgoutput',
      'test_decoding',
      'PgLogical',
    ]);
    expect(splitListSetting('')).toEqual([]);
  });

  it('keeps a quoted element whole: what ALTER SYSTEM stores for a list given as one literal', () => {
    // pg_settings shows ALTER SYSTEM SET output_plugin_libraries = 'pgoutput, test_decoding, pglogical'
    // like this: one library of that name, which allows none of the three.
    expect(splitListSetting('"pgoutput, test_decoding, pglogical"')).toEqual([
      'pgoutput, test_decoding, pglogical',
    ]);
    expect(splitListSetting('pgoutput, "we""ird", test_decoding')).toEqual([
      'pgoutput',
      'we"ird',
      'test_decoding',
    ]);
  });

  it('reads back what renderListSetting writes, whatever the names', () => {
    const name = fc.string({ minLength: 1 }).filter((s) => s.trim() === s && s.length > 0);
    fc.assert(
      fc.property(fc.array(name), (names) => {
        expect(splitListSetting(renderListSetting(names))).toEqual(names);
      }),
    );
  });
});

describe('allowOutputPluginRemedy', () => {
  it('self-managed: ALTER SYSTEM with one literal per library, then a reload', () => {
    expect(allowOutputPluginRemedy('self-managed', ['pgoutput', 'test_decoding'], 'pglogical')).toBe(
      "ALTER SYSTEM SET output_plugin_libraries = 'pgoutput', 'test_decoding', 'pglogical'; then SELECT pg_reload_conf();",
    );
  });

  it('RDS and Aurora: the parameter group, no reboot', () => {
    expect(allowOutputPluginRemedy('rds', ['pgoutput', 'test_decoding'], 'pglogical')).toBe(
      "Set output_plugin_libraries = pgoutput,test_decoding,pglogical in the DB instance's custom DB parameter group",
    );
    expect(allowOutputPluginRemedy('aurora', [], 'pglogical')).toBe(
      'Set output_plugin_libraries = pglogical in the DB cluster parameter group',
    );
  });

  it('splits a list that was set as one literal back into its libraries', () => {
    expect(listWithLibrary(['pgoutput, test_decoding'], 'pglogical')).toEqual([
      'pgoutput',
      'test_decoding',
      'pglogical',
    ]);
    expect(listWithLibrary(['pgoutput, test_decoding, pglogical'], 'pglogical')).toEqual([
      'pgoutput',
      'test_decoding',
      'pglogical',
    ]);
  });
});

describe('OutputPluginNotAllowedError', () => {
  it('has a stable name, names the setting and carries the remedy', () => {
    const error = new OutputPluginNotAllowedError(
      'dms_slot',
      'pglogical',
      ['pgoutput', 'test_decoding'],
      'self-managed',
    );
    expect(error.name).toBe('OutputPluginNotAllowedError');
    expect(error.setting).toBe('output_plugin_libraries');
    expect(error.message).toBe(
      'cannot create replication slot "dms_slot": the server does not allow "pglogical" as an output plugin ' +
        '(output_plugin_libraries = pgoutput, test_decoding)',
    );
    expect(error.remedy).toContain(
      "ALTER SYSTEM SET output_plugin_libraries = 'pgoutput', 'test_decoding', 'pglogical'; then SELECT pg_reload_conf();",
    );
  });
});
