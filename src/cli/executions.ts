import {
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { type CommandContext, UsageError } from './args.js';
import { readJsonObjectFile } from './files.js';
import type { Output } from './output.js';

/**
 * Starting a deployed state machine and following its execution history: shared by
 * `dms-cdc cutover` and `dms-cdc recover`. Region and credentials come from the standard AWS SDK
 * chain, like the AWS CLI.
 */
export const STATE_MACHINE_ARN =
  /^arn:aws[a-z-]*:states:[a-z0-9-]+:[0-9]{12}:stateMachine:[A-Za-z0-9_-]{1,80}$/;
const TERMINAL = new Set(['SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED']);

// Created when a command runs (never at import: the other commands need no AWS configuration).
let client: SFNClient | undefined;

export function sfnClient(): SFNClient {
  client ??= new SFNClient({});
  return client;
}

/** --state-machine-arn, else the variable a deployment sets; `missing` is the usage error when neither is an ARN. */
export function machineArn(
  given: string | boolean | undefined,
  fromEnv: string | undefined,
  missing: string,
): string {
  const arn = typeof given === 'string' ? given : fromEnv;
  if (!arn || !STATE_MACHINE_ARN.test(arn)) throw new UsageError(missing);
  return arn;
}

export async function startExecution(stateMachineArn: string, name: string, input: unknown): Promise<string> {
  const started = await sfnClient().send(
    new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify(input) }),
  );
  return started.executionArn ?? '';
}

export interface Followed {
  readonly execution: DescribeExecutionCommandOutput;
  readonly events: HistoryEvent[];
}

/**
 * Reads the history as it grows, handing each new event to `onEvent` once; undefined on Ctrl-C.
 * GetExecutionHistory cannot continue after its last page, so each poll reads it again and skips the
 * events already seen (by id).
 */
export async function follow(
  executionArn: string,
  options: {
    readonly pollMs: number;
    readonly signal: AbortSignal;
    readonly onEvent: (event: HistoryEvent) => void;
  },
): Promise<Followed | undefined> {
  const events: HistoryEvent[] = [];
  const seen = new Set<number>();
  for (;;) {
    const execution = await sfnClient().send(new DescribeExecutionCommand({ executionArn }));
    // Read after the status: a terminal status then has every one of its events read.
    await readNewEvents(executionArn, seen, events, options.onEvent);
    if (TERMINAL.has(execution.status ?? '')) return { execution, events };
    if (!(await pause(options.pollMs, options.signal))) return undefined;
  }
}

/**
 * Starts an execution and follows it to its end, handing each event to `onEvent`. Where there is nothing
 * left to follow it gives the exit status instead: 0 with --detach (the execution ARN is the result),
 * 130 on Ctrl-C (the execution goes on).
 */
export async function startAndFollow(
  context: CommandContext,
  run: {
    readonly stateMachineArn: string;
    readonly name: string;
    readonly input: unknown;
    readonly pollMs: number;
    readonly detach: boolean;
    readonly onEvent: (event: HistoryEvent) => void;
  },
): Promise<(Followed & { readonly executionArn: string }) | number> {
  const executionArn = await startExecution(run.stateMachineArn, run.name, run.input);
  context.output.progress(`started ${executionArn}`);
  if (run.detach) {
    context.output.result(executionArn);
    return 0;
  }
  const final = await follow(executionArn, {
    pollMs: run.pollMs,
    signal: context.signal,
    onEvent: run.onEvent,
  });
  if (final === undefined) {
    context.output.error(`stopped following; the execution goes on: ${executionArn}`);
    return 130;
  }
  return { ...final, executionArn };
}

async function readNewEvents(
  executionArn: string,
  seen: Set<number>,
  events: HistoryEvent[],
  onEvent: (event: HistoryEvent) => void,
): Promise<void> {
  let nextToken: string | undefined;
  do {
    const page = await sfnClient().send(
      new GetExecutionHistoryCommand({
        executionArn,
        maxResults: 1000,
        includeExecutionData: true,
        nextToken,
      }),
    );
    for (const event of page.events ?? []) {
      if (event.id === undefined || seen.has(event.id)) continue;
      seen.add(event.id);
      events.push(event);
      onEvent(event);
    }
    nextToken = page.nextToken;
  } while (nextToken);
}

function pause(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(true), ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve(false);
      },
      { once: true },
    );
  });
}

/** States entered and tasks failed, as progress lines. */
export function printStateEvent(event: HistoryEvent, output: Output): void {
  const entered = event.stateEnteredEventDetails?.name;
  if (entered) output.progress(`  ${entered}`);
  if (event.type === 'TaskFailed' || event.type === 'LambdaFunctionFailed') {
    const details = event.taskFailedEventDetails ?? event.lambdaFunctionFailedEventDetails;
    output.progress(`    failed: ${details?.error ?? '?'} ${details?.cause ?? ''}`.trimEnd());
  }
}

/** A JSON object from a file (or stdin with -), for --input: bounded, and errors never echo its content. */
export function readJsonObject(file: string, what: string): Promise<Record<string, unknown>> {
  return readJsonObjectFile(file, '--input', what);
}

/** --name if given (checked against Step Functions' rules), else `<prefix>-<UTC time>`; 80 characters at most. */
export function executionName(name: string | boolean | undefined, prefix: string): string {
  if (typeof name === 'string') {
    if (!/^[A-Za-z0-9_-]{1,80}$/.test(name))
      throw new UsageError('--name must be 1 to 80 letters, digits, - or _');
    return name;
  }
  const time = new Date()
    .toISOString()
    .replace(/[^0-9]/g, '')
    .slice(0, 14);
  return `${prefix}-${time}`.slice(0, 80);
}
