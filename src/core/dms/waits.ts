import type { Clock } from '../../ports/clock.js';
import type { ConnectionStatus, ConnectionTest, Dms, Task, TaskStatus } from '../../ports/dms.js';
import { InvalidInputError } from '../errors.js';
import {
  ConnectionTestFailedError,
  ConnectionTestTimeoutError,
  TaskFailedError,
  TaskWaitTimeoutError,
} from './errors.js';

/** How long to wait and how often to ask. A poll never sleeps past the deadline. */
export interface PollOptions {
  readonly timeoutMs: number;
  readonly pollMs: number;
}

export interface TaskWaitOptions extends PollOptions {
  /** Return as soon as the task is in one of these. */
  readonly until: readonly TaskStatus[];
  /** Statuses that end the wait with TaskFailedError; `failed` always does unless it is in `until`. */
  readonly failOn?: readonly TaskStatus[];
}

/**
 * Polls a task until it reaches an `until` status. Throws TaskFailedError (with DMS's stop reason and
 * last failure message) on a failure status, TaskWaitTimeoutError (with the last status seen) at the
 * deadline. Errors from DMS itself (throttling, not found) propagate unchanged for the caller's Retry.
 */
export async function waitForTaskStatus(
  dms: Dms,
  clock: Clock,
  arn: string,
  options: TaskWaitOptions,
): Promise<Task> {
  checkPollOptions(options);
  if (options.until.length === 0) throw new InvalidInputError('until', 'name at least one task status');
  const failing = new Set<TaskStatus>(['failed', ...(options.failOn ?? [])]);
  for (const status of options.until) failing.delete(status);

  const deadline = clock.now() + options.timeoutMs;
  let last: TaskStatus | undefined;
  for (;;) {
    const task = await dms.describeTask(arn);
    last = task.status;
    if (options.until.includes(task.status)) return task;
    if (failing.has(task.status)) {
      throw new TaskFailedError(arn, task.status, task.stopReason, task.lastFailureMessage);
    }
    if (!(await pollAgain(clock, deadline, options.pollMs))) {
      throw new TaskWaitTimeoutError(arn, options.until, last, options.timeoutMs);
    }
  }
}

/**
 * Polls a connection test started with `dms.testConnection` until DMS says `successful`.
 * `failed` (or the connection being deleted under us) throws ConnectionTestFailedError with DMS's message.
 */
export async function waitForConnectionTest(
  dms: Dms,
  clock: Clock,
  replicationInstanceArn: string,
  endpointArn: string,
  options: PollOptions,
): Promise<ConnectionTest> {
  checkPollOptions(options);
  const deadline = clock.now() + options.timeoutMs;
  let last: ConnectionStatus | undefined;
  for (;;) {
    const test = await dms.describeConnectionTest(replicationInstanceArn, endpointArn);
    last = test?.status ?? last;
    if (test?.status === 'successful') return test;
    if (test?.status === 'failed' || test?.status === 'deleting') {
      const message =
        test.lastFailureMessage ??
        (test.status === 'deleting' ? 'the connection is being deleted' : undefined);
      throw new ConnectionTestFailedError(replicationInstanceArn, endpointArn, message);
    }
    if (!(await pollAgain(clock, deadline, options.pollMs))) {
      throw new ConnectionTestTimeoutError(endpointArn, last, options.timeoutMs);
    }
  }
}

/** Starts a connection test and waits for its outcome: the usual way to use the two calls above. */
export async function runConnectionTest(
  dms: Dms,
  clock: Clock,
  replicationInstanceArn: string,
  endpointArn: string,
  options: PollOptions,
): Promise<ConnectionTest> {
  await dms.testConnection(replicationInstanceArn, endpointArn);
  return waitForConnectionTest(dms, clock, replicationInstanceArn, endpointArn, options);
}

/** Sleeps until the next poll; false once the deadline has passed, so the caller gives up. */
async function pollAgain(clock: Clock, deadline: number, pollMs: number): Promise<boolean> {
  const left = deadline - clock.now();
  if (left <= 0) return false;
  await clock.sleep(Math.min(pollMs, left));
  return true;
}

function checkPollOptions(options: PollOptions): void {
  if (!Number.isFinite(options.timeoutMs) || options.timeoutMs < 0) {
    throw new InvalidInputError('timeoutMs', `${options.timeoutMs} is not a duration in milliseconds`);
  }
  // A zero interval would hammer the DMS API (and spin forever on a clock that does not advance).
  if (!Number.isFinite(options.pollMs) || options.pollMs <= 0) {
    throw new InvalidInputError('pollMs', `${options.pollMs} must be a positive number of milliseconds`);
  }
}
