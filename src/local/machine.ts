import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type ExecutionEvent,
  type ExecutionResult,
  type OnTaskToken,
  startExecution,
  type TaskHandler,
} from './stepfunctions/index.js';

/** statemachines/<name>.asl.json: the file CloudFormation deploys, run here unchanged. */
export function machineDefinitionPath(name: 'cutover' | 'recover'): string {
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), `../../statemachines/${name}.asl.json`);
}

export interface LocalMachineRun {
  readonly input: unknown;
  /** Waits and Retry pauses are multiplied by this (0.25: four times faster). */
  readonly timeScale?: number;
  readonly onEvent?: (event: ExecutionEvent) => void;
  /** Answers callback (.waitForTaskToken) states; by default nobody answers and they time out. */
  readonly onTaskToken?: OnTaskToken;
  readonly signal?: AbortSignal;
  /** Wraps handlers (tests observe or inject faults); identity by default. */
  readonly wrap?: (name: string, handler: TaskHandler) => TaskHandler;
}

/** Runs a state machine file with in-process handlers keyed by placeholder; Ctrl-C (signal) stops it. */
export function runLocalMachine(
  name: 'cutover' | 'recover',
  handlers: Readonly<Record<string, TaskHandler>>,
  run: LocalMachineRun,
): Promise<ExecutionResult> {
  const tasks = Object.fromEntries(
    Object.entries(handlers).map(([key, h]) => [key, run.wrap ? run.wrap(key, h) : h]),
  );
  const execution = startExecution({
    definitionPath: machineDefinitionPath(name),
    tasks,
    input: run.input,
    timeScale: run.timeScale ?? 1,
    onEvent: run.onEvent,
    onTaskToken: run.onTaskToken,
    stateMachineName: name,
  });
  run.signal?.addEventListener('abort', () => execution.stop(), { once: true });
  return execution.result;
}
