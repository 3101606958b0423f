import { type SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { redactText } from '../../core/redact.js';
import type { StartExecution } from '../../ports/executions.js';

export type { Started, StartRequest } from '../../ports/executions.js';

/** StartExecution answered without an executionArn: nothing to follow or report. */
export class StartExecutionUnexpectedResponseError extends Error {
  override readonly name = 'StartExecutionUnexpectedResponseError';
}

/**
 * StartExecution once per name. Step Functions answers a repeated name with the running execution when it
 * is open with the same input, but with ExecutionAlreadyExists once it has closed (whatever the input), or
 * while it is open with a different input. Either way that name's execution was started: the caller gets
 * its ARN (built from the machine's, as Step Functions names executions) marked as a duplicate.
 */
export function buildStartOnce(client: SFNClient): StartExecution {
  return async (request) => {
    try {
      // The execution input is kept in the execution history: through the one redactor, like every sink.
      const output = await client.send(
        new StartExecutionCommand({ ...request, input: redactText(request.input) }),
      );
      if (!output.executionArn) {
        throw new StartExecutionUnexpectedResponseError(
          `StartExecution of ${request.name} returned no executionArn`,
        );
      }
      return { executionArn: output.executionArn, duplicate: false };
    } catch (error) {
      // By name, not instanceof: a bundle may carry two copies of the SDK's error classes.
      if ((error as Error | undefined)?.name !== 'ExecutionAlreadyExists') throw error;
      return { executionArn: executionArn(request.stateMachineArn, request.name), duplicate: true };
    }
  };
}

/** arn:aws:states:<region>:<account>:stateMachine:<machine> -> ...:execution:<machine>:<name>. */
export function executionArn(stateMachineArn: string, name: string): string {
  return `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
}
