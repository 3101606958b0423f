import * as z from 'zod';
import { LOWER_IS_WORSE, NUMERIC_METRICS, type NumericMetric } from '../alerts/metrics.js';
import { metricInstanceIdentifier } from '../dms/identifiers.js';
import { InvalidInputError } from '../errors.js';
import { describeIssue, refusePasswordKeys } from '../input-keys.js';
import type { WalStatus } from '../slot.js';
import { MAX_SOURCES } from './fleet.js';
import {
  DEFAULT_SAFE_WAL,
  SafeWalLevelSchema,
  type SafeWalThreshold,
  safeWalOrderProblem,
} from './safe-wal.js';
import { InvalidQuantityError, parseDuration, parseSize } from './sizes.js';

/**
 * The health-check configuration: which sources to watch and when to alert. One JSON document, read
 * from an SSM parameter or passed by the schedule (AWS), or from a file (`dms-cdc health --config`):
 *
 * {
 *   "defaults": { "thresholds": { "retainedWal": { "warning": "5GB", "critical": "20GB" } },
 *                 "renotifyMinutes": 60 },
 *   "sources": [
 *     { "name": "orders-db",
 *       "secretArn": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:dms-cdc/orders-AbCdEf",
 *       "slots": ["dms_orders_slot"],
 *       "dmsTasks": [{ "taskArn": "arn:aws:dms:eu-west-1:123456789012:task:ABCDEFGHIJKLMNOP",
 *                      "replicationInstanceIdentifier": "dms-prod-1" }],
 *       "rdsInstanceId": "orders-db-prod",
 *       "thresholds": { "slotLag": { "critical": "2GB" } } } ]
 * }
 *
 * Thresholds merge per level: built-in DEFAULT_THRESHOLDS, then `defaults.thresholds`, then the
 * source's own. `null` switches a level off. Sizes take units (512MB, 20GB, 1.5GiB; powers of 1024
 * like postgresql.conf), durations take s/m/h/d (90s, 15m).
 */

export interface NumericThreshold {
  readonly warning: number | null;
  readonly critical: number | null;
}

export interface WalStatusThreshold {
  readonly warning: readonly WalStatus[];
  readonly critical: readonly WalStatus[];
}

export type Thresholds = Readonly<Record<NumericMetric, NumericThreshold>> & {
  readonly walStatus: WalStatusThreshold;
  readonly safeWal: SafeWalThreshold;
};

const GiB = 1024 ** 3;

/** The documented defaults (README and the CLI usage repeat them). */
export const DEFAULT_THRESHOLDS: Thresholds = {
  // Bytes between the server's WAL position and confirmed_flush_lsn: changes DMS has not confirmed.
  slotLag: { warning: 1 * GiB, critical: 5 * GiB },
  // Bytes between the server's WAL position and restart_lsn: WAL kept on disk for this slot.
  retainedWal: { warning: 5 * GiB, critical: 20 * GiB },
  // All of pg_wal (pg_ls_waldir), or TransactionLogsDiskUsage on RDS.
  walDiskBytes: { warning: 20 * GiB, critical: 50 * GiB },
  // WAL bytes over walDiskCapacityBytes, or over WAL + FreeStorageSpace on RDS.
  walDiskPercent: { warning: 60, critical: 80 },
  // Seconds since inactive_since (PostgreSQL 17+).
  inactiveTime: { warning: 5 * 60, critical: 30 * 60 },
  // Transactions: autovacuum_freeze_max_age's default, then half-way to wraparound.
  xminAge: { warning: 200_000_000, critical: 1_000_000_000 },
  // Seconds, from CloudWatch AWS/DMS.
  cdcLatencySource: { warning: 5 * 60, critical: 30 * 60 },
  cdcLatencyTarget: { warning: 5 * 60, critical: 30 * 60 },
  // Seconds left (less is worse): before safe_wal_size reaches zero at the measured rate, before the
  // WAL disk is full, and (PostgreSQL 18) before idle_replication_slot_timeout invalidates the slot.
  safeWalForecast: { warning: 6 * 3600, critical: 3600 },
  walDiskForecast: { warning: 6 * 3600, critical: 3600 },
  idleTimeoutLeft: { warning: 6 * 3600, critical: 3600 },
  // `extended` (past max_wal_size, still within max_slot_wal_keep_size) can be added to either list.
  walStatus: { warning: ['unreserved'], critical: ['lost'] },
  safeWal: DEFAULT_SAFE_WAL,
};

export const DEFAULT_RENOTIFY_MINUTES = 60;
/** A level is left only this far (percent of its threshold) on the good side of it: no flapping. */
export const DEFAULT_HYSTERESIS_PERCENT = 10;
/** A step down or back to OK is notified at most this often per slot and metric. */
export const DEFAULT_MIN_NOTIFY_MINUTES = 10;

function quantity(parse: (value: string | number) => number) {
  return z.union([z.number(), z.string()]).transform((value, ctx) => {
    try {
      return parse(value);
    } catch (error) {
      if (!(error instanceof InvalidQuantityError)) throw error;
      ctx.addIssue({ code: 'custom', message: error.message });
      return z.NEVER;
    }
  });
}

const Size = quantity(parseSize);
const Duration = quantity(parseDuration);
const Count = z.number().int().nonnegative();
const Percent = z.number().min(0).max(100);

function levels<T extends z.ZodType>(value: T) {
  return z.strictObject({ warning: value.nullable().optional(), critical: value.nullable().optional() });
}

const WAL_STATUSES = ['reserved', 'extended', 'unreserved', 'lost'] as const;

const PartialThresholdsSchema = z.strictObject({
  slotLag: levels(Size).optional(),
  retainedWal: levels(Size).optional(),
  walDiskBytes: levels(Size).optional(),
  walDiskPercent: levels(Percent).optional(),
  inactiveTime: levels(Duration).optional(),
  xminAge: levels(Count).optional(),
  cdcLatencySource: levels(Duration).optional(),
  cdcLatencyTarget: levels(Duration).optional(),
  safeWalForecast: levels(Duration).optional(),
  walDiskForecast: levels(Duration).optional(),
  idleTimeoutLeft: levels(Duration).optional(),
  safeWal: levels(SafeWalLevelSchema).optional(),
  walStatus: z
    .strictObject({
      warning: z.array(z.enum(WAL_STATUSES)).optional(),
      critical: z.array(z.enum(WAL_STATUSES)).optional(),
    })
    .optional(),
});
export type PartialThresholds = z.output<typeof PartialThresholdsSchema>;

// Source names end up in SNS subjects (ASCII), DynamoDB keys and CloudWatch dimensions.
const SOURCE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;
// PostgreSQL slot names: lower-case letters, digits, underscores, at most 63 bytes.
const SLOT_NAME = /^[a-z0-9_]{1,63}$/;
const TASK_ARN = /^arn:aws[a-z-]*:dms:[a-z0-9-]+:[0-9]{12}:task:([A-Za-z0-9_-]+)$/;
// DMS replication instance identifiers: a letter first, letters, digits and single hyphens.
const INSTANCE_ID = /^[A-Za-z](?:-?[A-Za-z0-9])*$/;
// RDS DB instance identifiers: a letter first, letters, digits and single hyphens, at most 63.
const RDS_INSTANCE_ID = /^[A-Za-z](?:-?[A-Za-z0-9]){0,62}$/;
const SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:.+$/;

const DmsTaskSchema = z.strictObject({
  taskArn: z.string().regex(TASK_ARN, 'must be a DMS replication task ARN (arn:aws:dms:...:task:...)'),
  // CloudWatch publishes CDCLatencySource/Target with ReplicationInstanceIdentifier (the name given to
  // the instance, which its ARN does not contain) and ReplicationTaskIdentifier (the task ARN's suffix).
  // Lowered: DMS stores it in lower case and dimensions match case-sensitively (see metricInstanceIdentifier).
  replicationInstanceIdentifier: z
    .string()
    .max(63)
    .regex(INSTANCE_ID, 'must be the replication instance identifier (its name, not its ARN)')
    .transform(metricInstanceIdentifier),
});

const Alerting = {
  renotifyMinutes: z.number().int().min(1).max(10_080).optional(),
  hysteresisPercent: z.number().min(0).max(50).optional(),
  minNotifyMinutes: z.number().min(0).max(1440).optional(),
};

const DefaultsSchema = z.strictObject({
  thresholds: PartialThresholdsSchema.optional(),
  ...Alerting,
});

export const SourceConfigSchema = z
  .strictObject({
    name: z.string().regex(SOURCE_NAME, 'must be 1-63 ASCII letters, digits, dots, hyphens or underscores'),
    /** AWS: the Secrets Manager secret with the credential (RDS JSON format). */
    secretArn: z.string().regex(SECRET_ARN, 'must be a Secrets Manager secret ARN').optional(),
    /** Local mode and the CLI: postgres://user@host:port/db (the password from PGPASSWORD). */
    url: z.string().min(1).optional(),
    database: z.string().min(1).max(63).optional(),
    /** `logical` (default): every logical slot; `all`: physical ones too; or the slots by name. */
    slots: z
      .union([z.enum(['logical', 'all']), z.array(z.string().regex(SLOT_NAME, 'is not a slot name')).min(1)])
      .default('logical'),
    dmsTasks: z.array(DmsTaskSchema).max(100).default([]),
    rdsInstanceId: z.string().regex(RDS_INSTANCE_ID, 'must be an RDS DB instance identifier').optional(),
    /** Self-managed servers: the size of the volume pg_wal grows into, for walDiskPercent. */
    walDiskCapacityBytes: Size.optional(),
    thresholds: PartialThresholdsSchema.optional(),
    ...Alerting,
  })
  .refine((source) => source.secretArn !== undefined || source.url !== undefined, {
    message: 'give secretArn (AWS) or url (local)',
    path: ['secretArn'],
  });
export type SourceConfig = z.output<typeof SourceConfigSchema>;

export const HealthConfigSchema = z
  .strictObject({
    defaults: DefaultsSchema.optional(),
    // One schedule checks at most this many within its minute (src/core/health/fleet.ts).
    sources: z.array(SourceConfigSchema).min(1).max(MAX_SOURCES),
  })
  .superRefine((config, ctx) => {
    const seen = new Set<string>();
    config.sources.forEach((source, index) => {
      if (seen.has(source.name)) {
        ctx.addIssue({
          code: 'custom',
          message: `duplicate source name ${source.name}`,
          path: ['sources', index],
        });
      }
      seen.add(source.name);
    });
  });
export type HealthConfig = z.output<typeof HealthConfigSchema>;
export type HealthDefaults = z.output<typeof DefaultsSchema>;

/** What one Lambda invocation (one Map iteration) receives: one source and the shared defaults. */
export const SourceCheckInputSchema = z.strictObject({
  source: SourceConfigSchema,
  defaults: DefaultsSchema.optional(),
});

export interface DmsTaskRef {
  readonly taskArn: string;
  /** The ARN's resource ID: CloudWatch's ReplicationTaskIdentifier dimension. */
  readonly taskId: string;
  readonly replicationInstanceIdentifier: string;
}

/** A source with every default applied: what the check and the evaluation read. */
export interface ResolvedSource {
  readonly name: string;
  readonly secretArn: string | undefined;
  readonly url: string | undefined;
  readonly database: string | undefined;
  readonly slots: 'logical' | 'all' | readonly string[];
  readonly dmsTasks: readonly DmsTaskRef[];
  readonly rdsInstanceId: string | undefined;
  readonly walDiskCapacityBytes: number | undefined;
  readonly thresholds: Thresholds;
  readonly renotifyMinutes: number;
  readonly hysteresisPercent: number;
  readonly minNotifyMinutes: number;
}

/** Validates a configuration document; the first problem is an InvalidInputError naming its path. */
export function parseHealthConfig(document: unknown, field = 'config'): HealthConfig {
  return parseWith(HealthConfigSchema, document, field);
}

export function parseWith<Schema extends z.ZodType>(
  schema: Schema,
  value: unknown,
  field: string,
): z.output<Schema> {
  refusePasswordKeys(value, field);
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const described = describeIssue(parsed.error.issues[0], field);
  throw new InvalidInputError(
    described.field,
    described.message,
    'See the health-check configuration format in src/core/health/config.ts (README: Health checks)',
  );
}

/** Applies defaults: built-in, then the document's, then the source's own, level by level. */
export function resolveSource(
  source: SourceConfig,
  defaults: HealthDefaults = {},
  field = 'source',
): ResolvedSource {
  const thresholds = mergeThresholds(
    mergeThresholds(DEFAULT_THRESHOLDS, defaults.thresholds),
    source.thresholds,
  );
  for (const metric of NUMERIC_METRICS) {
    const { warning, critical } = thresholds[metric];
    if (warning === null || critical === null) continue;
    if (LOWER_IS_WORSE.has(metric) ? warning < critical : warning > critical) {
      const side = LOWER_IS_WORSE.has(metric) ? ['below', 'above'] : ['above', 'below'];
      throw new InvalidInputError(
        `${field}.thresholds.${metric}`,
        `warning ${warning} is ${side[0]} critical ${critical} for source ${source.name}`,
        `Set the warning threshold at or ${side[1]} the critical one (or null to switch a level off)`,
      );
    }
  }
  const safeWalProblem = safeWalOrderProblem(thresholds.safeWal);
  if (safeWalProblem) {
    throw new InvalidInputError(
      `${field}.thresholds.safeWal`,
      `${safeWalProblem} for source ${source.name}`,
      'Set the warning level at or above the critical one (or null to switch a level off)',
    );
  }
  return {
    name: source.name,
    secretArn: source.secretArn,
    url: source.url,
    database: source.database,
    slots: source.slots,
    dmsTasks: source.dmsTasks.map((task) => ({
      ...task,
      taskId: TASK_ARN.exec(task.taskArn)?.[1] ?? task.taskArn,
    })),
    rdsInstanceId: source.rdsInstanceId,
    walDiskCapacityBytes: source.walDiskCapacityBytes,
    thresholds,
    renotifyMinutes: source.renotifyMinutes ?? defaults.renotifyMinutes ?? DEFAULT_RENOTIFY_MINUTES,
    hysteresisPercent: source.hysteresisPercent ?? defaults.hysteresisPercent ?? DEFAULT_HYSTERESIS_PERCENT,
    minNotifyMinutes: source.minNotifyMinutes ?? defaults.minNotifyMinutes ?? DEFAULT_MIN_NOTIFY_MINUTES,
  };
}

export function mergeThresholds(base: Thresholds, override: PartialThresholds | undefined): Thresholds {
  if (!override) return base;
  const merged: Record<string, unknown> = { ...base };
  for (const metric of NUMERIC_METRICS) {
    const level = override[metric];
    if (level) merged[metric] = { ...base[metric], ...definedOnly(level) };
  }
  if (override.walStatus) merged.walStatus = { ...base.walStatus, ...definedOnly(override.walStatus) };
  if (override.safeWal) merged.safeWal = { ...base.safeWal, ...definedOnly(override.safeWal) };
  return merged as Thresholds;
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
