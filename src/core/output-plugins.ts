/**
 * The logical decoding output plugins DMS reads a PostgreSQL slot with, in the two spellings the
 * orchestrator meets: DMS's PostgreSQLSettings.PluginName (`test-decoding`) and PostgreSQL's
 * pg_replication_slots.plugin (`test_decoding`). Every list and conversion of them derives from here.
 */
export const DMS_PLUGIN_NAMES = ['test-decoding', 'pglogical'] as const;
export type PluginName = (typeof DMS_PLUGIN_NAMES)[number];

export const SLOT_PLUGINS = ['test_decoding', 'pglogical'] as const;
export type SlotPlugin = (typeof SLOT_PLUGINS)[number];

/** The slot plugin a DMS endpoint with this PluginName reads. */
export function slotPluginOf(name: PluginName): SlotPlugin {
  return name === 'test-decoding' ? 'test_decoding' : 'pglogical';
}

/** The PluginName a DMS endpoint needs to read a slot made with this plugin. */
export function dmsPluginNameOf(plugin: SlotPlugin): PluginName {
  return plugin === 'test_decoding' ? 'test-decoding' : 'pglogical';
}

export function isSlotPlugin(plugin: string | null): plugin is SlotPlugin {
  return (SLOT_PLUGINS as readonly (string | null)[]).includes(plugin);
}
