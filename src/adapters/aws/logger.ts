import { Logger } from '@aws-lambda-powertools/logger';
import { redactText } from '../../core/redact.js';
import { once } from './once.js';

/**
 * The Powertools Logger every function uses: each string of each log line (message, keys, an
 * error's message, stack and cause) goes through the one redactor before it is printed.
 */
export function createLogger(options: { readonly logLevel?: 'SILENT' } = {}): Logger {
  return new Logger({
    serviceName: 'dms-cdc-orchestrator',
    ...options,
    jsonReplacerFn: redactingReplacer,
  });
}

/** A JSON.stringify replacer that redacts strings; Powertools formats errors into plain objects first. */
export function redactingReplacer(_key: string, value: unknown): unknown {
  return typeof value === 'string' ? redactText(value) : value;
}

/** The one logger of a function's execution environment (the handlers and the source middleware share it). */
export const sharedLogger = once(() => createLogger());
