import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import { LOCAL_ACCOUNT, LOCAL_REGION } from './substitutions.js';
import { lambdaFailure, type TaskFailure } from './task-errors.js';

/**
 * A task handler: a Lambda handler (a middy `makeHandler(...)` result) or any function of the
 * state's input. `never` as the event type lets a handler declare the event it expects.
 */
export type TaskHandler = (event: never, context: Context) => unknown;
export type TaskHandlers = Readonly<Record<string, TaskHandler>>;

/** Lambda's maximum timeout; the definition does not say how long a function may run. */
const LAMBDA_TIMEOUT_MS = 900_000;

/**
 * Runs a handler the way Lambda would: the event and the result cross a JSON boundary (so a handler
 * cannot share objects with the machine, and a Date comes back as a string), the context looks like
 * Lambda's, and a throw becomes the Error/Cause pair Step Functions sees. `onFailure` receives the
 * failure with what was thrown, for the local event log.
 */
export async function invokeLikeLambda(
  functionName: string,
  handler: TaskHandler,
  event: unknown,
  onFailure: (failure: TaskFailure, thrown: unknown) => void,
): Promise<unknown> {
  const call = handler as (event: unknown, context: Context) => unknown;
  try {
    const result = await call(jsonRoundTrip(event), lambdaContext(functionName));
    return jsonRoundTrip(result ?? null);
  } catch (thrown) {
    const failure = lambdaFailure(thrown);
    onFailure(failure, thrown);
    throw failure;
  }
}

function jsonRoundTrip(value: unknown): unknown {
  return value === undefined ? undefined : JSON.parse(JSON.stringify(value));
}

/** A Lambda-like context with the real timeout budget, for handlers run in-process. */
export function lambdaContext(functionName: string): Context {
  const deadline = Date.now() + LAMBDA_TIMEOUT_MS;
  return {
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:${functionName}`,
    memoryLimitInMB: '1024',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: `local/[$LATEST]${randomUUID().replaceAll('-', '')}`,
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
