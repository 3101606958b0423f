import type { Endpoint, Task, TaskStatus } from '../../ports/dms.js';
import { formatLsn, isLsn, type Lsn, lsnFromCheckpoint, parseLsn } from '../lsn.js';
import { restartsOnRecoverableError } from './dms-restarts.js';
import type { RecoverInput } from './input.js';
import type { TaskObservation } from './types.js';

/** What the task must still read for a resume to continue the slot being recovered. */
export interface ExpectedSource {
  readonly slotName: string;
  readonly database: string;
  /** The task's source endpoint as DescribeEndpoints reports it; null when it no longer exists. */
  readonly endpoint: Endpoint | null;
}

/**
 * From what DMS reports to what the decision reads. DMS has no "cannot resume" flag, so it is derived from
 * what makes a resume-processing wrong or impossible: a task that failed to move (failed-move), and a source
 * endpoint that is gone or no longer names the slot or the database being recovered (a person modified it):
 * a resume would then read another slot, or DMS would create one of its own, and the changes the slot holds
 * would never reach the target. Without `expected` (no endpoint read) only the status counts.
 */
export function observeTask(task: Task | undefined, expected?: ExpectedSource): TaskObservation | undefined {
  if (!task) return undefined;
  const notResumable = notResumableBecause(task.status, expected);
  return {
    status: task.status,
    stopReason: task.stopReason,
    lastFailureMessage: task.lastFailureMessage,
    checkpointLsn: task.recoveryCheckpoint === undefined ? null : lsnFromCheckpoint(task.recoveryCheckpoint),
    resumable: notResumable === undefined,
    ...(notResumable === undefined ? {} : { notResumableBecause: notResumable }),
    restartsOnRecoverableError: restartsOnRecoverableError(task.replicationTaskSettings),
  };
}

function notResumableBecause(status: TaskStatus, expected: ExpectedSource | undefined): string | undefined {
  if (status === 'failed-move') {
    return 'it failed to move to another replication instance (failed-move)';
  }
  return expected && sourceEndpointProblem(expected);
}

/** Why the task's source endpoint cannot read the slot being recovered; undefined when it can. */
export function sourceEndpointProblem(expected: ExpectedSource): string | undefined {
  const endpoint = expected.endpoint;
  if (endpoint === null) return 'its source endpoint no longer exists';
  if (!endpoint.slotName) {
    return (
      `its source endpoint ${endpoint.identifier} names no slot (PostgreSQLSettings.SlotName is empty): DMS would ` +
      `read a slot of its own, not ${expected.slotName}`
    );
  }
  if (endpoint.slotName !== expected.slotName) {
    return `its source endpoint ${endpoint.identifier} now names slot ${endpoint.slotName}, not ${expected.slotName}`;
  }
  if (endpoint.databaseName !== undefined && endpoint.databaseName !== expected.database) {
    return (
      `its source endpoint ${endpoint.identifier} now reads database ${endpoint.databaseName}, not ` +
      `${expected.database} where slot ${expected.slotName} is`
    );
  }
  return undefined;
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
export function newTaskCall(
  input: RecoverInput,
  old: Task | undefined,
  startPosition: Lsn,
  oldEndpointUnusable?: string,
): NewTaskCall {
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
    // The old task's endpoint only when it still names this slot in this database.
    sourceEndpointArn:
      replacement.sourceEndpointArn ?? (oldEndpointUnusable ? undefined : old?.sourceEndpointArn),
    targetEndpointArn: replacement.targetEndpointArn ?? old?.targetEndpointArn,
    tableMappings: replacement.tableMappings ?? old?.tableMappings,
  };
  const missing = Object.entries(fields)
    .filter(([, value]) => value === undefined)
    .map(([name]) => `replacement.${name}`);
  if (missing.length > 0) {
    return {
      payload: null,
      problem: oldEndpointUnusable
        ? `the old task's source endpoint cannot serve the new task (${oldEndpointUnusable}) and the recover input ` +
          `does not give ${missing.join(', ')}`
        : `the old task is gone and the recover input does not give ${missing.join(', ')}`,
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
