import { randomBytes } from 'node:crypto';
import { StatesRuntimeFailure, TaskFailure } from './task-errors.js';

/**
 * Task tokens for `.waitForTaskToken` states. aws-local-stepfunctions has no callback pattern (its
 * context object has no `Task.Token`, and there is no SendTaskSuccess), so the runner issues tokens
 * itself and the Task's local handler waits here until the caller answers.
 *
 * Errors raised to the caller use the names of the Step Functions API exceptions
 * (TaskDoesNotExist, TaskTimedOut, InvalidOutput), so code written against SFN reads the same.
 */
export class TaskTokenError extends Error {
  constructor(
    override readonly name: 'TaskDoesNotExist' | 'TaskTimedOut' | 'InvalidOutput' | 'InvalidToken',
    message: string,
  ) {
    super(message);
  }
}

export interface TaskTokenCallbacks {
  /** SendTaskSuccess: `output` becomes the task's result (it must be JSON, up to 256 KiB). */
  sendTaskSuccess(taskToken: string, output: unknown): void;
  /** SendTaskFailure: the task fails with this error name and cause, as Retry/Catch see them. */
  sendTaskFailure(taskToken: string, failure?: { readonly error?: string; readonly cause?: string }): void;
  /** SendTaskHeartbeat: resets the HeartbeatSeconds clock. */
  sendTaskHeartbeat(taskToken: string): void;
}

interface Pending {
  readonly stateName: string;
  resolve(output: unknown): void;
  reject(failure: TaskFailure): void;
  readonly heartbeatMs: number | undefined;
  heartbeat: NodeJS.Timeout | undefined;
  deadline: NodeJS.Timeout | undefined;
}

const MAX_OUTPUT_BYTES = 262_144;

export class TaskTokens implements TaskTokenCallbacks {
  readonly #pending = new Map<string, Pending>();
  readonly #timedOut = new Set<string>();

  /**
   * A new token and the promise of its answer. `timeoutMs` mirrors the state's TimeoutSeconds (which
   * the library enforces): once it passes, the token answers TaskTimedOut like the API does.
   */
  issue(
    stateName: string,
    limits: { timeoutMs: number | undefined; heartbeatMs: number | undefined },
  ): { token: string; answer: Promise<unknown> } {
    const token = randomBytes(48).toString('base64url');
    const answer = new Promise<unknown>((resolve, reject) => {
      const pending: Pending = {
        stateName,
        resolve,
        reject,
        heartbeatMs: limits.heartbeatMs,
        heartbeat: undefined,
        deadline: undefined,
      };
      this.#pending.set(token, pending);
      if (limits.timeoutMs !== undefined) {
        pending.deadline = setTimeout(() => this.#expire(token), limits.timeoutMs);
      }
    });
    // The state may fail (its function threw, or the execution ended) before anyone awaits the
    // answer; a rejection nobody is waiting for must not crash the process.
    answer.catch(() => undefined);
    return { token, answer };
  }

  /**
   * Starts the HeartbeatSeconds clock. AWS starts it once the function invoked by a callback task has
   * returned, not when the token is issued.
   */
  startHeartbeat(token: string): void {
    const pending = this.#pending.get(token);
    if (pending) this.#armHeartbeat(token, pending);
  }

  sendTaskSuccess(taskToken: string, output: unknown): void {
    const text = JSON.stringify(output);
    if (text === undefined) throw new TaskTokenError('InvalidOutput', 'output must be a JSON value');
    if (Buffer.byteLength(text) > MAX_OUTPUT_BYTES) {
      throw new TaskTokenError('InvalidOutput', `output is over ${MAX_OUTPUT_BYTES} bytes`);
    }
    this.#settle(taskToken).resolve(JSON.parse(text));
  }

  sendTaskFailure(
    taskToken: string,
    failure: { readonly error?: string; readonly cause?: string } = {},
  ): void {
    this.#settle(taskToken).reject(new TaskFailure(failure.error ?? '', failure.cause ?? ''));
  }

  sendTaskHeartbeat(taskToken: string): void {
    const pending = this.#find(taskToken);
    this.#armHeartbeat(taskToken, pending);
  }

  /** Withdraws a token whose task failed before waiting: it answers TaskDoesNotExist from now on. */
  discard(token: string): void {
    const pending = this.#pending.get(token);
    if (pending) clearTimers(pending);
    this.#pending.delete(token);
  }

  /**
   * The execution ended (aborted, timed out, or failed elsewhere): every token still waiting is gone.
   * Rejecting the waits lets the library clear its own task timers, so nothing keeps the process alive.
   */
  close(): void {
    for (const [token, pending] of this.#pending) {
      this.#settle(token);
      pending.reject(new StatesRuntimeFailure('the execution ended while the task waited for its token'));
    }
  }

  #armHeartbeat(token: string, pending: Pending): void {
    if (pending.heartbeatMs === undefined) return;
    clearTimeout(pending.heartbeat);
    const seconds = pending.heartbeatMs / 1000;
    pending.heartbeat = setTimeout(() => {
      this.#settle(token).reject(
        new TaskFailure('States.HeartbeatTimeout', `no heartbeat for ${seconds} s (HeartbeatSeconds)`),
      );
      this.#timedOut.add(token);
    }, pending.heartbeatMs);
  }

  #expire(token: string): void {
    const pending = this.#pending.get(token);
    if (!pending) return;
    clearTimers(pending);
    this.#pending.delete(token);
    this.#timedOut.add(token);
  }

  #settle(token: string): Pending {
    const pending = this.#find(token);
    clearTimers(pending);
    this.#pending.delete(token);
    return pending;
  }

  #find(token: string): Pending {
    const pending = this.#pending.get(token);
    if (pending) return pending;
    if (this.#timedOut.has(token)) throw new TaskTokenError('TaskTimedOut', 'the task timed out');
    throw new TaskTokenError('TaskDoesNotExist', 'no task is waiting for this token');
  }
}

function clearTimers(pending: Pending): void {
  clearTimeout(pending.heartbeat);
  clearTimeout(pending.deadline);
}
