import {
  parseTableMappingsText,
  TABLE_MAPPINGS_LIMITS,
  type TableMappings,
} from '../core/preflight/table-mappings.js';
import { readBoundedFile } from './files.js';

/** The --table-mappings file, read within its size limit and parsed; undefined when not given. */
export async function readTableMappingsFile(file: string | undefined): Promise<TableMappings | undefined> {
  if (file === undefined) return undefined;
  const text = await readBoundedFile(file, '--table-mappings', TABLE_MAPPINGS_LIMITS.maxBytes);
  return parseTableMappingsText(text, '--table-mappings');
}
