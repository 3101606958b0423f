import * as z from 'zod';
import { DmsArn, SecretArn } from '../arn-schemas.js';
import { DMS_PLUGIN_NAMES } from '../output-plugins.js';

const Seconds = (max: number) => z.number().int().min(1).max(max);
const DAY = 86_400;

export const SlotName = z
  .string()
  .regex(/^[a-z0-9_]{1,63}$/, 'must be 1 to 63 lower-case letters, digits and underscores');

/** Only for NEW_TASK_FROM_SLOT: what create-cdc-task needs that the old task cannot tell (or no longer can). */
export const Replacement = z.strictObject({
  identifierPrefix: z
    .string()
    .regex(
      /^[A-Za-z][A-Za-z0-9-]{0,39}$/,
      'must be 1 to 40 ASCII letters, digits and hyphens, starting with a letter',
    ),
  sourceName: z
    .string()
    .regex(
      /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/,
      'must be 1 to 63 ASCII letters, digits, dots, underscores and hyphens',
    ),
  plugin: z.enum(DMS_PLUGIN_NAMES).default('test-decoding'),
  /** Default: source.database. */
  databaseName: z.string().min(1).max(63).optional(),
  /** Default: the old task's (DescribeReplicationTasks still reports them while the task exists). */
  replicationInstanceArn: DmsArn('rep').optional(),
  sourceEndpointArn: DmsArn('endpoint').optional(),
  targetEndpointArn: DmsArn('endpoint').optional(),
  tableMappings: z.union([z.string().min(2), z.record(z.string(), z.unknown())]).optional(),
  taskSettings: z.union([z.string().min(2), z.record(z.string(), z.unknown())]).optional(),
});
export type Replacement = z.output<typeof Replacement>;

export const CatchUpSettings = z.strictObject({
  /** The resumed (or new) task must bring slot lag under this, proving it reads and confirms. */
  maxLagBytes: z
    .number()
    .int()
    .min(0)
    .default(64 * 1024 * 1024),
  maxLatencySeconds: z.number().min(0).default(600),
  consecutivePolls: z.number().int().min(1).max(100).default(2),
  catchUpTimeoutSeconds: Seconds(7 * DAY).default(1_800),
});

export const Timing = z.strictObject({
  /** Between two polls of a task status or of the slot. */
  pollSeconds: Seconds(3_600).default(10),
  /** For the task to reach `running` after a start. */
  runningTimeoutSeconds: Seconds(DAY).default(900),
  /** For an old task to stop before a new one is created on its slot. */
  stopTimeoutSeconds: Seconds(DAY).default(900),
  /** Between two looks at a slot another PID holds. */
  slotWaitSeconds: Seconds(3_600).default(30),
  /** How long a held slot is waited for before terminating the holder (policy) or escalating. */
  slotWaitTimeoutSeconds: Seconds(DAY).default(300),
  /** Between two looks at a task DMS is starting, stopping or restarting by itself. */
  taskWaitSeconds: Seconds(3_600).default(30),
  /**
   * How long DMS is given to settle the task or restart it by itself after a recoverable error, before the
   * machine resumes it (a task still failed) or escalates (a task still starting or not reading the slot).
   * DMS retries every RecoverableErrorInterval (5 s by default), spaced out further when throttling.
   */
  taskWaitTimeoutSeconds: Seconds(DAY).default(900),
  catchUp: CatchUpSettings.prefault({}),
});
export type Timing = z.output<typeof Timing>;

export const Trigger = z.strictObject({
  kind: z.enum(['dms-task-event', 'rds-failover-event', 'manual']),
  /** The EventBridge event id, or who started it. */
  id: z.string().max(256).optional(),
  time: z.string().max(64).optional(),
  /** What the event said (DMS detailMessage, RDS Message), shown in notifications. */
  message: z.string().max(2_000).optional(),
});

/**
 * What starts the recover machine (statemachines/recover.asl.json): the task, where its slot lives, and
 * what the machine may do. An EventBridge rule (through route-recovery-event), `dms-cdc recover` and a
 * person in the console all pass this shape. Everything but the task, the source and the slot has a
 * default, so a minimal input is four fields.
 */
export const RecoverInput = z.strictObject({
  taskArn: DmsArn('task'),
  source: z.strictObject({ secretArn: SecretArn, database: z.string().min(1).max(63) }),
  slotName: SlotName,
  /** The trigger was a failover (RDS-EVENT-0071 / RDS-EVENT-0049): the slot must be looked for on the new writer. */
  failover: z.boolean().default(false),
  policy: z
    .strictObject({
      /** May pg_terminate_backend the stale walsender that holds the slot after the bounded wait. Off by default. */
      terminateStaleBackend: z.boolean().default(false),
    })
    .prefault({}),
  replacement: Replacement.optional(),
  timing: Timing.prefault({}),
  trigger: Trigger.optional(),
});
export type RecoverInput = z.output<typeof RecoverInput>;
