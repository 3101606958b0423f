import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type ExecutionEvent,
  type ExecutionResult,
  type OnTaskToken,
  startExecution,
} from '../stepfunctions/index.js';
import type { LocalCutoverEnvironment } from './environment.js';
import { localCutoverHandlers } from './handlers.js';

export const CUTOVER_ASL = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../../statemachines/cutover.asl.json',
);

export interface LocalCutoverRun {
  readonly input: unknown;
  /** Waits and Retry pauses are multiplied by this (0.25: four times faster). */
  readonly timeScale?: number;
  readonly onEvent?: (event: ExecutionEvent) => void;
  /** Answers the approval gate; by default nobody answers and the gate times out. */
  readonly onTaskToken?: OnTaskToken;
  readonly signal?: AbortSignal;
  /** Wraps handlers (tests inject faults); identity by default. */
  readonly wrap?: (
    name: string,
    handler: ReturnType<typeof localCutoverHandlers>[string],
  ) => ReturnType<typeof localCutoverHandlers>[string];
}

/** Runs statemachines/cutover.asl.json, unchanged, with the real handlers on the local environment. */
export async function runLocalCutover(
  env: LocalCutoverEnvironment,
  run: LocalCutoverRun,
): Promise<ExecutionResult> {
  const handlers = localCutoverHandlers(env);
  const tasks = Object.fromEntries(
    Object.entries(handlers).map(([name, h]) => [name, run.wrap ? run.wrap(name, h) : h]),
  );
  const execution = startExecution({
    definitionPath: CUTOVER_ASL,
    tasks,
    input: run.input,
    timeScale: run.timeScale ?? 1,
    onEvent: run.onEvent,
    onTaskToken: run.onTaskToken,
    stateMachineName: 'cutover',
  });
  run.signal?.addEventListener('abort', () => execution.stop(), { once: true });
  return execution.result;
}

/** The cutover input for a local environment: local ARNs, TLS off (loopback), the demo tables. */
export function localCutoverInput(
  env: LocalCutoverEnvironment,
  options: { slotName: string; schema: string; overrides?: Record<string, unknown> },
): Record<string, unknown> {
  return {
    name: 'rehearsal',
    source: { secretArn: env.sourceSecretArn, database: 'postgres', sslMode: 'none' },
    slot: { name: options.slotName, plugin: 'test-decoding' },
    replicationInstanceArn: env.replicationInstanceArn,
    target: { endpointArn: env.targetEndpointArn, secretArn: env.targetSecretArn, database: 'postgres' },
    tableMappings: {
      rules: [
        {
          'rule-type': 'selection',
          'rule-id': '1',
          'rule-name': options.schema,
          'object-locator': { 'schema-name': options.schema, 'table-name': '%' },
          'rule-action': 'include',
        },
      ],
    },
    thresholds: { maxLagBytes: 256 * 1024, maxLatencySeconds: 5, consecutivePolls: 3, pollSeconds: 2 },
    ...options.overrides,
  };
}
