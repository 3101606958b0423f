import { OrchestratorError } from '../errors.js';

/** terminate-slot-holder was called without the policy that allows it: nothing was terminated. */
export class TerminationNotAllowedError extends OrchestratorError {
  override readonly name = 'TerminationNotAllowedError';

  constructor(
    readonly slotName: string,
    readonly pid: number,
  ) {
    super(
      `terminating PID ${pid}, which holds replication slot "${slotName}", is not allowed by the recover input's policy`,
      'Set policy.terminateStaleBackend to true in the recover input to let the machine end a stale walsender, ' +
        `or end it yourself after checking it is stale: SELECT pg_terminate_backend(${pid})`,
    );
  }
}

/** The server refused pg_terminate_backend (SQLSTATE 42501): the role lacks pg_signal_backend. */
export class SlotHolderTerminationRefusedError extends OrchestratorError {
  override readonly name = 'SlotHolderTerminationRefusedError';

  constructor(
    readonly slotName: string,
    readonly pid: number,
    detail: string,
  ) {
    super(
      `the source refused to terminate PID ${pid}, which holds replication slot "${slotName}": ${detail}`,
      'Grant the role in the source secret pg_signal_backend (GRANT pg_signal_backend TO <role>; on RDS the ' +
        'master user has it through rds_superuser), or end the backend as an administrator',
    );
  }
}
