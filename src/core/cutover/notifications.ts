import type { AlertAttributes, AlertMessage, JsonObject, Severity } from '../../ports/alerts.js';
import { fitSnsSubject } from '../alerts/sns-message.js';
import { formatDuration } from '../health/sizes.js';
import { type CutoverStage, failedStage } from './stages.js';
import { type FailureDetail, type Finding, parseFailure, readState, type StateView } from './state-view.js';

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

/** How to answer an approval request, exactly as a person types it. */
export function approvalCommands(token: string): { readonly approve: string; readonly reject: string } {
  const quoted = /^[A-Za-z0-9+/=_.-]+$/u.test(token) ? token : `'${token.replaceAll("'", "'\\''")}'`;
  return {
    approve: `dms-cdc approve --token ${quoted}`,
    // A complete command to copy; the reason (optional to dms-cdc) is what the failure notification shows.
    reject: `dms-cdc reject --token ${quoted} --reason "<why>"`,
  };
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
