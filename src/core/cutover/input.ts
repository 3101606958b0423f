import * as z from 'zod';
import { DmsArn, SecretArn } from '../arn-schemas.js';
import { DMS_PLUGIN_NAMES } from '../output-plugins.js';
import { MAX_SEQUENCE_GAP } from '../sequences/plan.js';

const JsonObject = z.record(z.string(), z.unknown());

export const END_MODES = ['stop-at-position', 'stop-when-quiet', 'continuous'] as const;
export type EndMode = (typeof END_MODES)[number];

/**
 * What a user passes to StartExecution of the cutover machine (README "Cutover input"). Everything
 * has a default but what identifies the source, the slot, the DMS resources and the tables.
 */
export const CutoverInput = z.strictObject({
  /** Short name of this cutover: the head of every DMS identifier and the `source` of every alert. */
  name: z
    .string()
    .regex(
      /^[A-Za-z][A-Za-z0-9-]{0,39}$/,
      'must be 1 to 40 letters, digits and hyphens, starting with a letter',
    ),
  source: z.strictObject({
    /** Secrets Manager secret with the RDS-format credential (local mode: registered for you). */
    secretArn: SecretArn,
    database: z.string().min(1).max(63),
    /** DMS endpoint SslMode; verify-full needs certificateArn (the CA imported into DMS). */
    sslMode: z.enum(['verify-full', 'verify-ca', 'require', 'none']).default('verify-full'),
    certificateArn: DmsArn('cert').optional(),
    engine: z.enum(['postgres', 'aurora-postgresql']).default('postgres'),
  }),
  slot: z.strictObject({
    name: z.string().regex(/^[a-z0-9_]{1,63}$/, 'must be 1 to 63 lower-case letters, digits and underscores'),
    plugin: z.enum(DMS_PLUGIN_NAMES).default('test-decoding'),
    /** Create the slot if it does not exist (off: after a failover a missing slot means lost changes). */
    create: z.boolean().default(false),
    failover: z.boolean().default(false),
    createTimeoutSeconds: z.number().int().min(1).max(840).default(30),
  }),
  replicationInstanceArn: DmsArn('rep'),
  target: z.strictObject({
    endpointArn: DmsArn('endpoint'),
    /** For the row-count verification only (DMS itself uses the target endpoint). */
    secretArn: SecretArn.optional(),
    database: z.string().min(1).max(63).optional(),
  }),
  tableMappings: JsonObject,
  taskSettings: JsonObject.optional(),
  /** HeartbeatEnable on the source endpoint (on by default: idle databases still pin WAL). */
  heartbeat: z
    .strictObject({
      enabled: z.boolean().default(true),
      frequencyMinutes: z.number().int().min(1).max(1440).default(5),
      schema: z.string().min(1).max(63).optional(),
    })
    .prefault({}),
  thresholds: z
    .strictObject({
      /** Caught up when slot lag (WAL not yet confirmed by DMS) is at most this... */
      maxLagBytes: z
        .number()
        .int()
        .min(0)
        .default(16 * 1024 * 1024),
      /** ...and DMS CDC latency at most this... */
      maxLatencySeconds: z.number().min(0).default(30),
      /** ...for this many polls in a row. */
      consecutivePolls: z.number().int().min(1).max(100).default(3),
      pollSeconds: z.number().int().min(1).max(3600).default(30),
      catchUpTimeoutSeconds: z
        .number()
        .int()
        .min(60)
        .max(7 * 86400)
        .default(4 * 3600),
      runningTimeoutSeconds: z.number().int().min(60).max(86400).default(1800),
      stopTimeoutSeconds: z
        .number()
        .int()
        .min(60)
        .max(7 * 86400)
        .default(86400),
    })
    .prefault({}),
  /** An approval gate after catch-up; it waits 24 hours at most (the ASL state's TimeoutSeconds). */
  approval: z.strictObject({ required: z.boolean().default(false) }).prefault({}),
  /** `commit_time:YYYY-MM-DDTHH:MM:SS` or `server_time:...`: the task stops there and the machine waits for it. */
  cdcStopPosition: z
    .string()
    .regex(
      /^(server_time|commit_time):\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/,
      'must be server_time:... or commit_time:YYYY-MM-DDTHH:MM:SS',
    )
    .optional(),
  /**
   * How the cutover ends once caught up (and approved). `stop-at-position`: the task stops itself at
   * cdcStopPosition (the default when one is given). `stop-when-quiet`: the machine waits until slot lag and
   * DMS latency stay under the thresholds for `quietPolls` polls, stops the task itself (the default
   * without a stop position). `continuous`: nothing is stopped; the machine ends leaving the task running.
   */
  end: z
    .strictObject({
      mode: z.enum(END_MODES).optional(),
      quietPolls: z.number().int().min(1).max(100).default(3),
      quietTimeoutSeconds: z
        .number()
        .int()
        .min(60)
        .max(7 * 86400)
        .default(3600),
    })
    .prefault({}),
  verify: z.strictObject({ rowCounts: z.boolean().default(true) }).prefault({}),
  /**
   * DMS does not carry sequence values: once the task stopped, each target sequence in scope is set to
   * the source's value plus `gap` values (forward only). `sync: false` leaves them to the user.
   */
  sequences: z
    .strictObject({
      sync: z.boolean().default(true),
      gap: z.number().int().min(0).max(MAX_SEQUENCE_GAP).default(0),
    })
    .prefault({}),
  tags: z.record(z.string(), z.string()).optional(),
});

export type CutoverInput = z.output<typeof CutoverInput>;
