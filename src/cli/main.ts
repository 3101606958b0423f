import { readFileSync } from 'node:fs';
import { OrchestratorError } from '../core/errors.js';
import { registerSecret } from '../core/redact.js';
import { type Command, type CommandContext, parseCommandArgs, UsageError } from './args.js';
import { type Output, redacting, terminal } from './output.js';

/**
 * The command table: name, one-line summary and a loader. A command's module (and what it pulls in: AWS
 * SDK clients, pg, zod schemas, the local runner) is imported only when that command runs or its usage
 * is asked for, so `dms-cdc --help` and `--version` load none of them. The summaries are checked against
 * the modules' own by test/unit/cli-command-table.test.ts.
 */
export interface CommandEntry {
  readonly name: string;
  readonly summary: string;
  load(): Promise<Command>;
}

const pick = (commands: readonly Command[], name: string): Command => {
  const command = commands.find((c) => c.name === name);
  if (!command) throw new Error(`command table: no "${name}" in its module`);
  return command;
};

export const COMMANDS: readonly CommandEntry[] = [
  {
    name: 'slot inspect',
    summary: 'Show a replication slot: restart_lsn, confirmed_flush_lsn, lag, WAL status, holder',
    load: async () => pick((await import('./commands/slot.js')).SLOT_COMMANDS, 'slot inspect'),
  },
  {
    name: 'slot create',
    summary: 'Create a logical slot for DMS (or find the existing one), never a second one',
    load: async () => pick((await import('./commands/slot.js')).SLOT_COMMANDS, 'slot create'),
  },
  {
    name: 'slot cleanup',
    summary:
      'Remove what DMS left on the source: DDL trigger, function, audit table, and the slot on request',
    load: async () => pick((await import('./commands/slot.js')).SLOT_COMMANDS, 'slot cleanup'),
  },
  {
    name: 'rehearse',
    summary: 'Rehearse a whole cutover locally on embedded PostgreSQL 17 (what `npm start` runs)',
    load: async () => (await import('./commands/rehearse.js')).rehearseCommand,
  },
  {
    name: 'cutover',
    summary: 'Start the deployed cutover state machine with an input file and follow it (or --local)',
    load: async () => (await import('./commands/cutover.js')).cutoverCommand,
  },
  {
    name: 'preflight',
    summary: 'Check every DMS CDC prerequisite on the source (and target) in one pass',
    load: async () => (await import('./commands/preflight.js')).preflightCommand,
  },
  {
    name: 'sequences sync',
    summary: "Set each target sequence in scope to the source's value (plus a gap), never moving one back",
    load: async () => (await import('./commands/sequences.js')).sequencesSyncCommand,
  },
  {
    name: 'health',
    summary:
      'Check slot lag, retained WAL and WAL disk use against thresholds (exit 0 OK, 1 warning, 2 critical)',
    load: async () => (await import('./commands/health.js')).healthCommand,
  },
  {
    name: 'verify',
    summary:
      'Compare table contents of source and target by key with server-side checksums (exit 0 equal, 1 differ)',
    load: async () => (await import('./commands/verify.js')).verifyCommand,
  },
  {
    name: 'approve',
    summary: 'Approve a cutover waiting at its approval gate (Step Functions SendTaskSuccess)',
    load: async () => pick((await import('./commands/approval.js')).APPROVAL_COMMANDS, 'approve'),
  },
  {
    name: 'reject',
    summary: 'Reject a cutover waiting at its approval gate: it fails with CutoverRejected (SendTaskFailure)',
    load: async () => pick((await import('./commands/approval.js')).APPROVAL_COMMANDS, 'reject'),
  },
  {
    name: 'recover decide',
    summary: 'Print the recovery decision for a slot on the source and task observations you give (dry run)',
    load: async () => (await import('./commands/recover-decide.js')).recoverDecideCommand,
  },
  {
    name: 'recover rehearse',
    summary:
      'Rehearse recoveries locally: the fault matrix on embedded PostgreSQL 17 with the real recover machine',
    load: async () => pick((await import('./commands/recover.js')).RECOVER_COMMANDS, 'recover rehearse'),
  },
  {
    name: 'recover',
    summary: 'Start the deployed recover state machine for a DMS task and follow it to the end',
    load: async () => pick((await import('./commands/recover.js')).RECOVER_COMMANDS, 'recover'),
  },
];

/** Runs the CLI and returns the exit status: 0 ok, 1 failed, 2 usage error, 130 interrupted. */
export async function main(argv: readonly string[], given: CommandContext): Promise<number> {
  // Every line the CLI prints goes through the one redactor (src/core/redact.ts).
  registerSecret(given.env.PGPASSWORD);
  const output = redacting(given.output);
  const context: CommandContext = { ...given, output };
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    const topic = COMMANDS.find((c) => c.name === rest.join(' '));
    output.result(topic ? (await topic.load()).usage : overview());
    return 0;
  }
  if (name === '--version' || name === '-v') {
    output.result(version());
    return 0;
  }
  // Commands are one word (`rehearse`) or a group and a verb (`slot inspect`).
  const twoWords = `${name} ${rest[0] ?? ''}`;
  const entry = COMMANDS.find((c) => c.name === twoWords) ?? COMMANDS.find((c) => c.name === name);
  if (!entry) {
    const group = COMMANDS.filter((c) => c.name.startsWith(`${name} `));
    if (group.length > 0) {
      output.error(`"${name}" needs a subcommand: ${group.map((c) => c.name).join(', ')}`);
    } else {
      output.error(`unknown command "${name}"\n\n${overview()}`);
    }
    return 2;
  }
  const args = entry.name === twoWords ? rest.slice(1) : rest;
  const command = await entry.load();
  try {
    const values = parseCommandArgs(command, args);
    if (values.help) {
      output.result(command.usage);
      return 0;
    }
    return await command.run(values, context);
  } catch (error) {
    return reportFailure(error, command, output);
  }
}

function reportFailure(error: unknown, command: Command, output: Output): number {
  if (error instanceof UsageError) {
    output.error(`${oneLine(error.message)}\n\nusage: ${command.usage}`);
    return command.usageExitStatus ?? 2;
  }
  if (error instanceof OrchestratorError) {
    output.error(
      `${error.name}: ${oneLine(error.message)}${error.remedy ? `\nremedy: ${oneLine(error.remedy)}` : ''}`,
    );
    return 1;
  }
  // Anything else (a refused connection, a server error): its message, not a stack trace.
  const code = (error as { code?: string }).code;
  output.error(`error: ${oneLine((error as Error).message ?? String(error))}${code ? ` (${code})` : ''}`);
  return 1;
}

/** A failure is one line (and its remedy another): a message with line breaks is joined. */
function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ');
}

function overview(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'dms-cdc: orchestrate AWS DMS change-data-capture from PostgreSQL',
    '',
    'usage: dms-cdc <command> [options]    dms-cdc <command> --help',
    '',
    'commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    `  ${'help'.padEnd(width)}  Show this overview, or a command's usage: dms-cdc help <command>`,
  ].join('\n');
}

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

/** Entry point when run as a program: wires Ctrl-C to an AbortSignal and sets the exit status. */
export async function runAsProgram(): Promise<void> {
  const controller = new AbortController();
  let interrupts = 0;
  const onInterrupt = () => {
    interrupts += 1;
    if (interrupts > 1) process.exit(130);
    terminal.progress('interrupted: cleaning up (Ctrl-C again to force)');
    controller.abort();
  };
  process.on('SIGINT', onInterrupt);
  process.on('SIGTERM', onInterrupt);
  const status = await main(process.argv.slice(2), {
    output: terminal,
    env: process.env,
    signal: controller.signal,
  });
  process.exitCode = controller.signal.aborted && status === 0 ? 130 : status;
}

if (import.meta.url === `file://${process.argv[1]}`) await runAsProgram();
