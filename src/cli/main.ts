import { readFileSync } from 'node:fs';
import { OrchestratorError } from '../core/errors.js';
import { registerSecret } from '../core/redact.js';
import { type Command, type CommandContext, parseCommandArgs, UsageError } from './args.js';
import { APPROVAL_COMMANDS } from './commands/approval.js';
import { cutoverCommand } from './commands/cutover.js';
import { healthCommand } from './commands/health.js';
import { preflightCommand } from './commands/preflight.js';
import { RECOVER_COMMANDS } from './commands/recover.js';
import { rehearseCommand } from './commands/rehearse.js';
import { SLOT_COMMANDS } from './commands/slot.js';
import { type Output, redacting, terminal } from './output.js';

const COMMANDS: readonly Command[] = [
  ...SLOT_COMMANDS,
  rehearseCommand,
  cutoverCommand,
  preflightCommand,
  healthCommand,
  ...APPROVAL_COMMANDS,
  ...RECOVER_COMMANDS,
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
    output.result(topic ? topic.usage : overview());
    return 0;
  }
  if (name === '--version' || name === '-v') {
    output.result(version());
    return 0;
  }
  // Commands are one word (`rehearse`) or a group and a verb (`slot inspect`).
  const twoWords = `${name} ${rest[0] ?? ''}`;
  const command = COMMANDS.find((c) => c.name === twoWords) ?? COMMANDS.find((c) => c.name === name);
  if (!command) {
    const group = COMMANDS.filter((c) => c.name.startsWith(`${name} `));
    if (group.length > 0) {
      output.error(`"${name}" needs a subcommand: ${group.map((c) => c.name).join(', ')}`);
    } else {
      output.error(`unknown command "${name}"\n\n${overview()}`);
    }
    return 2;
  }
  const args = command.name === twoWords ? rest.slice(1) : rest;
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
