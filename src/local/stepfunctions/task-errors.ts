/**
 * How a failed task reaches ASL Retry/Catch. aws-local-stepfunctions matches `ErrorEquals` against
 * `error.name` and reports `error.message` as the Cause, so a failure is thrown as an Error whose
 * name is the ASL error name and whose message is the Cause text.
 */
export class TaskFailure extends Error {
  constructor(errorName: string, cause: string) {
    super(cause);
    this.name = errorName;
  }
}

/**
 * What Step Functions receives from a Lambda function that throws: Error = the error's `name`, Cause =
 * the JSON error document the Node.js runtime builds (errorType, errorMessage, trace; the runtime
 * interface client's toRapidResponse). Other properties of the error, such as an OrchestratorError's
 * `remedy`, are not part of it in AWS, so they are not part of it here either.
 */
export function lambdaFailure(thrown: unknown): TaskFailure {
  const document = lambdaErrorDocument(thrown);
  return new TaskFailure(document.errorType, JSON.stringify(document));
}

export interface LambdaErrorDocument {
  readonly errorType: string;
  readonly errorMessage: string;
  readonly trace: readonly string[];
}

export function lambdaErrorDocument(thrown: unknown): LambdaErrorDocument {
  if (thrown instanceof Error) {
    return { errorType: thrown.name, errorMessage: thrown.message, trace: (thrown.stack ?? '').split('\n') };
  }
  return { errorType: typeof thrown, errorMessage: String(thrown), trace: [] };
}

/** Reads a Cause written by a Lambda failure back; undefined for any other Cause. */
export function parseLambdaCause(cause: string | undefined): LambdaErrorDocument | undefined {
  if (cause === undefined) return undefined;
  try {
    const parsed: unknown = JSON.parse(cause);
    if (
      typeof parsed === 'object' &&
      parsed !== null &&
      typeof (parsed as LambdaErrorDocument).errorType === 'string' &&
      typeof (parsed as LambdaErrorDocument).errorMessage === 'string'
    ) {
      return parsed as LambdaErrorDocument;
    }
  } catch {
    // Not JSON: a Cause from a Fail state or a task token failure.
  }
  return undefined;
}

/**
 * An error of the Step Functions runtime itself (States.Runtime): like the library's own, neither
 * Retry nor Catch may handle it.
 */
export class StatesRuntimeFailure extends TaskFailure {
  readonly isRetryable = false;
  readonly isCatchable = false;

  constructor(cause: string) {
    super('States.Runtime', cause);
  }
}
