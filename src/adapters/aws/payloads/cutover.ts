import { InvalidInputError } from '../../../core/errors.js';

/** The execution input the cutover machine's first state passes as { "input": ... }. */
export function executionInput(event: unknown): unknown {
  if (typeof event !== 'object' || event === null || !('input' in event)) {
    throw new InvalidInputError('input', 'the state machine passes the execution input as { "input": ... }');
  }
  return (event as { input: unknown }).input;
}
