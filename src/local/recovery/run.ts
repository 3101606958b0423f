import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type ExecutionEvent,
  type ExecutionResult,
  startExecution,
  type TaskHandler,
} from '../stepfunctions/index.js';
import { type LocalRecoveryEnvironment, localRecoveryHandlers } from './handlers.js';

export const RECOVER_ASL = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../../statemachines/recover.asl.json',
);

export interface LocalRecoveryRun {
  /** The recover input (see src/core/recovery/input.ts). */
  readonly input: unknown;
  /** Waits and Retry pauses are multiplied by this (0.01: a 10 s poll takes 100 ms). */
  readonly timeScale?: number;
  readonly onEvent?: (event: ExecutionEvent) => void;
  readonly signal?: AbortSignal;
  /** Wraps handlers (tests observe or inject faults); identity by default. */
  readonly wrap?: (name: string, handler: TaskHandler) => TaskHandler;
}

/** Runs statemachines/recover.asl.json, unchanged, with the real handlers on local adapters. */
export async function runLocalRecovery(
  env: LocalRecoveryEnvironment,
  run: LocalRecoveryRun,
): Promise<ExecutionResult> {
  const handlers = localRecoveryHandlers(env);
  const tasks = Object.fromEntries(
    Object.entries(handlers).map(([name, h]) => [name, run.wrap ? run.wrap(name, h) : h]),
  );
  const execution = startExecution({
    definitionPath: RECOVER_ASL,
    tasks,
    input: run.input,
    timeScale: run.timeScale ?? 1,
    onEvent: run.onEvent,
    stateMachineName: 'recover',
  });
  run.signal?.addEventListener('abort', () => execution.stop(), { once: true });
  return execution.result;
}

/** The states an execution entered, in order (what the tests and the bench read the path from). */
export function statesEntered(result: Pick<ExecutionResult, 'events'>): string[] {
  return result.events.filter((e) => e.type === 'StateEntered').map((e) => String(e.stateName));
}
