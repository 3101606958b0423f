/** The codes inside DMS's StopReason strings ("Stop Reason FATAL_ERROR"), as documented for ReplicationTask.StopReason. */
export const STOP_REASON_CODES = [
  'NORMAL',
  'RECOVERABLE_ERROR',
  'FATAL_ERROR',
  'FULL_LOAD_ONLY_FINISHED',
  'STOPPED_AFTER_FULL_LOAD',
  'STOPPED_AFTER_CACHED_EVENTS',
  'EXPRESS_LICENSE_LIMITS_REACHED',
  'STOPPED_AFTER_DDL_APPLY',
  'STOPPED_DUE_TO_LOW_MEMORY',
  'STOPPED_DUE_TO_LOW_DISK',
  'STOPPED_AT_SERVER_TIME',
  'STOPPED_AT_COMMIT_TIME',
  'RECONFIGURATION_RESTART',
  'RECYCLE_TASK',
] as const;
export type StopReasonCode = (typeof STOP_REASON_CODES)[number];

/** The codes a failure carries, with the Error Level DMS prints after them. */
export type FailureCode = 'RECOVERABLE_ERROR' | 'FATAL_ERROR';
const ERROR_LEVEL: Readonly<Record<FailureCode, string>> = {
  RECOVERABLE_ERROR: 'RECOVERABLE',
  FATAL_ERROR: 'FATAL',
};

/**
 * What a StopReason (or LastFailureMessage, or EventBridge detailMessage) says. DMS writes a plain stop as
 * `Stop Reason FULL_LOAD_ONLY_FINISHED` and a failure as
 * `Last Error <message> Stop Reason FATAL_ERROR Error Level FATAL`, the message being free text.
 */
export interface StopReason {
  /** The code; undefined when the text names none, or one this code does not know. */
  readonly code: StopReasonCode | undefined;
  /** The message after "Last Error" (for notifications); undefined when there is none. */
  readonly lastError: string | undefined;
  /** RECOVERABLE, FATAL, ... as DMS printed it; undefined when absent. */
  readonly errorLevel: string | undefined;
}

const NOTHING: StopReason = { code: undefined, lastError: undefined, errorLevel: undefined };

/** The DMS wire form of a plain stop: `Stop Reason STOPPED_AT_SERVER_TIME`. */
export function stopReasonText(code: StopReasonCode): string {
  return `Stop Reason ${code}`;
}

/** The DMS wire form of a failure: `Last Error <message> Stop Reason FATAL_ERROR Error Level FATAL`. */
export function failureText(code: FailureCode, message: string): string {
  return `Last Error ${message} Stop Reason ${code} Error Level ${ERROR_LEVEL[code]}`;
}

// DMS appends "Stop Reason CODE [Error Level LEVEL]" last; SNS copies of the text add a full stop.
const TAIL = /Stop Reason\s+([A-Za-z_]+)(?:\s+Error Level\s+([A-Za-z_]+))?[\s.]*$/iy;
const STOP_REASON = /Stop Reason/gi;
const ANYWHERE = /Stop Reason\s+([A-Za-z_]+)/gi;
const LAST_ERROR = /^[\s\S]*?Last Error\s*/i;

/**
 * Reads a StopReason as DMS returns it, wherever the code stands in the text. The message before it is
 * free text and may itself say "Stop Reason ..." (an error about a column, a quoted log line), so the
 * code is the one DMS appended at the end; a text with none there is searched for the last known code,
 * and a bare code (`FATAL_ERROR`, as a person types it) is read as is.
 */
export function parseStopReason(text: string | undefined): StopReason {
  if (!text?.trim()) return NOTHING;
  return fromTail(text) ?? fromAnywhere(text) ?? bareCode(text);
}

/** The code alone (see parseStopReason). */
export function stopReasonCode(text: string | undefined): StopReasonCode | undefined {
  return parseStopReason(text).code;
}

/**
 * The stop reason of a task as DescribeReplicationTasks reports it: StopReason first, and
 * LastFailureMessage when StopReason names no code (DMS leaves it empty or generic on some failures).
 * The message comes from whichever text carries one.
 */
export function taskStopReason(task: {
  readonly stopReason: string | null | undefined;
  readonly lastFailureMessage: string | null | undefined;
}): StopReason {
  const reason = parseStopReason(task.stopReason ?? undefined);
  const failure = parseStopReason(task.lastFailureMessage ?? undefined);
  if (reason.code !== undefined) {
    return {
      ...reason,
      lastError: reason.lastError ?? failure.lastError ?? lastErrorOnly(task.lastFailureMessage),
    };
  }
  if (failure.code !== undefined) return failure;
  return { ...reason, lastError: reason.lastError ?? lastErrorOnly(task.lastFailureMessage) };
}

/**
 * The stop reason in a few words for a notification line, `FATAL_ERROR, Error Level FATAL` (the message goes on
 * a line of its own), or the raw text when it names no code this code knows.
 */
export function describeStopReason(reason: StopReason, raw: string | null | undefined): string | undefined {
  if (reason.code === undefined) return raw?.trim() || undefined;
  return reason.errorLevel ? `${reason.code}, Error Level ${reason.errorLevel}` : reason.code;
}

function fromTail(text: string): StopReason | undefined {
  const starts = [...text.matchAll(STOP_REASON)].map((m) => m.index);
  // The last "Stop Reason" the rest of the text fits behind is the one DMS appended.
  for (const start of starts.reverse()) {
    TAIL.lastIndex = start;
    const tail = TAIL.exec(text);
    if (tail) {
      return {
        code: known(tail[1]),
        lastError: lastErrorBefore(text.slice(0, start)),
        errorLevel: tail[2]?.toUpperCase(),
      };
    }
  }
  return undefined;
}

function fromAnywhere(text: string): StopReason | undefined {
  const found = [...text.matchAll(ANYWHERE)].map((m) => known(m[1])).filter((code) => code !== undefined);
  const code = found.at(-1);
  return code === undefined ? undefined : { code, lastError: undefined, errorLevel: undefined };
}

function bareCode(text: string): StopReason {
  return { ...NOTHING, code: known(text.trim()) };
}

function lastErrorBefore(head: string): string | undefined {
  if (!LAST_ERROR.test(head)) return undefined;
  return head.replace(LAST_ERROR, '').trim() || undefined;
}

/** A LastFailureMessage without a stop reason in it is the message itself (minus DMS's "Last Error" label). */
function lastErrorOnly(text: string | null | undefined): string | undefined {
  if (!text?.trim()) return undefined;
  return (LAST_ERROR.test(text) ? text.replace(LAST_ERROR, '') : text).trim() || undefined;
}

function known(word: string | undefined): StopReasonCode | undefined {
  const upper = word?.toUpperCase();
  return STOP_REASON_CODES.find((code) => code === upper);
}
