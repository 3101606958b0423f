import { randomUUID } from 'node:crypto';
import type { TaskBinding } from './bindings.js';
import { isRecord } from './definition.js';
import { invokeLikeLambda, type TaskHandler, type TaskHandlers } from './lambda.js';
import { scaledWait } from './local-wait.js';
import { lambdaFunctionName } from './substitutions.js';
import { StatesRuntimeFailure, TaskFailure } from './task-errors.js';
import type { TaskTokenCallbacks, TaskTokens } from './task-tokens.js';

/** A `.waitForTaskToken` state is waiting: answer it with the callbacks (now or later). */
export interface TaskTokenRequest {
  readonly token: string;
  readonly stateName: string;
  /** What the state sent (the Lambda Payload or the service Parameters), token included. */
  readonly input: unknown;
}

export type OnTaskToken = (request: TaskTokenRequest, callbacks: TaskTokenCallbacks) => void;

/** A task handler is needed at run time (a `FunctionName.$` chose it) and none is registered. */
export class MissingTaskHandlerError extends Error {
  override readonly name = 'MissingTaskHandlerError';
}

export interface OverrideContext {
  readonly handlers: TaskHandlers;
  readonly tokens: TaskTokens;
  /** What `$$.Task.Token` resolves to in the context object; replaced by a fresh token per task. */
  readonly tokenSentinel: string;
  readonly timeScale: number;
  /** Aborted when the execution ends early: no handler is started after that. */
  readonly signal: AbortSignal;
  readonly onTaskToken: OnTaskToken | undefined;
  readonly onTaskFailure: (failure: TaskFailure, thrown: unknown) => void;
  /** A mistake in the local setup, not in the machine: stops the run and is rethrown to the caller. */
  readonly fatal: (error: Error) => void;
}

export type LocalHandler = (input: unknown) => Promise<unknown>;

/** One local handler per Task state name, the key aws-local-stepfunctions overrides by. */
export function buildLocalHandlers(
  bindings: ReadonlyMap<string, TaskBinding>,
  rewrittenWaits: ReadonlySet<string>,
  context: OverrideContext,
): Record<string, LocalHandler> {
  const handlers: Record<string, LocalHandler> = {};
  for (const binding of bindings.values()) handlers[binding.stateName] = taskHandler(binding, context);
  for (const name of rewrittenWaits)
    handlers[name] = (input) => scaledWait(input, context.timeScale, context.signal);
  return handlers;
}

function taskHandler(binding: TaskBinding, context: OverrideContext): LocalHandler {
  return async (input) => {
    if (context.signal.aborted) throw new StatesRuntimeFailure('the execution was stopped');
    const key = binding.key ?? lambdaFunctionName(String(isRecord(input) ? input.FunctionName : ''));
    const handler = context.handlers[key];
    if (!handler) {
      context.fatal(new MissingTaskHandlerError(`state ${binding.stateName} invokes "${key}": no handler`));
      throw new StatesRuntimeFailure(`no local handler for ${key}`);
    }
    const event = binding.integration === 'lambda-invoke' ? invokePayload(input) : input;
    const call: TaskCall = { binding, key, handler, context };
    if (binding.callback) return waitForTaskToken(call, event);
    const result = await run(call, event);
    return binding.integration === 'lambda-invoke' ? invokeResponse(result) : result;
  };
}

/** A Task state's call: its binding, the handler it reaches under `key`, and the execution's context. */
interface TaskCall {
  readonly binding: TaskBinding;
  readonly key: string;
  readonly handler: TaskHandler;
  readonly context: OverrideContext;
}

/** The callback pattern: send the token out, then wait for SendTaskSuccess/SendTaskFailure. */
async function waitForTaskToken(call: TaskCall, event: unknown): Promise<unknown> {
  const { binding, context } = call;
  const { token, answer } = context.tokens.issue(binding.stateName, {
    timeoutMs: binding.timeoutSeconds === undefined ? undefined : binding.timeoutSeconds * 1000,
    heartbeatMs: binding.heartbeatSeconds === undefined ? undefined : binding.heartbeatSeconds * 1000,
  });
  const sent = replaceString(event, context.tokenSentinel, token);
  try {
    await run(call, sent);
  } catch (failure) {
    // The function that was to deliver the token failed: the task fails with its error, and the
    // token is withdrawn (nobody awaits its answer any more).
    context.tokens.discard(token);
    throw failure;
  }
  context.tokens.startHeartbeat(token);
  try {
    context.onTaskToken?.({ token, stateName: binding.stateName, input: sent }, context.tokens);
  } catch (error) {
    context.fatal(error as Error);
  }
  return answer;
}

function run({ binding, key, handler, context }: TaskCall, event: unknown): Promise<unknown> {
  return binding.integration === 'service'
    ? runService(handler, event, context)
    : invokeLikeLambda(key, handler, event, context.onTaskFailure);
}

/** A service integration fails with the service's error name and its message as the Cause. */
async function runService(
  handler: TaskHandler,
  parameters: unknown,
  context: OverrideContext,
): Promise<unknown> {
  const call = handler as (parameters: unknown) => unknown;
  try {
    return (await call(structuredClone(parameters))) ?? null;
  } catch (thrown) {
    const failure =
      thrown instanceof Error
        ? new TaskFailure(thrown.name, thrown.message)
        : new TaskFailure('Error', String(thrown));
    context.onTaskFailure(failure, thrown);
    throw failure;
  }
}

// Lambda's Invoke with no payload hands the function an empty JSON object.
function invokePayload(parameters: unknown): unknown {
  return isRecord(parameters) && parameters.Payload !== undefined ? parameters.Payload : {};
}

/** The optimized integration's result: the Invoke response with Payload already parsed. */
function invokeResponse(payload: unknown): unknown {
  return {
    ExecutedVersion: '$LATEST',
    Payload: payload,
    SdkHttpMetadata: {
      HttpHeaders: { 'Content-Type': 'application/json', 'X-Amz-Executed-Version': '$LATEST' },
      HttpStatusCode: 200,
    },
    SdkResponseMetadata: { RequestId: randomUUID() },
    StatusCode: 200,
  };
}

function replaceString(value: unknown, from: string, to: string): unknown {
  if (value === from) return to;
  if (Array.isArray(value)) return value.map((item) => replaceString(item, from, to));
  if (isRecord(value)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, replaceString(v, from, to)]));
  }
  return value;
}
