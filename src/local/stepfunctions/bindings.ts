import { type AslDefinition, DefinitionError, isRecord, visitStates } from './definition.js';
import { lambdaFunctionName } from './substitutions.js';

/**
 * How one Task state is run locally, decided once from the (substituted) definition:
 * - `lambda`: Resource is a Lambda ARN; the handler gets the state's input and returns its result.
 * - `lambda-invoke`: `arn:aws:states:::lambda:invoke[.waitForTaskToken]`; the handler gets
 *   `Parameters.Payload` and the result is wrapped like the Invoke response (`Payload`, `StatusCode`...).
 * - `service`: any other resource (sns:publish, dynamodb:putItem, ...); the handler registered under
 *   the resource ARN (without `.waitForTaskToken`) gets the Parameters.
 * Handlers are found by key: the Lambda function name (which for a `${Placeholder}` is the
 * placeholder's name) or the service resource ARN.
 */
export type Integration = 'lambda' | 'lambda-invoke' | 'service';

export interface TaskBinding {
  readonly stateName: string;
  readonly integration: Integration;
  /** The handler key, or undefined when `FunctionName.$` picks the function at run time. */
  readonly key: string | undefined;
  readonly callback: boolean;
  /** The state's own TimeoutSeconds and HeartbeatSeconds (before any local adjustment). */
  readonly timeoutSeconds: number | undefined;
  readonly heartbeatSeconds: number | undefined;
}

const LAMBDA_ARN = /^arn:aws[a-z-]*:lambda:/u;
const LAMBDA_INVOKE = /^arn:aws[a-z-]*:states:::lambda:invoke(\.waitForTaskToken)?$/u;
const CALLBACK_SUFFIX = '.waitForTaskToken';

export function bindTasks(definition: AslDefinition): Map<string, TaskBinding> {
  const bindings = new Map<string, TaskBinding>();
  for (const { name, state, path } of visitStates(definition)) {
    if (state.Type !== 'Task') continue;
    const resource = state.Resource;
    if (typeof resource !== 'string') throw new DefinitionError(`${path}: Task without a Resource`);
    bindings.set(name, {
      stateName: name,
      ...classify(resource, state.Parameters, path),
      timeoutSeconds: typeof state.TimeoutSeconds === 'number' ? state.TimeoutSeconds : undefined,
      heartbeatSeconds: typeof state.HeartbeatSeconds === 'number' ? state.HeartbeatSeconds : undefined,
    });
  }
  return bindings;
}

function classify(
  resource: string,
  parameters: unknown,
  path: string,
): Pick<TaskBinding, 'integration' | 'key' | 'callback'> {
  if (LAMBDA_ARN.test(resource)) {
    return { integration: 'lambda', key: lambdaFunctionName(resource), callback: false };
  }
  const invoke = LAMBDA_INVOKE.exec(resource);
  if (invoke) {
    const params = isRecord(parameters) ? parameters : {};
    refuseAsynchronousInvoke(params, path);
    const key = typeof params.FunctionName === 'string' ? lambdaFunctionName(params.FunctionName) : undefined;
    if (key === undefined && typeof params['FunctionName.$'] !== 'string') {
      throw new DefinitionError(`${path}: lambda:invoke needs Parameters.FunctionName`);
    }
    return { integration: 'lambda-invoke', key, callback: invoke[1] !== undefined };
  }
  const callback = resource.endsWith(CALLBACK_SUFFIX);
  return {
    integration: 'service',
    key: callback ? resource.slice(0, -CALLBACK_SUFFIX.length) : resource,
    callback,
  };
}

// An `Event` invoke returns before the function runs; emulating that would hide the handler's
// failures from the test, so it is refused rather than approximated.
function refuseAsynchronousInvoke(params: Record<string, unknown>, path: string): void {
  const type = params.InvocationType;
  if (type !== undefined && type !== 'RequestResponse') {
    throw new DefinitionError(`${path}: InvocationType ${String(type)} is not supported locally`);
  }
}

/** Task states whose handler is not registered, as `state -> key` lines. */
export function missingHandlers(
  bindings: ReadonlyMap<string, TaskBinding>,
  handlerNames: ReadonlySet<string>,
): string[] {
  return [...bindings.values()]
    .filter((binding) => binding.key !== undefined && !handlerNames.has(binding.key))
    .map((binding) => `${binding.stateName} -> ${binding.key}`);
}
