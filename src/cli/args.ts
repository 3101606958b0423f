import { type ParseArgsConfig, parseArgs } from 'node:util';

/** A mistake in how the command was called: printed with the command's usage, exit status 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

export interface Command {
  readonly name: string;
  readonly summary: string;
  readonly usage: string;
  readonly options: OptionSpec;
  /** Exit status for a usage error (unknown flag, missing value); 2 unless the command reserves 2. */
  readonly usageExitStatus?: number;
  run(values: Record<string, string | boolean | undefined>, context: CommandContext): Promise<number>;
}

export interface CommandContext {
  readonly output: import('./output.js').Output;
  readonly env: NodeJS.ProcessEnv;
  /** Aborted on Ctrl-C, so long-running commands can stop cleanly. */
  readonly signal: AbortSignal;
}

export function parseCommandArgs(command: Command, argv: readonly string[]) {
  try {
    return parseArgs({
      args: [...argv],
      options: { ...command.options, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: false,
    }).values as Record<string, string | boolean | undefined>;
  } catch (error) {
    // node:util reports unknown flags and missing values with a clear message; keep it (on one line:
    // a value starting with a dash gets three), drop the code.
    throw new UsageError((error as Error).message.replace(/\s*\n\s*/g, ' '));
  }
}

export function requireString(values: Record<string, unknown>, name: string, hint: string): string {
  const value = values[name];
  if (typeof value !== 'string' || value === '') throw new UsageError(`--${name} is required: ${hint}`);
  return value;
}

/** --source or --target, else DMS_CDC_SOURCE_URL or DMS_CDC_TARGET_URL: the database a command reads. */
export function databaseUrl(
  values: Record<string, unknown>,
  env: NodeJS.ProcessEnv,
  side: 'source' | 'target',
): string {
  const fromEnv = side === 'source' ? env.DMS_CDC_SOURCE_URL : env.DMS_CDC_TARGET_URL;
  return requireString({ [side]: values[side] ?? fromEnv }, side, `the ${side} database URL`);
}

/** A whole number from 1 to `max` (every count and duration flag is bounded), or the fallback. */
export function positiveInteger(
  values: Record<string, unknown>,
  name: string,
  fallback: number,
  max: number,
): number {
  const value = values[name];
  if (value === undefined) return fallback;
  const n = typeof value === 'string' && /^[0-9]{1,9}$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isInteger(n) || n < 1 || n > max)
    throw new UsageError(`--${name} must be a whole number from 1 to ${max}, got ${quoteFlagValue(value)}`);
  return n;
}

/** A flag's value for a message: quoted, cut short, control characters escaped (it is the user's text). */
export function quoteFlagValue(value: unknown): string {
  const text = String(value);
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
}
