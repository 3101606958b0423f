import type { Task, TaskStatus } from '../../ports/dms.js';
import { formatLsn, isLsn, type Lsn, lsnFromCheckpoint, parseLsn } from '../lsn.js';
import type { RecoverInput } from './input.js';
import type { TaskObservation } from './types.js';

/**
 * From what DMS reports to what the decision reads. Every task that still exists is taken as
 * resumable: DMS exposes no "settings changed" flag, and a task that cannot resume says so by failing
 * with FATAL_ERROR, which the decision turns into a new task from the slot.
 */
export function observeTask(task: Task | undefined): TaskObservation | undefined {
  if (!task) return undefined;
  return {
    status: task.status,
    stopReason: task.stopReason,
    lastFailureMessage: task.lastFailureMessage,
    checkpointLsn: task.recoveryCheckpoint === undefined ? null : lsnFromCheckpoint(task.recoveryCheckpoint),
    resumable: true,
  };
}

/** The task as the execution state carries it (every key present, so Choice states never miss one). */
export interface TaskView {
  readonly taskArn: string;
  readonly taskIdentifier: string;
  readonly status: TaskStatus;
  readonly stopReason: string | null;
  readonly lastFailureMessage: string | null;
  readonly checkpointLsn: string | null;
  readonly cdcStartPosition: string | null;
}

export function taskView(task: Task | undefined, observed: TaskObservation | undefined): TaskView | null {
  if (!task || !observed) return null;
  return {
    taskArn: task.arn,
    taskIdentifier: task.identifier,
    status: task.status,
    stopReason: task.stopReason ?? null,
    lastFailureMessage: task.lastFailureMessage ?? null,
    checkpointLsn: observed.checkpointLsn === null ? null : formatLsn(observed.checkpointLsn),
    cdcStartPosition: task.cdcStartPosition ?? null,
  };
}

/** Where the task began: nothing before it was ever its to apply (the lower bound of a gap when no checkpoint is known). */
export function taskStartLsn(task: Task | undefined): Lsn | null {
  const position = task?.cdcStartPosition;
  return position !== undefined && isLsn(position) ? parseLsn(position) : null;
}

/** The create-cdc-task payload for NEW_TASK_FROM_SLOT, or what is missing to build it. */
export type NewTaskCall =
  | { readonly payload: Readonly<Record<string, unknown>>; readonly problem: null }
  | { readonly payload: null; readonly problem: string };

/**
 * A new CDC task on the same slot at `startPosition` (explicit, so its identifier names the position and
 * it never collides with the old task). Instance, endpoints and table mappings default to the old task's:
 * the new task replaces it, reading the same slot into the same target.
 */
export function newTaskCall(input: RecoverInput, old: Task | undefined, startPosition: Lsn): NewTaskCall {
  const replacement = input.replacement;
  if (!replacement) {
    return {
      payload: null,
      problem:
        'the recover input has no "replacement" (identifierPrefix and sourceName at least), so the new task ' +
        'cannot be named',
    };
  }
  const fields = {
    replicationInstanceArn: replacement.replicationInstanceArn ?? old?.replicationInstanceArn,
    sourceEndpointArn: replacement.sourceEndpointArn ?? old?.sourceEndpointArn,
    targetEndpointArn: replacement.targetEndpointArn ?? old?.targetEndpointArn,
    tableMappings: replacement.tableMappings ?? old?.tableMappings,
  };
  const missing = Object.entries(fields)
    .filter(([, value]) => value === undefined)
    .map(([name]) => `replacement.${name}`);
  if (missing.length > 0) {
    return {
      payload: null,
      problem: `the old task is gone and the recover input does not give ${missing.join(', ')}`,
    };
  }
  return {
    payload: {
      identifierPrefix: replacement.identifierPrefix,
      sourceName: replacement.sourceName,
      slotName: input.slotName,
      plugin: replacement.plugin,
      databaseName: replacement.databaseName ?? input.source.database,
      ...fields,
      ...(replacement.taskSettings === undefined ? {} : { taskSettings: replacement.taskSettings }),
      cdcStartPosition: formatLsn(startPosition),
      sourceSecretArn: input.source.secretArn,
    },
    problem: null,
  };
}
