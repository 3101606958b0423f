/** Starting a state machine execution (Step Functions StartExecution, once per name). */
export interface StartRequest {
  readonly stateMachineArn: string;
  readonly name: string;
  readonly input: string;
}

export interface Started {
  readonly executionArn: string;
  /** The name was already used: an execution for this request started before (a redelivered event). */
  readonly duplicate: boolean;
}

/** Starts one execution; resolves to its ARN, marked duplicate when this name already started it. */
export type StartExecution = (request: StartRequest) => Promise<Started>;
