import { SendTaskFailureCommand, SendTaskSuccessCommand, SFNClient } from '@aws-sdk/client-sfn';
import { type Command, type CommandContext, requireString, UsageError } from '../args.js';

/**
 * `dms-cdc approve|reject --token T`: answer the cutover's approval gate (a lambda:invoke.waitForTaskToken
 * state whose notification printed these commands). Region and credentials come from the standard AWS
 * SDK chain (AWS_REGION / AWS_PROFILE / SSO / instance role), like the AWS CLI; the caller needs
 * states:SendTaskSuccess or states:SendTaskFailure on the state machine.
 */

/** The error name the cutover fails with when rejected: its Catch routes it to the failure notification. */
export const REJECTED_ERROR = 'CutoverRejected';

// SendTaskSuccess/SendTaskFailure limits (Step Functions API reference).
const MAX_TOKEN = 2048;
const MAX_CAUSE = 32_768;
const MAX_OUTPUT_BYTES = 256 * 1024;

const TOKEN_HELP = `  --token <token>    the task token from the approval request notification
                     (Step Functions tokens hold only letters, digits and + / =, so no quoting is needed)

  Region and credentials: the standard AWS SDK chain (AWS_REGION, AWS_PROFILE, SSO, instance role).`;

export const approveCommand: Command = {
  name: 'approve',
  summary: 'Approve a cutover waiting at its approval gate (Step Functions SendTaskSuccess)',
  usage: `dms-cdc approve --token <token> [--output JSON]

${TOKEN_HELP}
  --output <json>    what the approval state returns (default {"approved": true, "by": "$USER"})

exit status: 0 approved, 1 Step Functions refused (token invalid, already answered, timed out)`,
  options: { token: { type: 'string' }, output: { type: 'string' } },
  async run(values, context) {
    const taskToken = tokenFrom(values);
    const output =
      values.output === undefined ? { approved: true, by: whoAmI(context) } : jsonOutput(values.output);
    const text = JSON.stringify(output);
    if (Buffer.byteLength(text) > MAX_OUTPUT_BYTES) throw new UsageError('--output is over 256 KiB');
    return answer(
      context,
      'approve',
      () => sfnClient().send(new SendTaskSuccessCommand({ taskToken, output: text })),
      () => context.output.result('approved: the cutover continues'),
    );
  },
};

export const rejectCommand: Command = {
  name: 'reject',
  summary: `Reject a cutover waiting at its approval gate: it fails with ${REJECTED_ERROR} (SendTaskFailure)`,
  usage: `dms-cdc reject --token <token> [--reason TEXT]

${TOKEN_HELP}
  --reason <text>    why: the failure notification and the execution's cause show it

exit status: 0 rejected, 1 Step Functions refused (token invalid, already answered, timed out)`,
  options: { token: { type: 'string' }, reason: { type: 'string' } },
  async run(values, context) {
    const taskToken = tokenFrom(values);
    const reason =
      typeof values.reason === 'string' && values.reason.trim() !== '' ? values.reason.trim() : undefined;
    const by = whoAmI(context);
    const cause = reason === undefined ? `rejected by ${by}` : `${reason} (rejected by ${by})`;
    if (cause.length > MAX_CAUSE) throw new UsageError(`--reason is longer than ${MAX_CAUSE} characters`);
    return answer(
      context,
      'reject',
      () => sfnClient().send(new SendTaskFailureCommand({ taskToken, error: REJECTED_ERROR, cause })),
      () => context.output.result(`rejected: the cutover fails with ${REJECTED_ERROR}`),
    );
  },
};

export const APPROVAL_COMMANDS: readonly Command[] = [approveCommand, rejectCommand];

// Created when a command runs (never at import: the other commands need no AWS configuration).
let client: SFNClient | undefined;
function sfnClient(): SFNClient {
  client ??= new SFNClient({});
  return client;
}

function tokenFrom(values: Record<string, string | boolean | undefined>): string {
  const token = requireString(
    values,
    'token',
    'the task token from the approval request notification',
  ).trim();
  if (token.length > MAX_TOKEN)
    throw new UsageError(`--token is longer than ${MAX_TOKEN} characters: not a task token`);
  return token;
}

function jsonOutput(text: string | boolean): unknown {
  try {
    return JSON.parse(String(text));
  } catch {
    throw new UsageError('--output must be JSON, e.g. \'{"approved": true, "ticket": "CHG-1234"}\'');
  }
}

function whoAmI(context: CommandContext): string {
  return context.env.USER || context.env.USERNAME || 'dms-cdc';
}

/** Step Functions' refusals, each as one line a person can act on. */
const REFUSALS: Record<string, string> = {
  InvalidToken: 'the token is not a valid task token (copy it whole from the approval request)',
  TaskDoesNotExist: 'no approval waits for this token: it was already answered, or the execution ended',
  TaskTimedOut: 'the approval gate already timed out: the cutover failed with States.Timeout',
};

async function answer(
  context: CommandContext,
  verb: 'approve' | 'reject',
  send: () => Promise<unknown>,
  done: () => void,
): Promise<number> {
  try {
    await send();
  } catch (error) {
    const name = (error as { name?: unknown }).name;
    const known = typeof name === 'string' ? REFUSALS[name] : undefined;
    if (known === undefined) throw error;
    context.output.error(`dms-cdc ${verb}: ${known} (${name})`);
    return 1;
  }
  done();
  return 0;
}
