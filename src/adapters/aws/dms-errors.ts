import {
  DmsInvalidStateError,
  DmsResourceExistsError,
  DmsResourceNotFoundError,
  DmsThrottledError,
} from '../../core/dms/errors.js';

/**
 * Error names the AWS SDK itself treats as throttling (@smithy's THROTTLING_ERROR_CODES, the subset an
 * AWS JSON service such as DMS can return). Kept here rather than imported: @smithy is not a direct
 * dependency, and the list changes rarely.
 */
const THROTTLING_NAMES = new Set([
  'ThrottlingException',
  'Throttling',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'ThrottledException',
  'LimitExceededException',
]);

interface SdkErrorShape {
  readonly name?: unknown;
  readonly message?: unknown;
  readonly $metadata?: { readonly httpStatusCode?: unknown };
  readonly $retryable?: { readonly throttling?: unknown };
}

export function isThrottlingError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as SdkErrorShape;
  return (
    (typeof e.name === 'string' && THROTTLING_NAMES.has(e.name)) ||
    e.$metadata?.httpStatusCode === 429 ||
    e.$retryable?.throttling === true
  );
}

/**
 * Maps the SDK faults the orchestrator branches on to typed errors; anything else (AccessDeniedFault,
 * InvalidParameterValueException, ...) passes through with its own stable SDK name.
 * `resource` names what was asked for, e.g. `task arn:aws:dms:...` or `endpoint src-orders-1a2b3c4d`.
 */
export function toDmsError(error: unknown, operation: string, resource: string): unknown {
  if (isThrottlingError(error)) return new DmsThrottledError(operation, messageOf(error));
  switch (nameOf(error)) {
    case 'ResourceNotFoundFault':
      return new DmsResourceNotFoundError(operation, resource, messageOf(error));
    case 'InvalidResourceStateFault':
      return new DmsInvalidStateError(operation, resource, messageOf(error));
    case 'ResourceAlreadyExistsFault':
      return new DmsResourceExistsError(operation, resource, messageOf(error));
    default:
      return error;
  }
}

function nameOf(error: unknown): string | undefined {
  return error instanceof Error ? error.name : undefined;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
