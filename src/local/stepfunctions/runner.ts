import './polyfill.js';
import { randomUUID } from 'node:crypto';
import {
  ExecutionAbortedError,
  ExecutionError,
  ExecutionTimeoutError,
  type RunOptions as LibraryRunOptions,
  StateMachine,
  type StateMachineDefinition,
} from 'aws-local-stepfunctions';
import { bindTasks, missingHandlers } from './bindings.js';
import { recordExecution } from './coverage-store.js';
import { type AslDefinition, parseDefinition, readDefinitionText } from './definition.js';
import { EventLog } from './event-log.js';
import type { ExecutionEvent } from './events.js';
import type { TaskHandlers } from './lambda.js';
import { buildLocalHandlers, MissingTaskHandlerError, type OnTaskToken } from './overrides.js';
import { LOCAL_ACCOUNT, LOCAL_REGION, substitutePlaceholders } from './substitutions.js';
import { type TaskTokenCallbacks, TaskTokens } from './task-tokens.js';
import { prepareTiming } from './timing.js';
import { validateDefinition } from './validate.js';

export type DefinitionSource =
  /** A statemachines/*.asl.json file, read unchanged. */
  | { readonly definitionPath: string; readonly definition?: never }
  /** The definition as JSON text (substituted like a file) or as an object. */
  | { readonly definition: string | AslDefinition; readonly definitionPath?: never };

export type RunStateMachineOptions = DefinitionSource & ExecutionSettings;

export interface ExecutionSettings {
  /** Handlers by Lambda function name (a `${Placeholder}`'s name) or service resource ARN. */
  readonly tasks: TaskHandlers;
  /** Values for `${Name}` placeholders that are not task handlers (DefinitionSubstitutions). */
  readonly substitutions?: Readonly<Record<string, string>>;
  readonly input?: unknown;
  /** Multiplies every Wait and Retry interval: 0.001 makes a 30 s Wait take 30 ms. Default 1. */
  readonly timeScale?: number;
  /** Upper bound for any single Retry pause, after scaling. */
  readonly maxRetryIntervalMs?: number;
  /** Stops the execution (status ABORTED). */
  readonly signal?: AbortSignal;
  /** Called when a `.waitForTaskToken` state is waiting; answer through the callbacks. */
  readonly onTaskToken?: OnTaskToken;
  /** Every event as it happens (the full log is also in the result). */
  readonly onEvent?: (event: ExecutionEvent) => void;
  /** For `$$.StateMachine.Name`; defaults to the file name without `.asl.json`. */
  readonly stateMachineName?: string;
  /** For `$$.Execution.Name`; defaults to a random UUID like StartExecution's. */
  readonly executionName?: string;
}

export type ExecutionStatus = 'SUCCEEDED' | 'FAILED' | 'ABORTED' | 'TIMED_OUT';

export interface ExecutionResult {
  readonly status: ExecutionStatus;
  readonly output?: unknown;
  readonly error?: string;
  readonly cause?: string;
  readonly events: readonly ExecutionEvent[];
  /** States entered plus retries: what Step Functions bills as state transitions. */
  readonly transitions: number;
  readonly durationMs: number;
}

export interface Execution extends TaskTokenCallbacks {
  readonly result: Promise<ExecutionResult>;
  /** StopExecution: the result settles with status ABORTED. */
  stop(): void;
}

/** Runs a state machine to its end and returns the execution's event log. */
export function runStateMachine(options: RunStateMachineOptions): Promise<ExecutionResult> {
  return startExecution(options).result;
}

/**
 * Starts a state machine and returns at once, with the SendTask* callbacks for its
 * `.waitForTaskToken` states. Setup mistakes (invalid ASL, a placeholder with no value, a Task with
 * no handler, a throwing onTaskToken) reject `result`; everything the machine does is in it.
 */
export function startExecution(options: RunStateMachineOptions): Execution {
  checkScales(options);
  const tokens = new TaskTokens();
  const stopper = new AbortController();
  return {
    result: execute(options, tokens, stopper),
    stop: () => stopper.abort(),
    sendTaskSuccess: (token, output) => tokens.sendTaskSuccess(token, output),
    sendTaskFailure: (token, failure) => tokens.sendTaskFailure(token, failure),
    sendTaskHeartbeat: (token) => tokens.sendTaskHeartbeat(token),
  };
}

function checkScales(options: RunStateMachineOptions): void {
  const { timeScale = 1, maxRetryIntervalMs = 0 } = options;
  if (!Number.isFinite(timeScale) || timeScale < 0) throw new RangeError('timeScale must be a number >= 0');
  if (!Number.isFinite(maxRetryIntervalMs) || maxRetryIntervalMs < 0) {
    throw new RangeError('maxRetryIntervalMs must be a number >= 0');
  }
}

interface Prepared {
  readonly definition: AslDefinition;
  readonly name: string;
  readonly bindings: ReturnType<typeof bindTasks>;
  readonly rewrittenWaits: ReadonlySet<string>;
}

async function prepare(options: RunStateMachineOptions): Promise<Prepared> {
  const { text, name, origin } = await sourceText(options);
  const handlerNames = new Set(Object.keys(options.tasks));
  const substituted = substitutePlaceholders(
    text,
    { substitutions: options.substitutions ?? {}, handlerNames },
    origin,
  );
  const deployed = parseDefinition(substituted, origin);
  validateDefinition(deployed, origin);
  const bindings = bindTasks(deployed);
  const missing = missingHandlers(bindings, handlerNames);
  if (missing.length > 0) {
    throw new MissingTaskHandlerError(
      `${origin}: no handler for ${missing.join(', ')} (registered: ${[...handlerNames].join(', ') || 'none'})`,
    );
  }
  const timing = prepareTiming(deployed, {
    timeScale: options.timeScale ?? 1,
    maxRetryIntervalMs: options.maxRetryIntervalMs,
  });
  return { name: options.stateMachineName ?? name, bindings, ...timing };
}

async function sourceText(
  options: RunStateMachineOptions,
): Promise<{ text: string; name: string; origin: string }> {
  if (options.definitionPath !== undefined) {
    const { text, name } = await readDefinitionText(options.definitionPath);
    return { text, name, origin: options.definitionPath };
  }
  const { definition } = options;
  const text = typeof definition === 'string' ? definition : JSON.stringify(definition);
  return { text, name: 'local', origin: 'definition' };
}

async function execute(
  options: RunStateMachineOptions,
  tokens: TaskTokens,
  stopper: AbortController,
): Promise<ExecutionResult> {
  const prepared = await prepare(options);
  const log = new EventLog(prepared.rewrittenWaits, options.onEvent);
  let fatal: Error | undefined;
  const stop = (error?: Error) => {
    fatal ??= error;
    stopper.abort();
  };
  const onUserAbort = () => stop();
  options.signal?.addEventListener('abort', onUserAbort, { once: true });
  const tokenSentinel = `local-task-token-${randomUUID()}`;
  const overrides = buildLocalHandlers(prepared.bindings, prepared.rewrittenWaits, {
    handlers: options.tasks,
    tokens,
    tokenSentinel,
    timeScale: options.timeScale ?? 1,
    signal: stopper.signal,
    onTaskToken: options.onTaskToken,
    onTaskFailure: (failure, thrown) => log.rememberRemedy(failure, thrown),
    fatal: stop,
  });
  const machine = new StateMachine(prepared.definition as unknown as StateMachineDefinition, {
    // Validated above with asl-validator 4 before the in-memory timing changes, which the
    // library's bundled validator would reject (fractional Retry intervals).
    validationOptions: { noValidate: true },
  });
  const started = performance.now();
  const run = machine.run(executionInput(options.input), {
    overrides: { taskResourceLocalHandlers: overrides as LocalHandlers },
    context: contextObject(prepared.name, options.executionName ?? randomUUID(), tokenSentinel),
  });
  const onStop = () => run.abort();
  stopper.signal.addEventListener('abort', onStop, { once: true });
  if (options.signal?.aborted) stopper.abort();
  // Stopped (by the handle or the signal) while the definition was being prepared.
  if (stopper.signal.aborted) run.abort();
  try {
    const collected = log.collect(run.eventLogs, (error) => stop(error));
    const outcome = await settle(run.result);
    await collected;
    if (fatal) throw fatal;
    const summary = log.summary();
    // Path coverage of the statemachines/ files, when the test run collects it (coverage-store.ts).
    recordExecution(options.definitionPath, summary.events);
    return { ...outcome, ...summary, durationMs: Math.round(performance.now() - started) };
  } finally {
    stopper.signal.removeEventListener('abort', onStop);
    options.signal?.removeEventListener('abort', onUserAbort);
    // The library may still hold a retry or a Map iteration of a finished run: no handler may start.
    stopper.abort();
    tokens.close();
  }
}

/** StartExecution takes the input as JSON text: what reaches the machine is its parse. */
function executionInput(input: unknown): Parameters<StateMachine['run']>[0] {
  return JSON.parse(JSON.stringify(input ?? {}));
}

type LocalHandlers = NonNullable<NonNullable<LibraryRunOptions['overrides']>['taskResourceLocalHandlers']>;

/** What the context object holds in AWS and the library leaves out (it adds Execution.Input/StartTime). */
function contextObject(stateMachineName: string, executionName: string, tokenSentinel: string) {
  const arn = `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT}`;
  return {
    Execution: {
      Id: `${arn}:execution:${stateMachineName}:${executionName}`,
      Name: executionName,
      RoleArn: `arn:aws:iam::${LOCAL_ACCOUNT}:role/local-stepfunctions`,
    },
    StateMachine: { Id: `${arn}:stateMachine:${stateMachineName}`, Name: stateMachineName },
    Task: { Token: tokenSentinel },
  };
}

type Outcome = Pick<ExecutionResult, 'status' | 'output' | 'error' | 'cause'>;

async function settle(result: Promise<unknown>): Promise<Outcome> {
  try {
    return { status: 'SUCCEEDED', output: await result };
  } catch (error) {
    if (error instanceof ExecutionAbortedError) return { status: 'ABORTED' };
    if (error instanceof ExecutionTimeoutError) {
      return {
        status: 'TIMED_OUT',
        error: 'States.Timeout',
        cause: 'the execution ran past its TimeoutSeconds',
      };
    }
    if (error instanceof ExecutionError && error.cause instanceof Error) {
      return { status: 'FAILED', error: error.cause.name, cause: error.cause.message };
    }
    throw error;
  }
}
