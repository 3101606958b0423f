import { OrchestratorError } from '../core/errors.js';

/**
 * A command's failure as one error line and, when there is one, one remedy line, like every other
 * CLI failure: `<command> could not run: ...`.
 */
export function couldNotRun(command: string, error: unknown): string {
  const flat = (text: string) => text.replace(/\s*\n\s*/g, ' ');
  if (error instanceof OrchestratorError) {
    return `${command} could not run: ${error.name}: ${flat(error.message)}${error.remedy ? `\nremedy: ${flat(error.remedy)}` : ''}`;
  }
  const code = (error as { code?: string }).code;
  const message = error instanceof Error ? error.message : String(error);
  return `${command} could not run: ${flat(message)}${code ? ` (${code})` : ''}`;
}
