import type { JsonValue } from '../../ports/alerts.js';
import { at, bool, isObject, list, num, text } from '../json-read.js';

/**
 * What a cutover notification reads from the execution state the Notify states pass whole: the error
 * Step Functions caught, and a typed view of the steps' results. Only named fields are copied out, so
 * nothing added to the state later reaches a notification by accident.
 */

export interface FailureDetail {
  /** The error name Step Functions matched (`SlotActiveError`, `States.Timeout`, ...). */
  readonly name: string;
  readonly message: string;
  readonly remedy: string | null;
}

/**
 * The error from `state.error`: `Error` is the name; `Cause` is, for a Lambda failure, the JSON text
 * `{"errorType","errorMessage","trace"}` (the message carries ` Remedy: ...`, see remedyInMessage),
 * and otherwise free text (States.Timeout, a Fail state's cause), shown as it is.
 */
export function parseFailure(state: unknown): FailureDetail {
  const raw = at(state, 'error');
  const errorName = text(at(raw, 'Error'));
  const cause = text(at(raw, 'Cause'));
  let name = errorName;
  let message = cause ?? '';
  if (cause !== null) {
    try {
      const parsed: unknown = JSON.parse(cause);
      const errorType = text(at(parsed, 'errorType'));
      const errorMessage = text(at(parsed, 'errorMessage'));
      if (errorMessage !== null) message = errorMessage;
      name = name ?? errorType;
    } catch {
      // Not a Lambda error document: the cause is the message.
    }
  }
  const split = message.lastIndexOf(' Remedy: ');
  return {
    name: name ?? 'UnknownError',
    message: (split < 0 ? message : message.slice(0, split)).trim() || 'no cause was given',
    remedy: split < 0 ? null : message.slice(split + ' Remedy: '.length).trim() || null,
  };
}

export interface Finding {
  readonly id: string;
  readonly severity: string;
  readonly title: string;
  readonly observed: string;
  readonly remedy: string;
}

export interface StateView {
  readonly name: string;
  readonly slotName: string | null;
  readonly plugin: string | null;
  readonly database: string | null;
  readonly replicationInstanceArn: string | null;
  readonly targetEndpointArn: string | null;
  readonly startedAt: string | null;
  readonly findings: readonly Finding[];
  readonly blockers: number | null;
  readonly slot: {
    created: boolean | null;
    confirmedFlushLsn: string | null;
    restartLsn: string | null;
  } | null;
  readonly sourceEndpointArn: string | null;
  readonly task: { arn: string; created: boolean | null; cdcStartPosition: string | null } | null;
  readonly catchUp: {
    lagBytes: number | null;
    latencySeconds: number | null;
    confirmedFlushLsn: string | null;
    serverLsn: string | null;
    polls: number | null;
    consecutive: number | null;
  } | null;
  readonly stopped: { status: string | null; stopReason: string | null } | null;
  /** How the plan ends the cutover (plan.end.mode); null before the plan exists. */
  readonly endMode: string | null;
  readonly approval: { timeoutSeconds: number | null; answer: JsonValue | null };
  readonly rowCounts: {
    tables: readonly {
      name: string;
      sourceRows: number | null;
      targetRows: number | null;
      /** What targetRows was compared with (sourceRows less the rows the source gained after the checkpoint). */
      expectedTargetRows: number | null;
      postCheckpointDelta: number | null;
    }[];
    mismatchedTables: number | null;
    /** The row-by-row comparison of the strict verification; null when it did not run. */
    content: {
      compared: boolean;
      reason: string | null;
      tables: number | null;
      rowsCompared: number | null;
    } | null;
  } | null;
  /** The target sequences set after the stop (SyncSequences' summary); null when the step did not run. */
  readonly sequences: {
    sequences: number | null;
    set: number | null;
    inStep: number | null;
    targetAhead: number | null;
  } | null;
}

export function readState(state: unknown): StateView {
  const plan = at(state, 'plan');
  const steps = at(state, 'steps');
  const polls = at(state, 'polls');
  // Before PlanCutover succeeds only the raw input exists: its `name` is what the plan would call the source.
  const name = text(at(plan, 'sourceName')) ?? text(at(state, 'name')) ?? 'unknown';
  const slot = at(steps, 'slot');
  const task = at(steps, 'task');
  const catchUp = at(polls, 'catchUp');
  const stopped = at(polls, 'stopped');
  const verify = at(steps, 'verify');
  const sequences = at(steps, 'sequences', 'summary');
  const findings = list(at(steps, 'preflight', 'findings')).flatMap((f): Finding[] => {
    const id = text(at(f, 'id'));
    const severity = text(at(f, 'severity'));
    if (id === null || severity === null) return [];
    return [
      {
        id,
        severity,
        title: text(at(f, 'title')) ?? '',
        observed: text(at(f, 'observed')) ?? '',
        remedy: text(at(f, 'remedy')) ?? '',
      },
    ];
  });
  const taskArn = text(at(task, 'taskArn'));
  return {
    name,
    slotName: text(at(plan, 'slot', 'name')) ?? text(at(state, 'slot', 'name')),
    plugin: text(at(plan, 'slot', 'plugin')),
    database: text(at(plan, 'source', 'database')),
    replicationInstanceArn: text(at(plan, 'replicationInstanceArn')),
    targetEndpointArn: text(at(plan, 'targetEndpointArn')),
    startedAt: text(at(plan, 'startedAt')),
    findings,
    blockers: num(at(steps, 'preflight', 'summary', 'blockers')),
    slot: isObject(slot)
      ? {
          created: bool(at(slot, 'created')),
          confirmedFlushLsn: text(at(slot, 'confirmedFlushLsn')),
          restartLsn: text(at(slot, 'restartLsn')),
        }
      : null,
    sourceEndpointArn: text(at(steps, 'endpoint', 'endpointArn')),
    task:
      taskArn === null
        ? null
        : {
            arn: taskArn,
            created: bool(at(task, 'created')),
            cdcStartPosition: text(at(task, 'cdcStartPosition')),
          },
    catchUp: isObject(catchUp)
      ? {
          lagBytes: num(at(catchUp, 'lagBytes')),
          latencySeconds: num(at(catchUp, 'latencySeconds')),
          confirmedFlushLsn: text(at(catchUp, 'confirmedFlushLsn')),
          serverLsn: text(at(catchUp, 'serverLsn')),
          polls: num(at(catchUp, 'polls')),
          consecutive: num(at(catchUp, 'consecutive')),
        }
      : null,
    stopped: lastStop(stopped, at(polls, 'quiet'), catchUp),
    endMode: text(at(plan, 'end', 'mode')),
    approval: {
      timeoutSeconds: num(at(plan, 'approval', 'timeoutSeconds')),
      answer: toJson(at(steps, 'approval')),
    },
    rowCounts: isObject(verify)
      ? {
          tables: list(at(verify, 'tables')).map((t) => ({
            name: text(at(t, 'name')) ?? '?',
            sourceRows: num(at(t, 'sourceRows')),
            targetRows: num(at(t, 'targetRows')),
            // Results from before the comparison at a checkpoint compared with sourceRows.
            expectedTargetRows:
              at(t, 'expectedTargetRows') === undefined
                ? num(at(t, 'sourceRows'))
                : num(at(t, 'expectedTargetRows')),
            postCheckpointDelta: num(at(t, 'postCheckpointDelta')),
          })),
          mismatchedTables: num(at(verify, 'mismatchedTables')),
          content: contentView(at(verify, 'content')),
        }
      : null,
    sequences: isObject(sequences)
      ? {
          sequences: num(at(sequences, 'sequences')),
          set: num(at(sequences, 'set')),
          inStep: num(at(sequences, 'inStep')),
          targetAhead: num(at(sequences, 'targetAhead')),
        }
      : null,
  };
}

/**
 * The task's stop as the latest poll that saw one reported it: the stop wait, else the quiet wait or the
 * catch-up poll where a task stopped by itself (their status says stopped, and their StopReason says why).
 */
function lastStop(...polls: readonly unknown[]): StateView['stopped'] {
  for (const poll of polls) {
    if (!isObject(poll)) continue;
    const status = text(at(poll, 'status')) ?? text(at(poll, 'taskStatus'));
    const stopReason = text(at(poll, 'stopReason'));
    if (at(poll, 'done') !== undefined || status === 'stopped' || stopReason !== null) {
      return { status, stopReason };
    }
  }
  return null;
}

function contentView(content: unknown): NonNullable<StateView['rowCounts']>['content'] {
  if (!isObject(content)) return null;
  return {
    compared: at(content, 'compared') === true,
    reason: text(at(content, 'reason')),
    tables: num(at(content, 'tables')),
    rowsCompared: num(at(content, 'rowsCompared')),
  };
}

/** The approval answer, as JSON (what SendTaskSuccess passed); anything else is dropped. */
function toJson(value: unknown): JsonValue | null {
  if (value === undefined) return null;
  try {
    return JSON.parse(JSON.stringify(value)) as JsonValue;
  } catch {
    return null;
  }
}
