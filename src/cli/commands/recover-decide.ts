import { describeConnection } from '../../adapters/pg/connection.js';
import { buildPgSourceDb } from '../../adapters/pg/slots.js';
import { validateSlotName } from '../../core/identifiers.js';
import { isLsn, type Lsn, parseLsn } from '../../core/lsn.js';
import { decideRecovery } from '../../core/recovery/decide.js';
import {
  type DecisionReport,
  formatRange,
  machineAction,
  toDecisionReport,
} from '../../core/recovery/report.js';
import type { SlotObservation, TaskObservation } from '../../core/recovery/types.js';
import { STOP_REASON_CODES, stopReasonCode } from '../../core/stop-reason.js';
import { TASK_STATUSES } from '../../core/task-status.js';
import type { TaskStatus } from '../../ports/dms.js';
import { type Command, quoteFlagValue, requireString, UsageError } from '../args.js';
import { SOURCE_HELP, sourceConnector, sourceFromFlags } from '../source.js';

/** `dms-cdc recover decide`: the recovery decision for a slot read now and task observations given (a dry run). */
export const recoverDecideCommand: Command = {
  name: 'recover decide',
  summary: 'Print the recovery decision for a slot on the source and task observations you give (dry run)',
  usage: `dms-cdc recover decide --source <url> --slot <name> (--task-status STATUS | --task-gone)
                       [--stop-reason TEXT] [--checkpoint LSN] [--task-start LSN] [--failover]
                       [--terminate-stale-backend] [--previous-confirmed LSN] [--json]

  Reads the slot (and the server position) on the source, read-only, combines it with what DMS says of
  the task, and prints the decision the recover machine would take, its reason, the LSNs and the range at
  risk. Nothing is changed anywhere. Take the task's values from
  aws dms describe-replication-tasks (Status, StopReason, the LSN inside RecoveryCheckpoint).

${SOURCE_HELP}
  --slot <name>              the task's replication slot
  --task-status STATUS       ${TASK_STATUSES.join(', ')}
  --task-gone                the task was deleted (its checkpoint went with it)
  --stop-reason TEXT         the task's StopReason, whole as DMS prints it ("Last Error ... Stop Reason
                             FATAL_ERROR Error Level FATAL", "Stop Reason NORMAL") or just its code
  --checkpoint LSN           the LSN inside RecoveryCheckpoint, e.g. 4AF/B00000D0
  --task-start LSN           the task's CdcStartPosition (the lower bound of a gap without a checkpoint)
  --failover                 the source just failed over (--source names the new writer)
  --terminate-stale-backend  the policy the machine would run with
  --previous-confirmed LSN   confirmed_flush_lsn at an earlier look (tells a running task that advances)
  --json                     print the decision as JSON

exit status: 0 the machine would act on its own (NO_ACTION, RESUME, WAIT_FOR_SLOT, NEW_TASK_FROM_SLOT),
  1 a person must decide (DATA_GAP, ESCALATE) or the source could not be read`,
  options: {
    source: { type: 'string' },
    slot: { type: 'string' },
    'task-status': { type: 'string' },
    'task-gone': { type: 'boolean' },
    'stop-reason': { type: 'string' },
    checkpoint: { type: 'string' },
    'task-start': { type: 'string' },
    failover: { type: 'boolean' },
    'terminate-stale-backend': { type: 'boolean' },
    'previous-confirmed': { type: 'string' },
    json: { type: 'boolean' },
  },
  async run(values, { output, env }) {
    const connection = sourceFromFlags(values, env);
    const slotName = validateSlotName(requireString(values, 'slot', 'the task replication slot'), '--slot');
    const task = taskFromFlags(values);
    // Every flag is checked before the source is reached.
    const previousConfirmed = lsnFlag(values, 'previous-confirmed');
    const lastKnownGoodLsn = lsnFlag(values, 'task-start');
    const client = await sourceConnector(connection)();
    let observed: Omit<SlotObservation, 'previousConfirmedFlushLsn'>;
    try {
      observed = await observeSlot(client, slotName);
    } finally {
      await client.end().catch(() => undefined);
    }
    const decision = decideRecovery({
      task,
      slot: { ...observed, previousConfirmedFlushLsn: previousConfirmed },
      failoverJustHappened: values.failover === true,
      lastKnownGoodLsn,
      policy: { terminateStaleBackend: values['terminate-stale-backend'] === true },
    });
    const report = toDecisionReport(decision);
    if (values.json)
      output.json({ source: describeConnection(connection), slot: slotName, decision: report });
    else output.result(renderDecision(report, describeConnection(connection), slotName));
    return report.kind === 'DATA_GAP' || report.kind === 'ESCALATE' ? 1 : 0;
  },
};

function renderDecision(report: DecisionReport, source: string, slot: string): string {
  const lines = [`decision: ${report.kind}`, `  ${report.reason}`, `  slot ${slot} on ${source}`];
  const lsns = Object.entries(report.lsns).map(([k, v]) => `${k} ${v}`);
  if (lsns.length > 0) lines.push(`  LSNs: ${lsns.join(', ')}`);
  const range = formatRange(report.atRisk);
  if (range) lines.push(`  LSN range at risk: ${range}`);
  lines.push(`  the recover machine would: ${machineAction(report)}`);
  return lines.join('\n');
}

async function observeSlot(
  client: Awaited<ReturnType<ReturnType<typeof sourceConnector>>>,
  slotName: string,
): Promise<Omit<SlotObservation, 'previousConfirmedFlushLsn'>> {
  const db = buildPgSourceDb(client);
  const reading = await db.readSlot(slotName);
  if (reading) return { slot: reading.slot, serverLsn: reading.serverLsn, inRecovery: reading.inRecovery };
  const position = await db.readServerPosition();
  return { slot: undefined, serverLsn: position.serverLsn, inRecovery: position.inRecovery };
}

function taskFromFlags(values: Record<string, string | boolean | undefined>): TaskObservation | undefined {
  if (values['task-gone']) {
    if (values['task-status'] !== undefined)
      throw new UsageError('give --task-status or --task-gone, not both');
    return undefined;
  }
  const status = requireString(
    values,
    'task-status',
    `the task Status (${TASK_STATUSES.join(', ')}) or --task-gone`,
  );
  if (!(TASK_STATUSES as readonly string[]).includes(status)) {
    throw new UsageError(
      `--task-status must be one of ${TASK_STATUSES.join(', ')}, got ${JSON.stringify(status)}`,
    );
  }
  return {
    status: status as TaskStatus,
    stopReason: stopReasonFlag(values),
    lastFailureMessage: undefined,
    checkpointLsn: lsnFlag(values, 'checkpoint'),
    resumable: true,
  };
}

/**
 * --stop-reason as a person pastes it from describe-replication-tasks: the whole text is kept, so the
 * decision quotes the message; it must name a code DMS documents (wherever it stands in the text).
 */
function stopReasonFlag(values: Record<string, string | boolean | undefined>): string | undefined {
  const reason = values['stop-reason'];
  if (typeof reason !== 'string') return undefined;
  if (stopReasonCode(reason) === undefined) {
    throw new UsageError(
      `--stop-reason must name one of ${STOP_REASON_CODES.join(', ')} (the code alone, or the whole StopReason ` +
        `as DMS prints it, e.g. "Last Error ... Stop Reason FATAL_ERROR Error Level FATAL"), got ${JSON.stringify(reason)}`,
    );
  }
  return reason.trim();
}

function lsnFlag(values: Record<string, string | boolean | undefined>, name: string): Lsn | null {
  const value = values[name];
  if (value === undefined) return null;
  if (typeof value !== 'string' || !isLsn(value)) {
    throw new UsageError(`--${name} must be an LSN like 4AF/B00000D0, got ${quoteFlagValue(value)}`);
  }
  return parseLsn(value);
}
