import type { StartType, Task, TaskStatus } from '../../ports/dms.js';
import { OrchestratorError } from '../errors.js';

/**
 * A start that would restart a task that already ran. DMS recreates the replication slot when a CDC
 * task is restarted (start-replication or reload-target on a task that has run): every change the old
 * slot still held, from its confirmed_flush_lsn on, never reaches the target (DESIGN.md section 4).
 */
export class TaskRestartRefusedError extends OrchestratorError {
  override readonly name = 'TaskRestartRefusedError';
  readonly taskArn: string;
  readonly status: TaskStatus;
  readonly startType: StartType;

  constructor(taskArn: string, status: TaskStatus, startType: StartType) {
    super(
      `task ${taskArn} has already run (status ${status}): ${startType} would restart it, and DMS recreates ` +
        'the replication slot when it restarts a CDC task, so the changes the slot still holds would be lost',
      'Use startType resume-processing to continue from the task checkpoint, or create a new CDC task on the ' +
        "same slot from its confirmed_flush_lsn (create-cdc-task). Pass allowRestart: true only if losing the slot's " +
        'pending changes is intended and the target will be reloaded',
    );
    this.taskArn = taskArn;
    this.status = status;
    this.startType = startType;
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
 * The start rule of the orchestrator: resume-processing is always allowed; anything else on a task
 * that already ran is refused unless the caller explicitly accepts the restart. A task that is
 * already running is left alone, so a retried start step is a no-op. States DMS cannot start from
 * (creating, stopping, deleting, ...) are left to DMS, which refuses with InvalidResourceStateFault.
 */
export function decideStart(task: Task, startType: StartType, allowRestart: boolean): StartDecision {
  if (RUNNING.includes(task.status)) return { kind: 'already-running' };
  if (startType !== 'resume-processing' && hasRun(task) && !allowRestart) {
    throw new TaskRestartRefusedError(task.arn, task.status, startType);
  }
  return { kind: 'start' };
}
