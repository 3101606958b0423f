import * as z from 'zod';
import { TASK_STATUSES } from '../../../core/task-status.js';
import { CdcStopPosition, IdentifierPrefix, SourceName, TaskArn } from '../lambda-schemas.js';

/** The inputs of the task steps (describe, find, start, poll, stop), as the state machines pass them. */

export const TaskInput = z.strictObject({ taskArn: TaskArn });

export const FindTaskInput = z.strictObject({
  identifierPrefix: IdentifierPrefix,
  sourceName: SourceName,
  slotName: z.string(),
});

export const StartTaskInput = z.strictObject({
  taskArn: TaskArn,
  startType: z.enum(['start-replication', 'resume-processing', 'reload-target']).default('start-replication'),
  /**
   * A start other than resume-processing on a task that already ran is refused (TaskRestartRefusedError):
   * DMS recreates the slot on a restart and the changes it held are lost. true accepts that, and only that:
   * a first start is start-replication (FirstStartTypeError) and a CDC task never gets reload-target
   * (ReloadTargetOnCdcTaskError), whatever this says.
   */
  allowRestart: z.boolean().default(false),
  cdcStopPosition: CdcStopPosition.optional(),
});

export const PollTaskInput = z.strictObject({
  taskArn: TaskArn,
  until: z.array(z.enum(TASK_STATUSES)).min(1),
  /** From the first poll of this wait. Seven days: the longest wait the cutover input allows (stopTimeoutSeconds). */
  timeoutSeconds: z
    .number()
    .int()
    .min(1)
    .max(7 * 86_400),
  /** The previous poll's output (extra keys ignored), or null on the first poll of a wait. */
  previous: z
    .object({ since: z.iso.datetime(), polls: z.number().int().min(0) })
    .nullable()
    .default(null),
});
