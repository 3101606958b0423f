import type { AlertAttributes, AlertMessage, JsonObject, JsonValue, Severity } from '../../ports/alerts.js';
import { fitSnsSubject } from '../alerts/sns-message.js';
import { formatDuration } from '../health/sizes.js';
import { at, bool, isObject, list, num, text } from '../json-read.js';
import { type CutoverStage, failedStage } from './stages.js';

/**
 * The cutover machine's notifications (success, failure, blocked, approval request), built from the
 * execution state the Notify states pass whole. Pure: the notify Lambda only publishes the result.
 *
 * The state holds ARNs, LSNs, counts and DMS/PostgreSQL messages, never a credential; these messages
 * copy named fields out of it and never serialise it wholesale, so nothing added to the state later
 * can leak into a notification by accident.
 */

export const CUTOVER_NOTIFICATION_SCHEMA = 'dms-cdc.cutover-notification/1';

export const NOTIFICATION_KINDS = ['success', 'failure', 'blocked', 'approval-request'] as const;
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];

export interface NotificationRequest {
  readonly kind: NotificationKind;
  /** The whole execution state ($ of the Notify state). */
  readonly state: unknown;
  /** For approval-request: the task token to answer with. */
  readonly taskToken?: string;
}

const SEVERITY: Record<NotificationKind, Severity> = {
  success: 'INFO',
  failure: 'CRITICAL',
  blocked: 'WARNING',
  'approval-request': 'INFO',
};
const LABEL: Record<NotificationKind, string> = {
  success: 'SUCCEEDED',
  failure: 'FAILED',
  blocked: 'BLOCKED',
  'approval-request': 'APPROVAL',
};
const MAX_FINDINGS = 20;
const MAX_TABLES = 50;

export function buildCutoverNotification(request: NotificationRequest, now: Date): AlertMessage {
  const view = readState(request.state);
  const { kind } = request;
  const stage = kind === 'failure' ? failedStage(request.state) : null;
  const error = kind === 'failure' ? parseFailure(request.state) : null;
  const token = kind === 'approval-request' ? (request.taskToken ?? null) : null;
  const attributes: AlertAttributes = {
    severity: SEVERITY[kind],
    source: view.name,
    kind,
    ...(view.slotName === null ? {} : { slot: view.slotName }),
  };
  return {
    subject: subjectFor(kind, view, stage, error),
    body: bodyFor(kind, view, stage, error, token, now),
    payload: payloadFor(kind, view, stage, error, token, now),
    attributes,
  };
}

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

/** How to answer an approval request, exactly as a person types it. */
export function approvalCommands(token: string): { readonly approve: string; readonly reject: string } {
  const quoted = /^[A-Za-z0-9+/=_.-]+$/u.test(token) ? token : `'${token.replaceAll("'", "'\\''")}'`;
  return {
    approve: `dms-cdc approve --token ${quoted}`,
    // A complete command to copy; the reason (optional to dms-cdc) is what the failure notification shows.
    reject: `dms-cdc reject --token ${quoted} --reason "<why>"`,
  };
}

// --- reading the state -----------------------------------------------------------------------------

interface Finding {
  readonly id: string;
  readonly severity: string;
  readonly title: string;
  readonly observed: string;
  readonly remedy: string;
}

interface StateView {
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

function readState(state: unknown): StateView {
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

/** The commands that recover the task a failed cutover leaves behind, as a person types them. */
export function recoverCommands(view: {
  readonly task: { readonly arn: string } | null;
  readonly slotName: string | null;
}): string[] {
  if (view.task === null) return [];
  const slot = view.slotName ?? '<slot>';
  return [
    `Decide first (a dry run that changes nothing): dms-cdc recover decide --source <writer URL> --slot ${slot} --task-status <status> --stop-reason '<StopReason>'`,
    `Then recover: dms-cdc recover --state-machine-arn <RecoverStateMachineArn> --task ${view.task.arn} --source-secret <source secret ARN> --database <db> --slot ${slot}`,
  ];
}

// --- subject, body, payload ------------------------------------------------------------------------

function subjectFor(
  kind: NotificationKind,
  view: StateView,
  stage: CutoverStage | null,
  error: FailureDetail | null,
): string {
  const head = `[${LABEL[kind]}] cutover ${view.name}: `;
  let tail: string;
  switch (kind) {
    case 'failure':
      tail = `${stage} ${error?.name ?? 'UnknownError'}`;
      break;
    case 'blocked':
      tail = `${view.blockers ?? 'some'} preflight blocker${view.blockers === 1 ? '' : 's'}, nothing created`;
      break;
    case 'approval-request':
      tail = 'caught up, approve or reject';
      break;
    case 'success':
      tail = view.catchUp?.confirmedFlushLsn ? `caught up at ${view.catchUp.confirmedFlushLsn}` : 'done';
      break;
  }
  return fitSnsSubject(head + tail);
}

/** Printable ASCII under SNS's 100-character limit. */

function bodyFor(
  kind: NotificationKind,
  view: StateView,
  stage: CutoverStage | null,
  error: FailureDetail | null,
  token: string | null,
  now: Date,
): string {
  const lines: string[] = [];
  const who = `Cutover "${view.name}"`;
  switch (kind) {
    case 'success':
      lines.push(
        view.endMode === 'continuous'
          ? `${who} succeeded with CONTINUOUS REPLICATION: the CDC task caught up from slot ${view.slotName ?? '?'} ` +
              'and was left running on purpose; nothing was stopped.'
          : `${who} succeeded: the CDC task caught up from slot ${view.slotName ?? '?'}` +
              (view.stopped
                ? `, then stopped (${view.stopped.stopReason ?? view.stopped.status ?? 'stopped'})` +
                  `${view.endMode === 'stop-when-quiet' ? ' by this cutover once the source was quiet' : ' at its stop position'}, ` +
                  'and the target was verified strictly against the source as of the stop.'
                : '.'),
      );
      break;
    case 'failure':
      lines.push(
        `${who} FAILED at stage ${stage}. The execution ended; anything created so far (slot, endpoint, task) ` +
          'is kept, and running the cutover again with the same input reuses it.',
        '',
        `Error: ${error?.name}`,
        error?.message ?? '',
      );
      if (error?.remedy) lines.push(`Remedy: ${error.remedy}`);
      if (view.stopped?.stopReason) lines.push(`Task StopReason: ${view.stopped.stopReason}`);
      if (view.task !== null) {
        lines.push(
          '',
          'The task and its slot are kept as they are. Never restart the task (DMS would recreate the slot and lose what it holds):',
          ...recoverCommands(view),
        );
      }
      break;
    case 'blocked':
      lines.push(
        `${who} is BLOCKED: preflight found ${view.blockers ?? 'some'} blocker${view.blockers === 1 ? '' : 's'}. ` +
          'Nothing was created. Fix each one, then start the cutover again.',
        '',
        'Blockers:',
        ...findingLines(view.findings.filter((f) => f.severity === 'blocker')),
      );
      break;
    case 'approval-request': {
      lines.push(`${who} has caught up and waits for your approval before it goes on.`);
      if (token !== null) {
        const commands = approvalCommands(token);
        lines.push('', `To approve: ${commands.approve}`, `To reject:  ${commands.reject}`);
      } else {
        lines.push('', 'No task token was passed: answer from the Step Functions console.');
      }
      if (view.approval.timeoutSeconds !== null) {
        lines.push(
          `Without an answer within ${formatDuration(view.approval.timeoutSeconds, 'exact')} ` +
            `(by ${new Date(now.getTime() + view.approval.timeoutSeconds * 1000).toISOString()}), the cutover fails with States.Timeout.`,
        );
      }
      break;
    }
  }
  lines.push('', ...factLines(view, now));
  const warnings = view.findings.filter((f) => f.severity === 'warning');
  if (warnings.length > 0) lines.push('', 'Preflight warnings:', ...findingLines(warnings));
  if (view.sequences) {
    const q = view.sequences;
    lines.push(
      '',
      `Sequences: ${q.sequences ?? '?'} in scope on the target: ${q.set ?? '?'} set to the source's value, ` +
        `${q.inStep ?? '?'} already in step, ${q.targetAhead ?? '?'} already further along (left as they were)`,
    );
  }
  if (view.rowCounts) lines.push('', ...rowCountLines(view.rowCounts));
  return lines.join('\n');
}

function factLines(view: StateView, now: Date): string[] {
  const lines: string[] = [];
  if (view.slotName) {
    lines.push(
      `Slot: ${view.slotName}${view.plugin ? ` (${view.plugin})` : ''}${view.database ? ` on database ${view.database}` : ''}` +
        (view.slot
          ? `; ${view.slot.created ? 'created by this run' : 'existing'}, confirmed_flush_lsn ${view.slot.confirmedFlushLsn ?? '?'}, restart_lsn ${view.slot.restartLsn ?? '?'} when read`
          : ''),
    );
  }
  if (view.replicationInstanceArn) lines.push(`Replication instance: ${view.replicationInstanceArn}`);
  if (view.sourceEndpointArn) lines.push(`Source endpoint: ${view.sourceEndpointArn}`);
  if (view.targetEndpointArn) lines.push(`Target endpoint: ${view.targetEndpointArn}`);
  if (view.task) {
    lines.push(
      `Task: ${view.task.arn} (${view.task.created === false ? 'reused' : 'created'}), CdcStartPosition ${view.task.cdcStartPosition ?? '?'}`,
    );
  }
  if (view.catchUp) {
    const c = view.catchUp;
    lines.push(
      `Catch-up: slot lag ${c.lagBytes ?? '?'} bytes, DMS latency ${c.latencySeconds === null ? 'n/a' : `${c.latencySeconds} s`}, ` +
        `confirmed_flush_lsn ${c.confirmedFlushLsn ?? '?'} of server LSN ${c.serverLsn ?? '?'} ` +
        `(${c.consecutive ?? 0} poll${c.consecutive === 1 ? '' : 's'} in a row within thresholds, ${c.polls ?? 0} in all)`,
    );
  }
  if (view.stopped)
    lines.push(`Task stop: ${view.stopped.status ?? '?'} (${view.stopped.stopReason ?? 'no stop reason'})`);
  if (view.startedAt) {
    const elapsed = (now.getTime() - Date.parse(view.startedAt)) / 1000;
    lines.push(`Started ${view.startedAt}; ${formatDuration(elapsed, 'exact')} ago (${now.toISOString()}).`);
  }
  return lines;
}

function findingLines(findings: readonly Finding[]): string[] {
  const shown = findings
    .slice(0, MAX_FINDINGS)
    .map((f) => `- [${f.id}] ${f.title}: ${f.observed}. Remedy: ${f.remedy}`);
  if (findings.length > MAX_FINDINGS)
    shown.push(`- ... and ${findings.length - MAX_FINDINGS} more (see the Preflight step output)`);
  return shown;
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

/** Whether the rows themselves were compared, and if not why: counts alone miss a changed row. */
function contentLine(content: NonNullable<StateView['rowCounts']>['content']): string[] {
  if (!content) return [];
  if (!content.compared) return [`Content: not compared row by row (${content.reason ?? 'no reason given'})`];
  return [
    `Content: ${content.rowsCompared ?? '?'} rows in ${content.tables ?? '?'} tables compared row by row, equal`,
  ];
}

function rowCountLines(rowCounts: NonNullable<StateView['rowCounts']>): string[] {
  const { tables } = rowCounts;
  const lines = [
    `Row counts: ${tables.length} table${tables.length === 1 ? '' : 's'} compared, ${rowCounts.mismatchedTables ?? 0} differ`,
    ...contentLine(rowCounts.content),
  ];
  // Differences first: they are what a reader acts on.
  const agrees = (t: (typeof tables)[number]) =>
    t.targetRows !== null && t.targetRows === t.expectedTargetRows;
  const ordered = [...tables].sort((a, b) => Number(agrees(a)) - Number(agrees(b)));
  for (const t of ordered.slice(0, MAX_TABLES)) {
    const mark = agrees(t) ? '' : '  <- differs';
    lines.push(
      `- ${t.name}: source ${t.sourceRows ?? '?'}${sinceCheckpoint(t)}, target ${t.targetRows ?? 'missing'}${mark}`,
    );
  }
  if (tables.length > MAX_TABLES) lines.push(`- ... and ${tables.length - MAX_TABLES} more`);
  return lines;
}

/** Compared at the task's checkpoint, the source may have moved on since the task stopped: by how much. */
function sinceCheckpoint(t: NonNullable<StateView['rowCounts']>['tables'][number]): string {
  const delta = t.postCheckpointDelta;
  if (delta === null) return '';
  if (t.expectedTargetRows === null) return " (truncated after the task's checkpoint: not comparable)";
  if (delta === 0) return '';
  const moved = delta > 0 ? `${delta} added` : `${-delta} deleted`;
  return ` (${moved} after the task's checkpoint), expected ${t.expectedTargetRows}`;
}

function payloadFor(
  kind: NotificationKind,
  view: StateView,
  stage: CutoverStage | null,
  error: FailureDetail | null,
  token: string | null,
  now: Date,
): JsonObject {
  const elapsedSeconds =
    view.startedAt === null ? null : Math.round((now.getTime() - Date.parse(view.startedAt)) / 1000);
  return {
    schema: CUTOVER_NOTIFICATION_SCHEMA,
    kind,
    cutover: view.name,
    slot: view.slotName,
    stage,
    error: error === null ? null : { name: error.name, message: error.message, remedy: error.remedy },
    taskToken: token,
    taskArn: view.task?.arn ?? null,
    lsns: {
      slotConfirmedFlushLsn: view.slot?.confirmedFlushLsn ?? null,
      slotRestartLsn: view.slot?.restartLsn ?? null,
      cdcStartPosition: view.task?.cdcStartPosition ?? null,
      caughtUpLsn: view.catchUp?.confirmedFlushLsn ?? null,
      serverLsn: view.catchUp?.serverLsn ?? null,
    },
    catchUp:
      view.catchUp === null
        ? null
        : {
            lagBytes: view.catchUp.lagBytes,
            latencySeconds: view.catchUp.latencySeconds,
            polls: view.catchUp.polls,
          },
    stop: view.stopped === null ? null : { status: view.stopped.status, stopReason: view.stopped.stopReason },
    end: view.endMode,
    recover: kind === 'failure' ? recoverCommands(view) : [],
    timings: { startedAt: view.startedAt, notifiedAt: now.toISOString(), elapsedSeconds },
    blockers:
      kind === 'blocked'
        ? view.findings.filter((f) => f.severity === 'blocker').map((f) => ({ id: f.id, title: f.title }))
        : [],
    warnings: view.findings
      .filter((f) => f.severity === 'warning')
      .map((f) => ({ id: f.id, title: f.title })),
    rowCounts:
      view.rowCounts === null
        ? null
        : {
            mismatchedTables: view.rowCounts.mismatchedTables,
            tables: view.rowCounts.tables.map((t) => ({
              name: t.name,
              sourceRows: t.sourceRows,
              targetRows: t.targetRows,
              expectedTargetRows: t.expectedTargetRows,
              postCheckpointDelta: t.postCheckpointDelta,
            })),
            content: view.rowCounts.content,
          },
    approval: view.approval.answer,
    sequences: view.sequences,
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
