import type { StartType, Task, TaskStatus } from '../../ports/dms.js';
import { OrchestratorError } from '../errors.js';

/**
 * A start that would restart a task that already ran. DMS recreates the replication slot when a CDC
 * task is restarted (start-replication or reload-target on a task that has run): every change the old
 * slot still held, from its confirmed_flush_lsn on, never reaches the target (docs/architecture.md, "DMS facts the code respects").
 */
export class TaskRestartRefusedError extends OrchestratorError {
  override readonly name = 'TaskRestartRefusedError';

  constructor(
    readonly taskArn: string,
    readonly status: TaskStatus,
    readonly startType: StartType,
  ) {
    super(
      `task ${taskArn} has already run (status ${status}): ${startType} would restart it, and DMS recreates ` +
        'the replication slot when it restarts a CDC task, so the changes the slot still holds would be lost',
      'Use startType resume-processing to continue from the task checkpoint, or create a new CDC task on the ' +
        "same slot from its confirmed_flush_lsn (create-cdc-task). Pass allowRestart: true only if losing the slot's " +
        'pending changes is intended and the target will be reloaded',
    );
  }
}

/**
 * A first start other than start-replication. A task that never ran has no checkpoint to resume from and
 * nothing to reload: start-replication is the only start DMS documents for it (docs/architecture.md, "DMS facts the code respects").
 */
export class FirstStartTypeError extends OrchestratorError {
  override readonly name = 'FirstStartTypeError';

  constructor(
    readonly taskArn: string,
    readonly startType: StartType,
  ) {
    super(
      `startType: ${startType} cannot be the first start of task ${taskArn}, which has never run ` +
        '(no start date, no recovery checkpoint): only start-replication starts a task for the first time',
      'Use startType start-replication (the default): the task starts at its own CdcStartPosition',
    );
  }
}

/**
 * reload-target on a CDC-only task. It reloads tables with a full load, which a task with MigrationType
 * cdc does not have: DMS documents data errors for it. No flag unlocks it.
 */
export class ReloadTargetOnCdcTaskError extends OrchestratorError {
  override readonly name = 'ReloadTargetOnCdcTaskError';

  constructor(readonly taskArn: string) {
    super(
      `startType: reload-target never applies to task ${taskArn}, whose MigrationType is cdc (CDC only, no full ` +
        'load to reload from); allowRestart does not change that',
      'Use resume-processing to continue the task from its checkpoint, or create a new CDC task on the same slot ' +
        'from its confirmed_flush_lsn (create-cdc-task). To reload the target, run a full-load task, then CDC from the slot',
    );
  }
}

export type StartDecision =
  /** Send StartReplicationTask. */
  | { readonly kind: 'start' }
  /** The task is already running or starting (an earlier attempt of this step started it): nothing to send. */
  | { readonly kind: 'already-running' };

const RUNNING: readonly TaskStatus[] = ['running', 'starting'];

/** Whether DMS has ever run the task: a restart of such a task loses what its slot holds. */
export function hasRun(task: Task): boolean {
  return (
    task.status === 'stopped' ||
    task.status === 'failed' ||
    task.startDate !== undefined ||
    task.recoveryCheckpoint !== undefined
  );
}

/**
 * The start rule of the orchestrator:
 * - reload-target never applies to a CDC-only task, whatever else the input says;
 * - a task already running is left alone, so a retried start step is a no-op;
 * - a task that never ran gets start-replication only (nothing to resume, nothing to reload);
 * - a task that ran gets resume-processing; anything else restarts it, refused unless the caller
 *   explicitly accepts the restart (allowRestart).
 * States DMS cannot start from (creating, stopping, deleting, ...) are left to DMS, which refuses with
 * InvalidResourceStateFault.
 */
export function decideStart(task: Task, startType: StartType, allowRestart: boolean): StartDecision {
  // Checked first: the request is wrong for this task in every state, so no status may hide it.
  if (startType === 'reload-target' && task.migrationType === 'cdc')
    throw new ReloadTargetOnCdcTaskError(task.arn);
  if (RUNNING.includes(task.status)) return { kind: 'already-running' };
  if (!hasRun(task)) {
    if (startType !== 'start-replication') throw new FirstStartTypeError(task.arn, startType);
    return { kind: 'start' };
  }
  if (startType !== 'resume-processing' && !allowRestart) {
    throw new TaskRestartRefusedError(task.arn, task.status, startType);
  }
  return { kind: 'start' };
}
