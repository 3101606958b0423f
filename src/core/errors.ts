/**
 * Base of every error the orchestrator raises on purpose.
 *
 * `name` is stable and matches the class name so that Step Functions `Retry`/`Catch`
 * clauses (which match on the error name a Lambda reports) and the CLI can rely on it.
 * `remedy` says what the user should change; it never contains a secret.
 */
export abstract class OrchestratorError extends Error {
  abstract override readonly name: string;
  readonly remedy: string | undefined;

  constructor(message: string, remedy?: string) {
    super(message);
    this.remedy = remedy;
  }
}

/** Raised when an input field (Lambda payload, CLI flag, config file) is malformed. */
export class InvalidInputError extends OrchestratorError {
  override readonly name = 'InvalidInputError';
  readonly field: string;

  constructor(field: string, message: string, remedy?: string) {
    super(`${field}: ${message}`, remedy);
    this.field = field;
  }
}
