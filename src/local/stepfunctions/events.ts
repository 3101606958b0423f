import type { StateMachine } from 'aws-local-stepfunctions';

/** The library's event type (not exported by name), read off `run()`'s return type. */
type LibraryEvent =
  ReturnType<StateMachine['run']>['eventLogs'] extends AsyncGenerator<infer Event> ? Event : never;

export type ExecutionEventType = LibraryEvent['type'];

/**
 * One entry of the execution's event log, flattened from aws-local-stepfunctions' events.
 * Map iteration and Parallel branch events name their parent state in `stateName`.
 */
export interface ExecutionEvent {
  readonly type: ExecutionEventType;
  readonly timestamp: number;
  readonly stateName?: string;
  readonly stateType?: string;
  readonly input?: unknown;
  readonly output?: unknown;
  /** The ASL error name and Cause, exactly as Retry, Catch and the execution see them. */
  readonly error?: string;
  readonly cause?: string;
  /**
   * Local only: the `remedy` of the OrchestratorError a handler threw. Lambda does not carry it
   * into the Cause in AWS, so ASL never sees it; the log keeps it for the person rehearsing.
   */
  readonly remedy?: string;
  /** The Map iteration the event belongs to. */
  readonly index?: number;
  /** StateRetried: which attempt this is (1 for the first retry) and the retrier that matched. */
  readonly retry?: { readonly attempt: number; readonly errorEquals: readonly string[] };
  /** StateCaught: the catcher that matched and where it goes. */
  readonly caught?: { readonly errorEquals: readonly string[]; readonly next: string };
}

export interface EventContext {
  /** Wait states the runner turned into timer Tasks: reported as Wait again. */
  readonly rewrittenWaits: ReadonlySet<string>;
  readonly remedyFor: (cause: string) => string | undefined;
}

export function toExecutionEvent(event: LibraryEvent, context: EventContext): ExecutionEvent {
  const base = { type: event.type, timestamp: event.timestamp };
  switch (event.type) {
    case 'ExecutionStarted':
      return { ...base, input: event.input };
    case 'ExecutionSucceeded':
      return { ...base, output: event.output };
    case 'ExecutionFailed':
      return { ...base, ...failure(event, context) };
    case 'ExecutionAborted':
    case 'ExecutionTimeout':
      return base;
    case 'MapIterationStarted':
    case 'MapIterationSucceeded':
    case 'ParallelBranchStarted':
    case 'ParallelBranchSucceeded':
      return { ...base, ...parent(event) };
    case 'MapIterationFailed':
    case 'ParallelBranchFailed':
      return { ...base, ...parent(event), ...failure(event, context) };
    default:
      return { ...base, ...stateEvent(event, context) };
  }
}

type StateLibraryEvent = Extract<LibraryEvent, { state: unknown }>;

function stateEvent(event: StateLibraryEvent, context: EventContext): Partial<ExecutionEvent> {
  const { name, type, input, output } = event.state;
  const fields: Partial<ExecutionEvent> = {
    stateName: name,
    stateType: type === 'Task' && context.rewrittenWaits.has(name) ? 'Wait' : type,
    input,
    ...(output === undefined ? {} : { output }),
    ...(event.index === undefined ? {} : { index: event.index }),
  };
  switch (event.type) {
    case 'StateFailed':
      return { ...fields, ...failure(event, context) };
    case 'StateRetried':
      return {
        ...fields,
        retry: { attempt: event.retry.attempt, errorEquals: event.retry.retrier.ErrorEquals },
      };
    case 'StateCaught':
      return {
        ...fields,
        caught: { errorEquals: event.catch.catcher.ErrorEquals, next: event.catch.catcher.Next },
      };
    default:
      return fields;
  }
}

function parent(event: Extract<LibraryEvent, { parentState: unknown }>): Partial<ExecutionEvent> {
  return {
    stateName: event.parentState.name,
    stateType: event.parentState.type,
    ...('index' in event ? { index: event.index } : {}),
  };
}

function failure(event: { Error: string; Cause: unknown }, context: EventContext): Partial<ExecutionEvent> {
  const cause = typeof event.Cause === 'string' ? event.Cause : JSON.stringify(event.Cause ?? null);
  const remedy = context.remedyFor(cause);
  return { error: event.Error, cause, ...(remedy === undefined ? {} : { remedy }) };
}
