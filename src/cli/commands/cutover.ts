import type { HistoryEvent } from '@aws-sdk/client-sfn';
import { approvalCommands } from '../../core/cutover/notifications.js';
import { planCutover } from '../../core/cutover/plan.js';
import { rehearse } from '../../local/rehearsal.js';
import { type Command, positiveInteger, UsageError } from '../args.js';
import { executionName, machineArn, printStateEvent, readJsonObject, startAndFollow } from '../executions.js';
import type { Output } from '../output.js';
import { renderReport } from './rehearse.js';

/** Input fields a local run takes from the file: the rest (source, target, ARNs) is the local environment's. */
const LOCAL_FIELDS = ['thresholds', 'approval', 'verify'] as const;

export const cutoverCommand: Command = {
  name: 'cutover',
  summary: 'Start the deployed cutover state machine with an input file and follow it (or --local)',
  usage: `dms-cdc cutover --state-machine-arn <arn> --input FILE [--name NAME] [--poll SECONDS] [--detach] [--json]
dms-cdc cutover --local [--input FILE] [--json]

  Validates the input (README "Cutover input"; a bad field is named before anything starts), starts an
  execution of the cutover machine and prints each state it enters, the catch-up polls (slot lag, DMS
  latency) and any failure, until it ends. At an approval gate it prints the task token and the exact
  dms-cdc approve / dms-cdc reject commands that answer it.

  --state-machine-arn <arn>  the CutoverStateMachineArn output of the stack (or DMS_CDC_CUTOVER_STATE_MACHINE_ARN)
  --input FILE               the cutover input as JSON (- for stdin)
  --name NAME                the execution name (default cutover-<name>-<time>)
  --poll SECONDS             how often to read the execution history (default 5, at most 300)
  --detach                   print the execution ARN and return without following it
  --local                    run the same machine on embedded PostgreSQL 17 with the local DMS engine (the
                             rehearsal), using the file's thresholds, approval and verify settings
  --json                     print the outcome as JSON at the end

exit status: 0 the cutover succeeded, 1 it failed or could not start, 130 interrupted`,
  options: {
    'state-machine-arn': { type: 'string' },
    input: { type: 'string' },
    name: { type: 'string' },
    poll: { type: 'string' },
    detach: { type: 'boolean' },
    local: { type: 'boolean' },
    json: { type: 'boolean' },
  },
  async run(values, context) {
    const file =
      values.input === undefined
        ? undefined
        : await readJsonObject(String(values.input), 'the cutover input');
    if (values.local) return runLocal(file, values.json === true, context);
    const stateMachineArn = machineArn(
      values['state-machine-arn'],
      context.env.DMS_CDC_CUTOVER_STATE_MACHINE_ARN,
      '--state-machine-arn is required: the ARN of the deployed cutover state machine (or --local)',
    );
    if (!file) throw new UsageError('--input is required: the cutover input as JSON');
    const plan = planCutover(file, new Date());
    const name = executionName(values.name, `cutover-${plan.sourceName}`);
    // Every flag is checked before an execution starts.
    const pollMs = positiveInteger(values, 'poll', 5, 300) * 1000;
    const final = await startAndFollow(context, {
      stateMachineArn,
      name,
      input: file,
      pollMs,
      detach: values.detach === true,
      onEvent: (event) => printCutoverEvent(event, context.output),
    });
    if (typeof final === 'number') return final;
    const { executionArn } = final;
    const summary = {
      executionArn,
      status: final.execution.status ?? 'UNKNOWN',
      error: final.execution.error ?? null,
      cause: final.execution.cause ?? null,
      output: final.execution.output ? (JSON.parse(final.execution.output) as unknown) : null,
    };
    if (values.json) context.output.json(summary);
    else
      context.output.result(
        `cutover ${summary.status}${summary.error ? `: ${summary.error} ${summary.cause ?? ''}` : ''}\n  ${executionArn}`,
      );
    return summary.status === 'SUCCEEDED' ? 0 : 1;
  },
};

async function runLocal(
  file: Record<string, unknown> | undefined,
  json: boolean,
  context: Parameters<Command['run']>[1],
) {
  const overrides = Object.fromEntries(
    LOCAL_FIELDS.filter((k) => file?.[k] !== undefined).map((k) => [k, file?.[k]]),
  );
  const report = await rehearse({
    transactionsPerSecond: 50,
    workloadSeconds: 20,
    keep: false,
    signal: context.signal,
    onProgress: json ? () => undefined : (text) => context.output.progress(text),
    inputOverrides: overrides,
  });
  if (json) context.output.json(report);
  else context.output.result(renderReport(report));
  if (report.status === 'ABORTED') return 130;
  return report.status === 'SUCCEEDED' && report.mismatches === 0 ? 0 : 1;
}

/** States, failures, and for each catch-up poll the lag and latency it measured. */
function printCutoverEvent(event: HistoryEvent, output: Output): void {
  printStateEvent(event, output);
  const exited = event.stateExitedEventDetails;
  if (exited?.name === 'CheckCatchUp' && exited.output) {
    const poll = (
      JSON.parse(exited.output) as {
        polls?: { catchUp?: { lagBytes?: number; latencySeconds?: number | null; consecutive?: number } };
      }
    ).polls?.catchUp;
    if (poll)
      output.progress(
        `    slot lag ${poll.lagBytes ?? '?'} B, latency ${poll.latencySeconds ?? 'n/a'} s, ${poll.consecutive ?? 0} in a row`,
      );
  }
  if (event.type === 'TaskScheduled') printApprovalGate(event, output);
}

/**
 * At the approval gate (a .waitForTaskToken task), the token and the exact commands that answer it:
 * whoever follows the execution can answer without waiting for the SNS message.
 */
function printApprovalGate(event: HistoryEvent, output: Output): void {
  const scheduled = event.taskScheduledEventDetails;
  if (!scheduled?.resource?.includes('waitForTaskToken')) return;
  const token = approvalToken(scheduled.parameters);
  if (token === undefined) {
    output.progress('    waiting for approval: the task token is in the approval-request SNS message');
    return;
  }
  const { approve, reject } = approvalCommands(token);
  output.progress(`    waiting for approval, task token ${token}`);
  output.progress(`      approve: ${approve}`);
  output.progress(`      reject:  ${reject}`);
}

/**
 * The token the notify Lambda was invoked with: TaskScheduled's parameters are the state's resolved
 * Parameters ({"FunctionName", "Payload": {"taskToken": ...}}), kept in the history with execution data.
 */
function approvalToken(parameters: string | undefined): string | undefined {
  if (parameters === undefined) return undefined;
  try {
    const token = (JSON.parse(parameters) as { Payload?: { taskToken?: unknown } }).Payload?.taskToken;
    return typeof token === 'string' && token !== '' ? token : undefined;
  } catch {
    return undefined;
  }
}
