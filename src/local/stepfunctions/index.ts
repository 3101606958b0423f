/**
 * Local Step Functions: runs statemachines/*.asl.json unchanged with aws-local-stepfunctions and
 * the real handlers in-process. See statemachines/README.md for what differs from AWS.
 */
export { DefinitionError } from './definition.js';
export type { ExecutionEvent, ExecutionEventType } from './events.js';
export type { TaskHandler, TaskHandlers } from './lambda.js';
export { MissingTaskHandlerError, type OnTaskToken, type TaskTokenRequest } from './overrides.js';
export {
  type DefinitionSource,
  type Execution,
  type ExecutionResult,
  type ExecutionSettings,
  type ExecutionStatus,
  type RunStateMachineOptions,
  runStateMachine,
  startExecution,
} from './runner.js';
export { lambdaFunctionName, localLambdaArn } from './substitutions.js';
export { type LambdaErrorDocument, parseLambdaCause } from './task-errors.js';
export { type TaskTokenCallbacks, TaskTokenError } from './task-tokens.js';
export { AslValidationError } from './validate.js';
