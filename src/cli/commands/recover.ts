import type { HistoryEvent } from '@aws-sdk/client-sfn';
import { describeIssue, refusePasswordKeys } from '../../core/input-keys.js';
import { RecoverInput } from '../../core/recovery/input.js';
import { type DecisionReport, formatRange } from '../../core/recovery/report.js';
import { type Command, positiveInteger, UsageError } from '../args.js';
import { executionName, machineArn, printStateEvent, readJsonObject, startAndFollow } from '../executions.js';
import { type Output, table } from '../output.js';
import { recoverDecideCommand } from './recover-decide.js';

/**
 * `dms-cdc recover`: start the deployed recover machine for a task and follow it to its end (region and
 * credentials from the standard AWS SDK chain, like the AWS CLI), and `dms-cdc recover rehearse`: the
 * fault matrix locally. The dry-run decision is `recover decide` (recover-decide.ts).
 */

export const recoverCommand: Command = {
  name: 'recover',
  summary: 'Start the deployed recover state machine for a DMS task and follow it to the end',
  usage: `dms-cdc recover --state-machine-arn <arn> (--input FILE | --task <arn> --source-secret <arn>
                --database <db> --slot <name>) [--failover] [--terminate-stale-backend]
                [--name NAME] [--poll SECONDS] [--detach] [--json]

  Starts an execution of the recover machine (statemachines/recover.asl.json, deployed by serverless.yml)
  and prints each state it enters and its decision, until it ends. The machine decides restart versus
  resume from the task and its slot on the current writer and acts (resume, wait for the slot, new task
  from the slot) or stops and notifies (DATA_GAP, ESCALATE). It never restarts a task.

  --state-machine-arn <arn>  the RecoverStateMachineArn output of the stack (or DMS_CDC_RECOVER_STATE_MACHINE_ARN)
  --input FILE               the recover input as JSON (- for stdin); the flags below override its fields
  --task <arn>               the DMS replication task ARN
  --source-secret <arn>      the Secrets Manager secret of the source (it names the writer after a failover)
  --database <db>            the source database the slot belongs to
  --slot <name>              the task's replication slot
  --failover                 the source just failed over: the slot is looked for on the new writer
  --terminate-stale-backend  allow terminating a stale walsender that holds the slot after the bounded wait
  --name NAME                the execution name (default manual-<task>-<time>)
  --poll SECONDS             how often to read the execution history (default 5, at most 300)
  --detach                   print the execution ARN and return without following it
  --json                     print {executionArn, status, decision, error, cause} at the end

  Region and credentials: the standard AWS SDK chain (AWS_REGION, AWS_PROFILE, SSO, instance role); the
  caller needs states:StartExecution, states:DescribeExecution and states:GetExecutionHistory.
  A dry run without AWS: dms-cdc recover decide --help.

exit status: 0 the machine succeeded (resumed, new task, nothing to do), 1 it ended otherwise
  (DATA_GAP, ESCALATE, a failed step) or could not be started, 130 interrupted (the execution goes on)`,
  options: {
    'state-machine-arn': { type: 'string' },
    input: { type: 'string' },
    task: { type: 'string' },
    'source-secret': { type: 'string' },
    database: { type: 'string' },
    slot: { type: 'string' },
    failover: { type: 'boolean' },
    'terminate-stale-backend': { type: 'boolean' },
    name: { type: 'string' },
    poll: { type: 'string' },
    detach: { type: 'boolean' },
    json: { type: 'boolean' },
  },
  async run(values, context) {
    const stateMachineArn = machineArn(
      values['state-machine-arn'],
      context.env.DMS_CDC_RECOVER_STATE_MACHINE_ARN,
      '--state-machine-arn is required: the ARN of the deployed recover state machine',
    );
    const input = await recoverInputFrom(values);
    const name = executionName(values.name, `manual-${String(input.taskArn).split(':').at(-1) ?? 'task'}`);
    // Every flag is checked before an execution starts.
    const pollMs = positiveInteger(values, 'poll', 5, 300) * 1000;
    const final = await startAndFollow(context, {
      stateMachineArn,
      name,
      input,
      pollMs,
      detach: values.detach === true,
      onEvent: (event) => printEvent(event, context.output),
    });
    if (typeof final === 'number') return final;
    const { executionArn } = final;
    const decision = lastDecision(final.events);
    const summary = {
      executionArn,
      status: final.execution.status ?? 'UNKNOWN',
      decision,
      error: final.execution.error ?? null,
      cause: final.execution.cause ?? null,
    };
    if (values.json) context.output.json(summary);
    else context.output.result(renderOutcome(summary));
    return summary.status === 'SUCCEEDED' ? 0 : 1;
  },
};

export const recoverRehearseCommand: Command = {
  name: 'recover rehearse',
  summary:
    'Rehearse recoveries locally: the fault matrix on embedded PostgreSQL 17 with the real recover machine',
  usage: `dms-cdc recover rehearse [--scenario ID[,ID...]] [--json]

  Runs recovery scenarios on this machine, each on fresh embedded PostgreSQL 17 servers (a source, a
  physical standby where the scenario fails over, a target) with the local DMS engine and the real recover
  machine (statemachines/recover.asl.json) and handlers, polls shortened. Each injects a fault, runs the
  machine, and compares the target with the writer row by row. Servers are removed after each scenario.

  --scenario IDs   a  failover, slot synced to the standby (failover = true)     -> RESUME
                   b  failover, slot without failover                            -> DATA_GAP
                   c  task failed mid-stream (RECOVERABLE_ERROR)                  -> RESUME
                   d1 stale walsender holds the slot, terminate allowed           -> WAIT_FOR_SLOT, RESUME
                   d2 stale walsender holds the slot, terminate not allowed       -> WAIT_FOR_SLOT, ESCALATE
                   e  slot invalidated by max_slot_wal_keep_size                  -> DATA_GAP
                   f1 source unreachable, back within the retry deadline          -> RESUME
                   f2 source unreachable past the retry deadline                  -> ESCALATE
                   g  task failed with FATAL_ERROR, slot intact                   -> NEW_TASK_FROM_SLOT
                   h  DMS restarts the task itself (RecoverableErrorCount -1)      -> WAIT_FOR_TASK, NO_ACTION
                   (default: all; npm run bench:recovery runs the same matrix)
  --json           print [{scenario, decision, faultToActionMs, rowsLost, dataPreservingPathExists}]

exit status: 0 no row lost or duplicated wherever a data-preserving path exists, 1 otherwise`,
  options: { scenario: { type: 'string' }, json: { type: 'boolean' } },
  async run(values, { output }) {
    const { runRecoveryMatrix, matrixRow, matrixTableRows, SCENARIO_IDS } = await import(
      '../../local/recovery/matrix.js'
    );
    const ids =
      typeof values.scenario === 'string' && values.scenario !== 'all'
        ? values.scenario.split(',').map((id) => id.trim())
        : undefined;
    const unknown = (ids ?? []).filter((id) => !SCENARIO_IDS.includes(id));
    if (unknown.length > 0)
      throw new UsageError(`unknown scenario ${unknown.join(', ')}: ${SCENARIO_IDS.join(', ')}`);
    const results = await runRecoveryMatrix({
      ...(ids && { ids }),
      onProgress: values.json ? undefined : (text) => output.progress(text),
    });
    if (values.json) output.json(results.map(matrixRow));
    else {
      const { headers, rows } = matrixTableRows(results);
      output.result(table(headers, rows));
    }
    return results.some((r) => r.dataPreservingPathExists && (r.rowsLost > 0 || r.rowsExtra > 0)) ? 1 : 0;
  },
};

export const RECOVER_COMMANDS: readonly Command[] = [
  recoverDecideCommand,
  recoverRehearseCommand,
  recoverCommand,
];

async function recoverInputFrom(
  values: Record<string, string | boolean | undefined>,
): Promise<Record<string, unknown>> {
  const base =
    values.input === undefined ? {} : await readJsonObject(String(values.input), 'the recover input');
  const input: Record<string, unknown> = { ...base };
  if (typeof values.task === 'string') input.taskArn = values.task;
  const source = { ...((base.source as Record<string, unknown> | undefined) ?? {}) };
  if (typeof values['source-secret'] === 'string') source.secretArn = values['source-secret'];
  if (typeof values.database === 'string') source.database = values.database;
  if (Object.keys(source).length > 0) input.source = source;
  if (typeof values.slot === 'string') input.slotName = values.slot;
  if (values.failover) input.failover = true;
  if (values['terminate-stale-backend']) {
    input.policy = { ...((base.policy as object | undefined) ?? {}), terminateStaleBackend: true };
  }
  input.trigger ??= { kind: 'manual', id: 'dms-cdc recover' };
  refusePasswordKeys(input, '--input');
  const parsed = RecoverInput.safeParse(input);
  if (!parsed.success) {
    const { field, message } = describeIssue(parsed.error.issues[0], '');
    throw new UsageError(
      `the recover input is invalid at ${field || 'its root'}: ${message} ` +
        '(give --input FILE, or --task, --source-secret, --database and --slot)',
    );
  }
  // What was given, not the defaults: the machine applies them and reports them as settings.
  return input;
}

function printEvent(event: HistoryEvent, output: Output): void {
  printStateEvent(event, output);
  const decision = decisionOf(event);
  if (decision) output.progress(`    decision ${decision.kind}: ${decision.reason}`);
}

/** The decision a Decide state recorded in the state it passed on. */
function decisionOf(event: HistoryEvent): DecisionReport | undefined {
  const exited = event.stateExitedEventDetails;
  if (!exited?.name?.startsWith('Decide') || !exited.output) return undefined;
  try {
    const state = JSON.parse(exited.output) as { decided?: { decision?: DecisionReport } };
    return state.decided?.decision;
  } catch {
    return undefined;
  }
}

function lastDecision(events: readonly HistoryEvent[]): DecisionReport | null {
  for (const event of [...events].reverse()) {
    const decision = decisionOf(event);
    if (decision) return decision;
  }
  return null;
}

function renderOutcome(summary: {
  executionArn: string;
  status: string;
  decision: DecisionReport | null;
  error: string | null;
  cause: string | null;
}): string {
  const lines = [
    `recovery ${summary.status}: ${summary.decision?.kind ?? 'no decision'}`,
    `  ${summary.executionArn}`,
  ];
  if (summary.decision) lines.push(`  ${summary.decision.reason}`);
  const range = formatRange(summary.decision?.atRisk ?? null);
  if (range) lines.push(`  LSN range at risk: ${range}`);
  if (summary.status !== 'SUCCEEDED' && summary.error) lines.push(`  error: ${summary.error}`);
  return lines.join('\n');
}
