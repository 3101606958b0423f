import type { MiddlewareObj } from '@middy/core';
import { OrchestratorError } from '../../core/errors.js';
import { redactError } from '../../core/redact.js';

/** What separates the message from the remedy; also how a message already carrying it is recognised. */
export const REMEDY_LABEL = ' Remedy: ';

/**
 * On failure, appends the error's remedy to its message. The Node.js Lambda runtime serialises a thrown
 * error as `{errorType: name, errorMessage: message, trace}` and nothing else, so without this the
 * remedy never reaches the Step Functions `Cause`, the failure notification or the console. `name`
 * stays as it is: ASL `Retry`/`Catch` clauses match on it.
 *
 * Register it after injectLambdaContext: middy runs onError middlewares in reverse order, so this one
 * runs first and the logger's own error handling sees the final message.
 */
export function remedyInMessage(): MiddlewareObj {
  return {
    onError: async (request) => {
      const { error } = request;
      if (error instanceof OrchestratorError) appendRemedy(error);
      // What the runtime returns to Step Functions (the execution history, the failure notification).
      redactError(error);
    },
  };
}

/** Adds ` Remedy: <remedy>` once (a retried or rethrown error keeps a single copy). */
export function appendRemedy(error: OrchestratorError): void {
  const { remedy } = error;
  if (!remedy || error.message.endsWith(`${REMEDY_LABEL}${remedy}`)) return;
  error.message = `${error.message}${REMEDY_LABEL}${remedy}`;
}
