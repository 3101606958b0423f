import type { TaskStatus } from '../../ports/dms.js';
import { OrchestratorError } from '../errors.js';
import { describeStopReason, type StopReasonCode, taskStopReason } from '../stop-reason.js';

/**
 * Typed DMS failures. Each `name` is stable so Step Functions `Retry`/`Catch` can match it; the
 * AWS adapter and the local engine both raise these, so a state machine branches the same way on both.
 * DMS messages are copied verbatim: they name resources, never credentials.
 */

/** DMS kept throttling after the SDK's own retries: retry later (an ASL Retry with backoff does). */
export class DmsThrottledError extends OrchestratorError {
  override readonly name = 'DmsThrottledError';

  constructor(
    readonly operation: string,
    message: string,
  ) {
    super(
      `DMS throttled ${operation}: ${message}`,
      'Retry with backoff; if it persists, reduce how often DMS is polled or ask AWS for a higher API rate',
    );
  }
}

/** ResourceNotFoundFault: the endpoint, task or connection named does not exist (or no longer does). */
export class DmsResourceNotFoundError extends OrchestratorError {
  override readonly name = 'DmsResourceNotFoundError';

  constructor(
    readonly operation: string,
    readonly resource: string,
    message: string,
  ) {
    super(
      `DMS ${operation} found no ${resource}: ${message}`,
      'Check the ARN or identifier and the AWS account and region the orchestrator runs in',
    );
  }
}

/** InvalidResourceStateFault: e.g. starting a task that is still creating, deleting a running task. */
export class DmsInvalidStateError extends OrchestratorError {
  override readonly name = 'DmsInvalidStateError';

  constructor(
    readonly operation: string,
    readonly resource: string,
    message: string,
  ) {
    super(
      `DMS refused ${operation} on ${resource} in its current state: ${message}`,
      'Wait until the resource reaches a state that allows the operation (e.g. a task must be stopped ' +
        'before it is deleted, and ready or stopped before it is started), then retry',
    );
  }
}

/** ResourceAlreadyExistsFault: another run (or a person) created a resource with this identifier. */
export class DmsResourceExistsError extends OrchestratorError {
  override readonly name = 'DmsResourceExistsError';

  constructor(
    readonly operation: string,
    readonly resource: string,
    message: string,
  ) {
    super(
      `DMS ${operation}: ${resource} already exists: ${message}`,
      'Look the resource up by its identifier and reuse it if it matches, or choose another identifier prefix',
    );
  }
}

/** DMS answered with a shape the port cannot represent (a missing ARN, a status not documented). */
export class DmsUnexpectedResponseError extends OrchestratorError {
  override readonly name = 'DmsUnexpectedResponseError';

  constructor(operation: string, what: string) {
    super(
      `DMS ${operation} returned ${what}`,
      'Upgrade the orchestrator: DMS answered with something this version does not understand',
    );
  }
}

/** A task did not reach any of the awaited statuses before the deadline. */
export class TaskWaitTimeoutError extends OrchestratorError {
  override readonly name = 'TaskWaitTimeoutError';

  constructor(
    readonly taskArn: string,
    readonly until: readonly TaskStatus[],
    readonly lastStatus: TaskStatus | undefined,
    timeoutMs: number,
  ) {
    super(
      `task ${taskArn} did not reach ${until.join(' or ')} within ${timeoutMs} ms (last status: ${lastStatus ?? 'unknown'})`,
      'Check the task in the DMS console or its CloudWatch log; run the step again to keep waiting',
    );
  }
}

/**
 * A task reached `failed` (or another status the caller treats as failure) while being waited on. DMS puts
 * the same long text in StopReason and LastFailureMessage ("Last Error <message> Stop Reason FATAL_ERROR
 * Error Level FATAL"): the message names the code and the error message once, and `stopCode` carries the code.
 */
export class TaskFailedError extends OrchestratorError {
  override readonly name = 'TaskFailedError';
  readonly stopCode: StopReasonCode | undefined;

  constructor(
    readonly taskArn: string,
    readonly status: TaskStatus,
    readonly stopReason: string | undefined,
    readonly lastFailureMessage: string | undefined,
  ) {
    const stop = taskStopReason({ stopReason, lastFailureMessage });
    super(
      `task ${taskArn} is ${status} (stop reason: ${describeStopReason(stop, stopReason) ?? 'none'}; ` +
        `last failure: ${stop.lastError ?? lastFailureMessage ?? 'none'})`,
      'Read the last failure message; run the recover state machine to decide between resuming and a new task',
    );
    this.stopCode = stop.code;
  }
}

/** The replication instance could not connect to the endpoint; DMS's message says why. */
export class ConnectionTestFailedError extends OrchestratorError {
  override readonly name = 'ConnectionTestFailedError';

  constructor(
    readonly replicationInstanceArn: string,
    readonly endpointArn: string,
    readonly lastFailureMessage: string | undefined,
  ) {
    super(
      `replication instance ${replicationInstanceArn} cannot connect to endpoint ${endpointArn}: ` +
        (lastFailureMessage ?? 'DMS gave no reason'),
      'Check the security groups and routes between the replication instance and the database, the secret ' +
        'and its access role, the SSL mode and certificate, and that the database accepts the DMS user',
    );
  }
}

/** A connection test neither succeeded nor failed before the deadline. */
export class ConnectionTestTimeoutError extends OrchestratorError {
  override readonly name = 'ConnectionTestTimeoutError';

  constructor(
    readonly endpointArn: string,
    readonly lastStatus: string | undefined,
    timeoutMs: number,
  ) {
    super(
      `the connection test of endpoint ${endpointArn} did not finish within ${timeoutMs} ms ` +
        `(last status: ${lastStatus ?? 'not started'})`,
      'A test that hangs usually means packets are dropped: check security groups, NACLs and routes',
    );
  }
}

/**
 * A resource with the deterministic identifier exists but differs from what this run wants.
 * Reusing it would replicate from the wrong slot or start at the wrong position, so we stop.
 */
export class ConflictingResourceError extends OrchestratorError {
  override readonly name = 'ConflictingResourceError';
  readonly resource: 'endpoint' | 'task';
  readonly identifier: string;
  readonly field: string;
  readonly existing: string | undefined;
  readonly wanted: string | undefined;

  constructor(args: {
    resource: 'endpoint' | 'task';
    identifier: string;
    arn: string;
    field: string;
    existing: string | undefined;
    wanted: string | undefined;
    /** Overrides the usual advice when the difference is not a setting (e.g. a resource being deleted). */
    remedy?: string | undefined;
  }) {
    const { resource, identifier, arn, field, existing, wanted } = args;
    super(
      `DMS ${resource} ${identifier} already exists with ${field} ${show(existing)}, but this run wants ${show(wanted)}`,
      args.remedy ??
        `Choose another identifier prefix, or delete the old ${resource} (${arn}) once nothing depends on it, ` +
          'then run again',
    );
    this.resource = resource;
    this.identifier = identifier;
    this.field = field;
    this.existing = existing;
    this.wanted = wanted;
  }
}

function show(value: string | undefined): string {
  return value === undefined ? '(unset)' : JSON.stringify(value);
}
