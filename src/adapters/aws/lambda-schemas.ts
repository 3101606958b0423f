import * as z from 'zod';
import { InvalidInputError } from '../../core/errors.js';
import { isLsn } from '../../core/lsn.js';
import { DMS_PLUGIN_NAMES } from '../../core/output-plugins.js';

/**
 * Pieces of the Lambda input schemas the DMS steps share, so a state machine passes the same shape
 * from one step to the next and an ARN or LSN is refused the same way everywhere.
 */

/** The plugin as DMS spells it (PostgreSQLSettings.PluginName); PostgreSQL spells the first test_decoding. */
export const Plugin = z.enum(DMS_PLUGIN_NAMES);

export { slotPluginOf as slotPlugin } from '../../core/output-plugins.js';

// arn:<partition>:dms:<region>:<account>:<kind>:<id>. The local engine's ARNs use region `local`.
function dmsArn(kind: 'endpoint' | 'rep' | 'task' | 'cert', what: string) {
  const pattern = new RegExp(`^arn:aws[a-z-]*:dms:[a-z0-9-]+:[0-9]{12}:${kind}:[A-Za-z0-9-]+$`);
  return z.string().regex(pattern, `must be ${what} ARN, arn:aws:dms:<region>:<account>:${kind}:<id>`);
}

export const EndpointArn = dmsArn('endpoint', 'a DMS endpoint');
export const ReplicationInstanceArn = dmsArn('rep', 'a DMS replication instance');
export const TaskArn = dmsArn('task', 'a DMS replication task');
export const CertificateArn = dmsArn('cert', 'a DMS certificate');

/** The readable head of every DMS identifier this run derives (the rest is the source, slot and a hash). */
export const IdentifierPrefix = z
  .string()
  .regex(
    /^[A-Za-z][A-Za-z0-9-]{0,39}$/,
    'must be 1 to 40 ASCII letters, digits and hyphens, starting with a letter',
  );

/** A short stable name for the source database; it goes into identifiers and the `dms-cdc-source` tag. */
export const SourceName = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/,
    'must be 1 to 63 ASCII letters, digits, dots, underscores and hyphens',
  );

export const DatabaseName = z.string().min(1).max(63);

export const Lsn = z.string().refine(isLsn, 'must be a PostgreSQL LSN like 4AF/B00000D0');

/** CdcStopPosition for a PostgreSQL source (no timestamp start exists; a stop can be a time). */
export const CdcStopPosition = z
  .string()
  .regex(
    /^(server_time|commit_time):\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/,
    'must be server_time:YYYY-MM-DDTHH:MM:SS or commit_time:YYYY-MM-DDTHH:MM:SS',
  );

// DMS Tag rules (API reference, Tag): key 1-128 and value 1-256 Unicode letters, digits, spaces and
// _ . : / = + -, neither prefixed with "aws:" or "dms:".
const TAG_TEXT = /^[\p{L}\p{Z}\p{N}_.:/=+-]*$/u;
const RESERVED = /^(aws|dms):/i;
const tagText = (what: 'key' | 'value', max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    .regex(TAG_TEXT, `has a character DMS does not allow in a tag ${what}`)
    .refine((text) => !RESERVED.test(text), 'must not start with aws: or dms:');
export const Tags = z.record(tagText('key', 128), tagText('value', 256));

/**
 * Tags every resource the orchestrator creates carries, so people and IAM conditions can find them.
 * `dms-cdc-stack` (the deployed stack, DMS_CDC_STACK) is what the start-task and stop-task roles require
 * on a task (aws:ResourceTag): only the stack sets it, never the caller's own tags.
 */
export function orchestratorTags(
  sourceName: string,
  slotName: string,
  extra: Readonly<Record<string, string>> = {},
  stack?: string,
): Record<string, string> {
  const own = Object.fromEntries(Object.entries(extra).filter(([key]) => key !== STACK_TAG));
  return {
    ...own,
    'managed-by': 'dms-cdc-orchestrator',
    ...(stack ? { [STACK_TAG]: stack } : {}),
    'dms-cdc-source': sourceName,
    'dms-cdc-slot': slotName,
  };
}
const STACK_TAG = 'dms-cdc-stack';

/** A JSON document given either as an object or as the JSON text DMS takes (TableMappings, task settings). */
export const JsonDocument = z.union([z.string().min(2), z.record(z.string(), z.unknown())]);

/** The document as a parsed value and as the text DMS gets; text that is not a JSON object is refused. */
export function jsonDocument(
  value: z.output<typeof JsonDocument>,
  field: string,
): { readonly value: unknown; readonly text: string } {
  if (typeof value !== 'string') return { value, text: JSON.stringify(value) };
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw new InvalidInputError(field, 'is not JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new InvalidInputError(field, 'must be a JSON object');
  }
  return { value: parsed, text: value };
}

/**
 * The outline of a table-mapping document: a non-empty `rules` array of objects with a `rule-type`,
 * at least one a selection. DMS validates the rules themselves on CreateReplicationTask; this catches a
 * document of the wrong kind before anything is created. (Not src/core/preflight/table-mappings: it
 * imports zod by name, which puts all of zod, 440 KB, into the bundle.)
 */
const TableMappingsOutline = z.object({
  rules: z
    .array(z.looseObject({ 'rule-type': z.string() }))
    .min(1)
    .refine((rules) => rules.some((rule) => rule['rule-type'] === 'selection'), 'must have a selection rule'),
});

export function checkTableMappings(document: unknown, field = 'tableMappings'): void {
  const parsed = TableMappingsOutline.safeParse(document);
  if (parsed.success) return;
  const issue = parsed.error.issues[0];
  const where = issue && issue.path.length > 0 ? `${field}.${issue.path.map(String).join('.')}` : field;
  throw new InvalidInputError(
    where,
    issue?.message ?? 'is not a DMS table-mapping document',
    'Give the task TableMappings: {"rules": [{"rule-type": "selection", "rule-id": "1", "rule-name": "1", ' +
      '"object-locator": {"schema-name": "public", "table-name": "%"}, "rule-action": "include"}]}',
  );
}

/**
 * How long a step may keep waiting in this invocation: what was asked, never closer than `marginMs` to
 * the Lambda deadline (the handler still has to answer), and never negative.
 */
export function budgetMs(askedMs: number, remainingMs: number, marginMs = 5_000): number {
  return Math.max(0, Math.min(askedMs, remainingMs - marginMs));
}
