import { type FailureCode, failureText } from '../../../core/stop-reason.js';
import { sqlState } from '../../pg/sqlstate.js';
import { ApplyError } from './apply.js';

export type FailureClass = FailureCode;

export interface TaskFailure {
  readonly stopReason: string;
  readonly lastFailureMessage: string;
}

/** A failure the engine decided itself (bad start position, missing slot before streaming). */
export class EngineRefusal extends Error {
  override readonly name = 'EngineRefusal';

  constructor(
    message: string,
    readonly failureClass: FailureClass,
  ) {
    super(message);
  }
}

// Errors that will not go away by retrying: the slot is gone or can no longer serve changes.
const FATAL_SQLSTATES = new Set([
  '42704', // undefined_object: replication slot "x" does not exist
  '58P01', // undefined_file: requested WAL segment has already been removed
  '55000', // object_not_in_prerequisite_state: can no longer get changes from replication slot
  '42P01', // undefined_table on the target
]);

/**
 * Classifies what stopped a task the way DMS reports it. DMS puts the same long text in StopReason and
 * LastFailureMessage of a failed task ("Last Error ... Stop Reason FATAL_ERROR Error Level FATAL"), so
 * the engine does too: whatever reads a stop reason meets the form it meets on AWS. A source that goes
 * away, or a slot some other PID holds, is recoverable; a missing or invalidated slot is fatal.
 */
export function classifyFailure(error: unknown): TaskFailure {
  const failureClass = failureClassOf(error);
  const message = error instanceof Error ? error.message : String(error);
  const code = sqlState(error);
  const detail = code ? `${message} (SQLSTATE ${code})` : message;
  const text = failureText(
    failureClass,
    `${detail} Task error notification received from subtask 0, thread 0`,
  );
  return { stopReason: text, lastFailureMessage: text };
}

function failureClassOf(error: unknown): FailureClass {
  if (error instanceof EngineRefusal) return error.failureClass;
  if (error instanceof ApplyError) return 'FATAL_ERROR';
  const code = sqlState(error);
  if (code && FATAL_SQLSTATES.has(code)) return 'FATAL_ERROR';
  return 'RECOVERABLE_ERROR';
}
