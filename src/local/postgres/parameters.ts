import path from 'node:path';
import {
  listWithLibrary,
  OUTPUT_PLUGIN_LIBRARIES,
  renderListSetting,
  splitListSetting,
} from '../../core/output-plugin-libraries.js';
import type { PostgresBinaries } from './binaries.js';
import type { Settings } from './config.js';
import { execAsOwner } from './exec.js';
import { serverOwner } from './os-user.js';
import { sharedPromise } from './shared-promise.js';

/** One server parameter as `postgres --describe-config` lists it. */
export interface ParameterDescription {
  readonly name: string;
  readonly context: string;
  readonly type: string;
  /** The built-in default (boot_val). */
  readonly bootValue: string;
}

const described = new Map<string, Promise<ReadonlyMap<string, ParameterDescription>>>();

/**
 * The parameters these binaries know, read once per binary directory with
 * `postgres --describe-config` (no data directory, no server). A minor release can add one
 * (Debian's 15.20 has output_plugin_libraries, 15.18 has not), so what a server supports is
 * detected here, never guessed from its version.
 */
export function serverParameters(
  binaries: PostgresBinaries,
): Promise<ReadonlyMap<string, ParameterDescription>> {
  const key = path.dirname(binaries.postgres);
  return sharedPromise(described, key, () => describe(binaries));
}

async function describe(binaries: PostgresBinaries): Promise<ReadonlyMap<string, ParameterDescription>> {
  const { stdout } = await execAsOwner(await serverOwner(), binaries.postgres, ['--describe-config'], {
    timeoutMs: 30_000,
  });
  const parameters = new Map<string, ParameterDescription>();
  // One line each: name, context, group, type, default, min, max, short and long description.
  for (const line of stdout.split('\n')) {
    const [name, context, , type, bootValue] = line.split('\t');
    if (name && context && type !== undefined) {
      parameters.set(name, { name, context, type, bootValue: bootValue ?? '' });
    }
  }
  if (!parameters.has('port')) {
    throw new Error(`${binaries.postgres} --describe-config listed no parameters:\n${stdout.slice(0, 500)}`);
  }
  return parameters;
}

/**
 * Binaries that have output_plugin_libraries refuse a logical slot whose plugin is not listed there.
 * A server the harness starts with pglogical preloaded gets pglogical added to the built-in list,
 * so pglogical slots can be made as on releases without the parameter (where nothing is added: an
 * unknown name in postgresql.conf stops the server). A caller's own value is kept as given.
 */
export async function withOutputPluginLibraries(
  settings: Settings,
  binaries: PostgresBinaries,
): Promise<Settings> {
  const preload = settings.shared_preload_libraries;
  if (typeof preload !== 'string' || !splitListSetting(preload).includes('pglogical')) return settings;
  if (OUTPUT_PLUGIN_LIBRARIES in settings) return settings;
  const parameter = (await serverParameters(binaries)).get(OUTPUT_PLUGIN_LIBRARIES);
  if (!parameter) return settings;
  const libraries = listWithLibrary(splitListSetting(parameter.bootValue), 'pglogical');
  return { ...settings, [OUTPUT_PLUGIN_LIBRARIES]: renderListSetting(libraries) };
}
